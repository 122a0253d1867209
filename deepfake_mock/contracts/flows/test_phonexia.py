"""Phonexia flows as the vendor documents them: submit -> follow X-Location -> done, and the
documented errors. Runs against the emulator or a real appliance (``--base-url URL --vendor phonexia``)."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from deepfake_mock.contracts.conftest import vendor_target
from deepfake_mock.testing import media

START = "/api/technology/experimental/authenticity-verification"
TERMINAL = {"done", "failed", "rejected"}
MAX_POLLS = 120


@pytest.fixture
def base(target):
    return vendor_target(target, "phonexia").url("phonexia")


def origin(base: str) -> str:
    """scheme://host:port of a base URL (X-Location is relative to the server root)."""
    return "/".join(base.split("/")[:3])


def poll_to_end(base: str, location: str, wait: float) -> list[dict]:
    bodies = []
    for _ in range(MAX_POLLS):
        r = requests.get(origin(base) + location, timeout=30)
        assert r.status_code == 200, r.text
        bodies.append(r.json())
        if r.json()["task"]["state"] in TERMINAL:
            return bodies
        time.sleep(wait)  # only a real appliance needs time; the emulator moves per poll
    pytest.fail(f"task not finished after {MAX_POLLS} polls")


def submit(base, data, query=""):
    return requests.post(f"{base}{START}{query}", files={"file": ("call.wav", data, "audio/wav")},
                         timeout=60)


def test_submit_then_poll_x_location_to_done(base, target):
    r = submit(base, media.wav(6, channels=2))
    assert r.status_code == 202
    task = r.json()["task"]
    assert task["state"] == "pending" and uuid.UUID(task["task_id"])
    location = r.headers["X-Location"]
    assert location.startswith("/") and location.endswith(task["task_id"])
    bodies = poll_to_end(base, location, 0 if target.is_emulator else 1.0)
    states = [b["task"]["state"] for b in bodies]
    assert states[-1] == "done"
    assert set(states[:-1]) <= {"pending", "running"}
    assert all("result" not in b for b in bodies[:-1])
    channels = bodies[-1]["result"]["deepfake_detection"]["channels"]
    assert [c["channel_number"] for c in channels] == [0, 1]
    assert all(isinstance(c["score"], float) for c in channels)


def test_less_than_three_seconds_gives_a_null_score(base, target):
    r = submit(base, media.wav(2))
    body = poll_to_end(base, r.headers["X-Location"], 0 if target.is_emulator else 1.0)[-1]
    assert body["result"]["deepfake_detection"]["channels"][0]["score"] is None


def test_unknown_task_is_404_resource_not_found(base):
    r = requests.get(f"{base}{START}/{uuid.uuid4()}", timeout=30)
    assert r.status_code == 404
    assert r.json()["type"] == "resource.not-found"


def test_missing_file_is_422_validation_error(base):
    r = requests.post(f"{base}{START}", files={"config": (None, "{}")}, timeout=30)
    assert r.status_code == 422
    assert r.json()["type"] == "request.validation-error"


@pytest.mark.mock_only
def test_failed_task_reports_an_internal_error(base, target):
    target.admin.add_verdict_rule("phonexia", outcome="failed", times=1)
    r = submit(base, media.wav(4, variant=9))
    body = poll_to_end(base, r.headers["X-Location"], 0)[-1]
    assert body["task"]["state"] == "failed"
    assert body["error"]["type"] == "internal"
