"""State that must not outlive its owner, through the real server (gunicorn, a SQLite state):
FinAuth's in-flight slots end with the worker holding them, a killed upload leaves nothing in
the spool after a restart, and kept media expire on the emulator clock under a total cap."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import threading

import pytest
import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.app import start_up
from deepfake_mock.core.leases import Leases
from deepfake_mock.core.store import open_store
from deepfake_mock.settings import load_settings
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess, wait_until
from deepfake_mock.vendors.finauth.signing import make_sign

FINAUTH = "/finauth/finauth/v5/anti_deepfake"
KEY, SECRET = "TESTKEY_abcdefghijklmnopqrstuvwx", "TESTSECRET_0123456789abcdefghijk"
PHONEXIA = "/phonexia/api/technology/experimental/authenticity-verification"
RESEMBLE = "/resemble/api/v2"
RESEMBLE_AUTH = {"Authorization": "Bearer resemble-test-token"}
HIYA_AUTH = {"Authorization": "Bearer hiya-key-user-a"}
HIYA_AUDIOS = "/hiya/v1/spaces/user-a/main/audios"
CLOCK = {"MOCKSERVER_CLOCK": "manual", "MOCKSERVER_CLOCK_START": "1767225600"}


@pytest.fixture
def state(tmp_path):
    return {"state": tmp_path / "state.sqlite3", "spool_dir": tmp_path / "spool"}


def spool_files(state) -> list[str]:
    return sorted(os.listdir(state["spool_dir"]))


def spool_bytes(state) -> int:
    return sum(os.path.getsize(os.path.join(state["spool_dir"], n)) for n in spool_files(state))


# ---- FinAuth: a slot is a lease that ends with its worker --------------------------------------

def finauth(url: str, image: bytes, sign: str) -> requests.Response:
    return requests.post(f"{url}{FINAUTH}", timeout=90,
                         data={"sign": sign, "sign_version": "hmac_sha1", "data_type": "0"},
                         files={"image": ("selfie.jpg", image, "image/jpeg")})


def in_flight(url: str) -> int:
    keys = requests.get(f"{url}/_admin/vendors/finauth/keys", timeout=10).json()["keys"]
    return next(k for k in keys if k["api_key"] == KEY)["in_flight"]


def hold_a_slot(server: ServerProcess) -> tuple[str, bytes, threading.Thread]:
    """A request in a long simulated analysis holding the key's only slot."""
    admin = AdminClient(server.url)
    slow, quick = (media.image("jpeg", 160, 120, variant=v) for v in (1, 2))
    admin.add_verdict_rule("finauth", digest=hashlib.sha256(slow).hexdigest(),
                           fields={"processing_ms": 60_000})
    sign = make_sign(KEY, SECRET, 3600, now=admin.get_clock())

    def send():
        try:
            finauth(server.url, slow, sign)
        except requests.ConnectionError:
            pass  # its worker is killed under it
    holder = threading.Thread(target=send, daemon=True)
    holder.start()
    wait_until(lambda: in_flight(server.url) == 1, "the slow request holds the slot")
    refused = finauth(server.url, quick, sign)
    assert refused.status_code == 403 and refused.json()["error"] == "CONCURRENCY_LIMIT_EXCEEDED"
    return sign, quick, holder


def test_a_slot_held_by_a_killed_worker_is_free_again(state):
    env = {"MOCKSERVER_VENDORS__FINAUTH__CONCURRENCY_LIMIT": "1"}
    with ServerProcess(workers=2, env=env, **state) as server:
        sign, quick, holder = hold_a_slot(server)
        for pid in server.workers():  # the holder among them; the master starts new ones
            os.kill(pid, signal.SIGKILL)
        holder.join(timeout=30)
        assert in_flight(server.url) == 0
        answer = finauth(server.url, quick, sign)
        assert answer.status_code == 200, answer.text
        assert in_flight(server.url) == 0


def test_a_slot_held_when_the_whole_server_is_killed_is_free_after_a_restart(state):
    env = {"MOCKSERVER_VENDORS__FINAUTH__CONCURRENCY_LIMIT": "1"}
    with ServerProcess(workers=2, env=env, **state) as server:
        sign, quick, holder = hold_a_slot(server)
        os.killpg(server.pid, signal.SIGKILL)
        holder.join(timeout=30)
    with ServerProcess(workers=2, env=env, **state) as server:
        assert in_flight(server.url) == 0
        assert finauth(server.url, quick, sign).status_code == 200


def test_start_up_forgets_leases_a_recycled_pid_would_keep(state):
    """A lease of a live pid (ours: as a restarted container's worker could be) would never be
    reclaimed by the pid check; the server start forgets every lease."""
    settings = load_settings({k: str(v) for k, v in state.items()})
    slots = Leases(open_store(settings.state), ttl=300)
    assert slots.acquire("finauth:KEY", "request-1", limit=1)
    assert not slots.acquire("finauth:KEY", "request-2", limit=1)
    start_up(settings)
    assert slots.held("finauth:KEY") == 0
    assert slots.acquire("finauth:KEY", "request-2", limit=1)


# ---- the spool: orphans swept at start ------------------------------------------------------------

