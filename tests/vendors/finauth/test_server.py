"""FinAuth through the real server: gunicorn workers sharing one SQLite state file.

In-flight counts, single-use signatures and the clock must hold across workers; the 413 must
come before the body is read.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading

import pytest
import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess, wait_until
from deepfake_mock.testing.finauth_vectors import TEST_VECTORS
from deepfake_mock.vendors.finauth.signing import make_sign

PATH = "/finauth/finauth/v5/anti_deepfake"
KEY = "TESTKEY_abcdefghijklmnopqrstuvwx"
SECRET = "TESTSECRET_0123456789abcdefghijk"


@pytest.fixture
def state(tmp_path):
    return {"state": tmp_path / "state.sqlite3", "spool_dir": tmp_path / "spool"}


def send(url: str, image: bytes, sign: str) -> requests.Response:
    return requests.post(f"{url}{PATH}", timeout=60,
                         data={"sign": sign, "sign_version": "hmac_sha1", "data_type": "0"},
                         files={"image": ("selfie.jpg", image, "image/jpeg")})


def signed(admin: AdminClient, valid: int = 100) -> str:
    return make_sign(KEY, SECRET, valid, now=admin.get_clock())


def in_flight(url: str) -> int:
    keys = requests.get(f"{url}/_admin/vendors/finauth/keys", timeout=10).json()["keys"]
    return next(k for k in keys if k["api_key"] == KEY)["in_flight"]


def test_concurrency_limit_counts_requests_in_flight_across_workers(state):
    env = {"MOCKSERVER_VENDORS__FINAUTH__CONCURRENCY_LIMIT": "1"}
    with ServerProcess(workers=3, env=env, **state) as server:
        admin = AdminClient(server.url)
        slow, quick = media.image("jpeg", 320, 240, variant=1), media.image("jpeg", 320, 240, variant=2)
        admin.add_verdict_rule("finauth", digest=hashlib.sha256(slow).hexdigest(),
                               fields={"processing_ms": 4000})
        sign = signed(admin)
        answers = {}
        holder = threading.Thread(target=lambda: answers.setdefault("slow", send(server.url, slow, sign)))
        holder.start()
        try:
            wait_until(lambda: in_flight(server.url) == 1, "one request in flight")
            refused = send(server.url, quick, sign)  # another worker takes it, while the first runs
        finally:
            holder.join(timeout=60)
        assert refused.status_code == 403
        assert refused.json()["error"] == "CONCURRENCY_LIMIT_EXCEEDED"
        assert set(refused.json()) == {"request_id", "time_used", "error"}
        assert answers["slow"].status_code == 200
        assert answers["slow"].json()["time_used"] >= 4000  # measured, simulated analysis included
        assert in_flight(server.url) == 0
        assert send(server.url, quick, sign).status_code == 200  # the slot came back


def test_parallel_burst_never_exceeds_the_limit(state):
    env = {"MOCKSERVER_VENDORS__FINAUTH__CONCURRENCY_LIMIT": "2"}
    with ServerProcess(workers=4, env=env, **state) as server:
        admin = AdminClient(server.url)
        admin.add_verdict_rule("finauth", fields={"processing_ms": 3000})
        sign = signed(admin)
        images = [media.image("png", 96, 96, variant=v) for v in range(4)]
        barrier = threading.Barrier(len(images))
        results: list[requests.Response] = []

        def one(image):
            barrier.wait()
            results.append(send(server.url, image, sign))

        threads = [threading.Thread(target=one, args=(img,)) for img in images]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(r.status_code for r in results)
        assert len(statuses) == 4 and set(statuses) <= {200, 403}
        assert statuses.count(200) <= 2
        assert all(r.json()["error"] == "CONCURRENCY_LIMIT_EXCEEDED" for r in results if r.status_code == 403)
        assert in_flight(server.url) == 0


def test_single_use_signature_is_accepted_once_across_workers(state):
    with ServerProcess(workers=2, **state) as server:
        admin = AdminClient(server.url)
        sign = signed(admin, valid=0)
        image = media.image("jpeg", 128, 128)
        barrier = threading.Barrier(4)
        results: list[requests.Response] = []

        def one():
            barrier.wait()
            results.append(send(server.url, image, sign))

        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(r.status_code for r in results) == [200, 403, 403, 403]
        assert {r.json().get("error") for r in results if r.status_code == 403} == {
            "AUTHENTICATION_ERROR:INVALID_SIGN"}


def test_published_vector_on_the_shared_clock(state):
    with ServerProcess(workers=2, **state) as server:
        admin = AdminClient(server.url)
        admin.set_clock(1530762150)
        v0 = TEST_VECTORS[0]
        image = media.image("png", 64, 64)
        assert [send(server.url, image, v0.sign).status_code for _ in range(3)] == [200, 200, 200]
        admin.set_clock(1530762218)
        r = send(server.url, image, v0.sign)
        assert (r.status_code, r.json()["error"]) == (403, "AUTHENTICATION_ERROR:EXPIRED_SIGN")


def test_oversized_request_is_refused_before_its_body_is_sent(state):
    env = {"MOCKSERVER_VENDORS__FINAUTH__MAX_REQUEST_BYTES": "100000"}
    with ServerProcess(workers=1, env=env, **state) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall((f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: multipart/form-data; boundary=b\r\n"
                          "Content-Length: 50000000\r\nConnection: close\r\n\r\n").encode())
            answer = b""
            while chunk := sock.recv(65536):  # no body sent: the answer comes from the headers
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413")
        assert b"Content-Type: text/plain" in head
        assert body == b"Request Entity Too Large"


def test_unknown_path_through_gunicorn(state):
    with ServerProcess(workers=1, **state) as server:
        r = requests.post(f"{server.url}/finauth/finauth/v5/nope", timeout=10)
        assert (r.status_code, r.json()) == (404, {"error": "API_NOT_FOUND"})


def test_streamed_request_without_length_is_cut_at_the_limit(state):
    env = {"MOCKSERVER_VENDORS__FINAUTH__MAX_REQUEST_BYTES": "100000"}
    with ServerProcess(workers=1, env=env, **state) as server:
        admin = AdminClient(server.url)
        boundary = "b0undary"
        fields = {"sign": signed(admin), "sign_version": "hmac_sha1", "data_type": "0"}
        body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items())
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
                 f"Content-Type: image/png\r\n\r\n").encode() + b"\0" * 300_000
        body += f"\r\n--{boundary}--\r\n".encode()

        def chunks():  # a generator body: sent chunked, without Content-Length
            for i in range(0, len(body), 8192):
                yield body[i:i + 8192]

        r = requests.post(f"{server.url}{PATH}", data=chunks(), timeout=30,
                          headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert (r.status_code, r.text) == (413, "Request Entity Too Large")
        assert r.headers["Content-Type"].startswith("text/plain")
        assert os.listdir(state["spool_dir"]) == []


def test_single_vendor_mode_at_the_real_path(state):
    with ServerProcess(workers=1, vendor="finauth", **state) as server:
        admin = AdminClient(server.url)
        r = requests.post(f"{server.url}/finauth/v5/anti_deepfake", timeout=30,
                          data={"sign": signed(admin), "sign_version": "hmac_sha1", "data_type": "0"},
                          files={"image": ("a.png", media.image("png", 64, 64), "image/png")})
        assert r.status_code == 200, r.text
        assert requests.get(f"{server.url}/finauth/v5/sdk/get_biz_token", timeout=10).json() == {
            "error": "API_NOT_FOUND"}
