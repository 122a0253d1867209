"""GLAIR through the real server: gunicorn with two workers sharing a SQLite state file."""

from __future__ import annotations

import base64
import json

import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess

VIDEO = "/glair/face/v1/deepfake"
FRAMES = "/glair/face/v1/deepfake/images"
AUTH = {"x-api-key": "test-key",
        "Authorization": "Basic " + base64.b64encode(b"user:pass").decode()}
MP4 = media.video(seconds=1)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_through_gunicorn_with_two_workers(tmp_path):
    with ServerProcess(workers=2, state=tmp_path / "state.sqlite3", spool_dir=tmp_path / "spool") as srv:
        admin = AdminClient(srv.url)
        admin.add_verdict_rule("glair", probability=0.99768, times=1)
        files = {"video": ("clip.mp4", MP4, "video/mp4")}
        r = requests.post(f"{srv.url}{VIDEO}", files=files, headers=AUTH, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
        assert r.json() == {"read": {"deepfake": {"confidence": 0.99768, "value": "fake"}},
                            "reason": "File Successfully Read", "status": "SUCCESS"}
        # curl --data-raw: no JSON content type
        frames = json.dumps({"frames": [b64(media.image("jpeg", 32, 32))]})
        r = requests.post(f"{srv.url}{FRAMES}", data=frames, timeout=30, headers=dict(
            AUTH, **{"Content-Type": "application/x-www-form-urlencoded"}))
        assert r.status_code == 200 and r.json()["status"] == "SUCCESS"
        r = requests.post(f"{srv.url}{VIDEO}", files={"video": ("big.mp4", bytes(7_000_000))},
                          headers=AUTH, timeout=30)
        assert r.status_code == 413 and r.json()["status"] == "FAILED"
        r = requests.post(f"{srv.url}{VIDEO}", headers={"x-api-key": "nope"}, timeout=30)
        assert r.status_code == 403 and "Request-Id" in r.headers