def test_a_killed_upload_and_media_without_state_are_swept_at_the_next_start(state):
    wav = media.wav(4)
    with ServerProcess(workers=2, **state) as server:
        task = requests.post(f"{server.url}{PHONEXIA}", files={"file": ("a.wav", wav, "audio/wav")},
                             timeout=30)
        assert task.status_code == 202
        kept = spool_files(state)
        assert kept == [f"phonexia-{task.json()['task']['task_id']}"]
        arrived, never = threading.Event(), threading.Event()
        boundary = "b0undary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"big.wav\"\r\nContent-Type: audio/wav\r\n\r\n").encode()

        def body():  # chunked, and never finished
            yield head
            for _ in range(64):
                yield b"\0" * 65536
            arrived.set()
            never.wait(60)

        def upload():
            try:
                requests.post(f"{server.url}{PHONEXIA}", data=body(), timeout=60,
                              headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            except requests.RequestException:
                pass  # the server is killed under it
        sender = threading.Thread(target=upload, daemon=True)
        sender.start()
        assert arrived.wait(30)
        wait_until(lambda: spool_bytes(state) > 3_000_000, "the upload is on disk")
        partial = [n for n in spool_files(state) if n.startswith("upload-")]
        assert len(partial) == 1
        os.killpg(server.pid, signal.SIGKILL)
        never.set()
        sender.join(timeout=30)
    (state["spool_dir"] / "hiya-lost-with-its-state").write_bytes(b"x" * 1000)
    assert spool_files(state) == sorted([*kept, *partial, "hiya-lost-with-its-state"])
    with ServerProcess(workers=2, **state) as server:
        assert spool_files(state) == kept  # the recorded upload stays, with its task
        assert requests.get(f"{server.url}{task.headers['X-Location']}", timeout=10).status_code == 200
        assert "swept 2 orphan file(s)" in server.log_tail()


def test_a_start_leaves_the_uploads_of_a_live_server_sharing_the_spool(state, tmp_path):
    """Another server's upload in progress (its writer alive) is not an orphan."""
    os.makedirs(state["spool_dir"])
    in_progress = state["spool_dir"] / f"upload-{os.getpid()}-abcdefgh"
    in_progress.write_bytes(b"x" * 100)
    with ServerProcess(workers=1, **state):
        assert spool_files(state) == [in_progress.name]


# ---- kept media: retention on the emulator clock, a total cap -----------------------------------

def resemble_detect(url: str, variant: int) -> requests.Response:
    return requests.post(f"{url}{RESEMBLE}/detect", headers=RESEMBLE_AUTH, timeout=30,
                         files={"file": ("clip.wav", media.wav(2, variant=variant), "audio/wav")})


def hiya_audio(url: str, variant: int) -> requests.Response:
    data = base64.b64encode(media.wav(2, sample_rate=8000, variant=variant)).decode()
    return requests.post(f"{url}{HIYA_AUDIOS}", json={"file": data}, headers=HIYA_AUTH, timeout=30)


def test_kept_media_expire_on_the_emulator_clock(state):
    env = {**CLOCK, "MOCKSERVER_MEDIA_RETENTION_S": "3600"}
    with ServerProcess(workers=2, env=env, **state) as server:
        admin = AdminClient(server.url)
        for n in range(5):
            assert resemble_detect(server.url, n).status_code == 200
            assert hiya_audio(server.url, n).status_code == 201
        first = hiya_audio(server.url, 99).json()
        assert len(spool_files(state)) == 11
        download = f"{server.url}{HIYA_AUDIOS}/{first['handle']}/file"
        assert requests.get(download, headers=HIYA_AUTH, timeout=10).status_code == 200
        admin.advance_clock(3601)
        assert resemble_detect(server.url, 100).status_code == 200  # expires the older ones
        files = spool_files(state)
        assert len(files) == 1 and files[0].startswith("resemble-detect-")
        missing = requests.get(download, headers=HIYA_AUTH, timeout=10)
        assert missing.status_code == 404 and missing.json() == {"message": "Resource not found"}


def test_a_full_spool_answers_each_vendors_error_until_media_expire(state):
    wav = media.wav(2)
    env = {**CLOCK, "MOCKSERVER_MEDIA_RETENTION_S": "600",
           "MOCKSERVER_SPOOL_MAX_BYTES": str(3 * len(wav))}
    with ServerProcess(workers=2, env=env, **state) as server:
        phonexia = [requests.post(f"{server.url}{PHONEXIA}", timeout=30,
                                  files={"file": ("a.wav", wav, "audio/wav")}) for _ in range(4)]
        assert [r.status_code for r in phonexia] == [202, 202, 202, 507]
        assert phonexia[3].json() == {"type": "storage.capacity-exceeded",
                                      "message": "The storage is full and cannot accept any data.",
                                      "detail": []}
        full = resemble_detect(server.url, 1)
        assert full.status_code == 503
        assert full.json() == {"success": False, "message": "Service unavailable"}
        full = hiya_audio(server.url, 1)
        assert full.status_code == 503
        assert full.json() == {"message": "Service temporarily overloaded"}
        assert requests.get(f"{server.url}{HIYA_AUDIOS}", headers=HIYA_AUTH,
                            timeout=10).headers["Item-Total"] == "0"  # nothing created
        assert len(spool_files(state)) == 3  # the refused uploads were not kept
        AdminClient(server.url).advance_clock(601)
        assert resemble_detect(server.url, 1).status_code == 200
        assert len(spool_files(state)) == 1
