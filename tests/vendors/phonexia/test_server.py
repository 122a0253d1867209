"""Phonexia through the real server: gunicorn with two workers sharing a SQLite state file."""

from __future__ import annotations

import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess

START = "/phonexia/api/technology/experimental/authenticity-verification"


def test_a_task_runs_to_its_end_whichever_worker_answers(tmp_path):
    with ServerProcess(workers=2, state=tmp_path / "state.sqlite3",
                       spool_dir=tmp_path / "spool") as server:
        r = requests.post(f"{server.url}{START}", files={"file": ("call.wav", media.wav(5))},
                          timeout=30)
        assert r.status_code == 202 and r.json()["task"]["state"] == "pending"
        task = f"{server.url}{r.headers['X-Location']}"
        states = [requests.get(task, timeout=10).json()["task"]["state"] for _ in range(3)]
        assert states == ["running", "done", "done"]
        body = requests.get(task, timeout=10).json()
        assert [c["channel_number"] for c in body["result"]["deepfake_detection"]["channels"]] == [0]


def test_the_429_sends_its_header_names_in_lower_case(tmp_path):
    with ServerProcess(workers=1, spool_dir=tmp_path / "spool") as server:
        AdminClient(server.url).set_rate_limit("phonexia", 1, window=60)
        assert requests.get(f"{server.url}/phonexia/api/system/status", timeout=10).ok
        r = requests.get(f"{server.url}/phonexia/api/system/status", timeout=10)
        assert r.status_code == 429 and r.json()["type"] == "request.rate-limit-exceeded"
        names = list(r.raw.headers.keys())  # as they came over the wire
        assert {"retry-after", "x-ratelimit-limit", "x-ratelimit-remaining",
                "x-ratelimit-reset"} <= set(names)
