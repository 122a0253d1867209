"""Settled answers (``web.answers``): a finished result is answered again without its view, and
never after the state, the clock or a rule changed it; every request is still journaled, counted
and put through faults and limits. In-process on both stores, then through gunicorn."""

from __future__ import annotations

import base64
import io
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from deepfake_mock import create_app
from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess
from deepfake_mock.vendors.phonexia import models as phonexia_models

START = "/phonexia/api/technology/experimental/authenticity-verification"
RESEMBLE = {"Authorization": "Bearer resemble-test-token"}
HIYA = {"Authorization": "Bearer hiya-key-user-a"}
SPACE = "/hiya/v1/spaces/user-a/main"


@pytest.fixture(params=["memory", "sqlite"])
def client(request, settings, tmp_path):
    if request.param == "sqlite":
        settings["state"] = str(tmp_path / "state.sqlite3")
    return create_app(settings).test_client()


@pytest.fixture
def admin(client):
    return AdminClient.for_test_client(client)


def finished_task(client, admin) -> str:
    admin.set_progression("phonexia", "immediate")
    r = client.post(START, data={"file": (io.BytesIO(media.wav(5)), "call.wav")},
                    content_type="multipart/form-data")
    assert r.status_code == 202
    return r.headers["X-Location"]


def test_a_finished_task_is_answered_alike_and_every_poll_is_journaled(client, admin):
    location = finished_task(client, admin)
    first = client.get(location)
    assert first.json["task"]["state"] == "done"
    again = [client.get(location) for _ in range(3)]
    assert {(r.status_code, r.get_data()) for r in again} == {(200, first.get_data())}
    assert admin.count_requests(operation="get_authenticity_verification") == 4
    report = admin.get_coverage("phonexia")
    get = next(op for op in report["vendors"][0]["operations"]
               if op["operation"] == "get_authenticity_verification")
    assert get["seen"] == {"200": 4}


def test_the_view_of_a_settled_answer_runs_once_while_the_state_stands(client, admin, monkeypatch):
    location = finished_task(client, admin)
    assert client.get(location).json["task"]["state"] == "done"  # this poll finished it: a write
    rendered = []
    task_body = phonexia_models.task_body
    monkeypatch.setattr(phonexia_models, "task_body", lambda job: rendered.append(1) or task_body(job))
    for _ in range(3):
        assert client.get(location).status_code == 200
    assert len(rendered) == 1
    admin.set_seed(7)  # any change of state: the view runs again
    assert client.get(location).status_code == 200
    assert len(rendered) == 2


def test_a_change_of_state_is_answered_at_once(client, admin):
    location = finished_task(client, admin)
    assert client.get(location).json["task"]["state"] == "done"
    admin.force_job_state("phonexia", location.rsplit("/", 1)[1], "failed")
    assert client.get(location).json["task"]["state"] == "failed"


def test_a_kept_answer_ends_with_the_task_retention(client, admin):
    location = finished_task(client, admin)
    assert client.get(location).status_code == 200
    admin.advance_clock(86400 + 1)
    assert client.get(location).status_code == 404


def test_faults_and_rate_limits_still_apply_to_a_settled_answer(client, admin):
    location = finished_task(client, admin)
    assert client.get(location).status_code == 200
    admin.add_fault("status", vendor="phonexia", status=503, times=1)
    assert client.get(location).status_code == 503
    assert client.get(location).status_code == 200
    admin.set_rate_limit("phonexia", 1, 60)
    assert client.get(location).status_code == 200
    assert client.get(location).status_code == 429


def test_a_settled_list_shows_a_new_detect(client, admin):
    admin.set_progression("resemble", "immediate")

    def detect(variant):
        r = client.post("/resemble/api/v2/detect", headers=RESEMBLE, data={
            "file": (io.BytesIO(media.wav(4, variant=variant)), "a.wav", "audio/wav")},
            content_type="multipart/form-data")
        assert r.status_code == 200, r.json

    detect(0)
    listed = client.get("/resemble/api/v2/detect?page=1&page_size=10", headers=RESEMBLE)
    assert listed.json["total_count"] == 1
    assert client.get("/resemble/api/v2/detect?page=1&page_size=10",
                      headers=RESEMBLE).get_data() == listed.get_data()
    detect(1)
    assert client.get("/resemble/api/v2/detect?page=1&page_size=10",
                      headers=RESEMBLE).json["total_count"] == 2


def hiya_verification(client) -> tuple[str, dict]:
    """(path, body) of a performed authenticity verification of user-a."""
    audio = client.post(f"{SPACE}/audios", headers=HIYA, json={
        "file": base64.b64encode(media.wav(4)).decode()}).json
    made = client.post(f"{SPACE}/verifications/authenticity", headers=HIYA,
                       json={"audio": audio["handle"], "model": "digital"}).json
    return f"{SPACE}/verifications/authenticity/{made['handle']}", made


def test_a_settled_verification_shows_its_new_alias(client):
    path, made = hiya_verification(client)
    assert client.get(path, headers=HIYA).json["alias"] == made["alias"]
    assert client.patch(path, headers=HIYA, json={"alias": "renamed"}).status_code == 200
    assert client.get(path, headers=HIYA).json["alias"] == "renamed"


def test_a_settled_answer_is_the_answer_of_its_credential(client):
    path, _ = hiya_verification(client)
    assert client.get(path, headers=HIYA).status_code == 200
    assert client.get(path, headers={"Authorization": "Bearer not-a-key"}).status_code == 401
    other = client.get(path, headers={"Authorization": "Bearer hiya-key-user-b"})
    assert other.status_code == 403, other.json  # user-a's space: not user-b's answer


def test_two_workers_agree_at_once_and_journal_every_request_of_a_burst(tmp_path):
    burst = 60
    with ServerProcess(workers=2, state=tmp_path / "state.sqlite3",
                       spool_dir=tmp_path / "spool") as server:
        admin = AdminClient(server.url)
        admin.set_progression("phonexia", "immediate")
        r = requests.post(f"{server.url}{START}", files={"file": ("a.wav", media.wav(5))},
                          timeout=30)
        location = f"{server.url}{r.headers['X-Location']}"

        def states():
            with ThreadPoolExecutor(8) as pool:  # enough to reach both workers, each keeping it
                return list(pool.map(lambda _: requests.get(location, timeout=30).json()
                                     ["task"]["state"], range(burst)))

        assert set(states()) == {"done"}
        assert admin.count_requests(operation="get_authenticity_verification") == burst
        admin.force_job_state("phonexia", location.rsplit("/", 1)[1], "failed")
        assert set(states()) == {"failed"}
        assert admin.count_requests(operation="get_authenticity_verification") == 2 * burst
        for worker in server.workers():
            os.kill(worker, signal.SIGKILL)  # what was answered was journaled: nothing is lost
        assert admin.count_requests(operation="get_authenticity_verification") == 2 * burst
