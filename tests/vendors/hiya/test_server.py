"""Hiya Audio Intelligence through the real server: gunicorn, two workers, a SQLite state file,
and a restart in the middle."""

from __future__ import annotations

import base64

import requests

from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess


def test_flow_across_workers_and_a_restart(tmp_path):
    state = {"state": tmp_path / "state.sqlite3", "spool_dir": tmp_path / "spool"}
    data = media.wav(6, sample_rate=8000, variant=2)
    with ServerProcess(workers=2, **state) as server:
        base = f"{server.url}/hiya/v1"
        token = requests.post(f"{base}/auth/credentials", timeout=10,
                              json={"handle": "user-a", "password": "correct-horse-1"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        # every worker knows the token: it lives in the shared store
        assert all(requests.get(f"{base}/user", headers=auth, timeout=10).status_code == 200
                   for _ in range(6))
        renamed = requests.patch(f"{base}/spaces/user-a/main", json={"handle": "calls"},
                                 headers=auth, timeout=10)
        assert renamed.status_code == 200
        space = f"{base}/spaces/user-a/calls"
        audio = requests.post(f"{space}/audios", json={"file": base64.b64encode(data).decode()},
                              headers=auth, timeout=30).json()
        assert audio["state"] == "available" and audio["duration"] == "PT6.000S"
        verification = requests.post(
            f"{server.url}/hiya/audiointel/eu/v1/spaces/user-a/calls/verifications/authenticity",
            json={"audio": audio["handle"], "model": "phone"}, headers=auth, timeout=30)
        assert verification.status_code == 201
        created = verification.json()
    with ServerProcess(workers=2, **state) as server:
        base = f"{server.url}/hiya/v1"
        space = f"{base}/spaces/user-a/calls"
        got = requests.get(f"{space}/verifications/authenticity/{created['handle']}", headers=auth,
                           timeout=10)
        assert got.status_code == 200 and got.json() == created
        listed = requests.get(f"{space}/audios/{audio['handle']}/verifications", headers=auth,
                              timeout=10)
        assert listed.headers["Item-Total"] == "1"
        assert listed.json()[0]["score"] == created["scores"]["synthesis"]
        download = requests.get(f"{space}/audios/{audio['handle']}/file", headers=auth, timeout=10)
        assert download.content == data
        # the bootstrap on restart did not bring the renamed space back under its old handle
        assert requests.get(f"{base}/spaces/user-a/main", headers=auth, timeout=10).status_code == 404


def test_single_vendor_mode_serves_the_real_paths_at_the_root(tmp_path):
    with ServerProcess(workers=1, vendor="hiya", spool_dir=tmp_path / "spool") as server:
        auth = {"Authorization": "Bearer hiya-key-user-a"}
        assert requests.get(f"{server.url}/v1/user", headers=auth, timeout=10).json()["handle"] == "user-a"
        assert requests.get(f"{server.url}/audiointel/us/v1/spaces/user-a/main", headers=auth,
                            timeout=10).status_code == 200
        missing = requests.get(f"{server.url}/v2/user", headers=auth, timeout=10)
        assert missing.status_code == 404 and missing.json() == {"message": "Resource not found"}
