"""FinAuth anti_deepfake flows: one per row of the vendor's error catalogue, plus success.

Runs against the emulator (default) or the real service::

    FINAUTH_API_KEY=... FINAUTH_API_SECRET=... FINAUTH_FACE_IMAGE=face.jpg FINAUTH_FACE_VIDEO=face.mp4 \\
    pytest contracts/flows/test_finauth.py --base-url https://api-sgp.yljz.com --vendor finauth

Every request is signed by the suite's FinAuth signer, on the target's clock. Success flows
against the real service need a real face (``FINAUTH_FACE_IMAGE`` / ``FINAUTH_FACE_VIDEO``);
without them they are skipped there. Tests marked ``mock_only`` set keys, verdicts and faults
through the emulator's admin API.
"""

from __future__ import annotations

import base64
import io
import os
import re
import socket
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from deepfake_mock.contracts.auth_finauth import DEFAULT_API_KEY, FinAuthAuth
from deepfake_mock.contracts.conftest import vendor_target
from deepfake_mock.testing import media
from deepfake_mock.vendors.finauth.signing import canonical_string, sign_raw

PATH = "/finauth/v5/anti_deepfake"
REQUEST_ID = re.compile(r"^\d+,[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
OMIT = object()


@pytest.fixture
def base(target):
    return vendor_target(target, "finauth").url("finauth")


@pytest.fixture
def signer(target):
    if target.is_emulator:
        return FinAuthAuth.from_env({}, now=target.admin.get_clock)
    return FinAuthAuth.from_env(required=True)


def post(base, signer, *, sign=None, sign_version="hmac_sha1", data_type="0", image=OMIT,
         video=OMIT):
    """The vendor's curl sample: ``--form-string sign=... sign_version=... data_type=... -F image=@...``."""
    fields = {}
    if sign is not OMIT:
        fields["sign"] = signer.fields()["sign"] if sign is None else sign
    if sign_version is not OMIT:
        fields["sign_version"] = sign_version
    if data_type is not OMIT:
        fields["data_type"] = data_type
    files = {name: (None, value) for name, value in fields.items()}
    if image is not OMIT:
        files["image"] = ("selfie.jpg", image, "image/jpeg")
    if video is not OMIT:
        files["video"] = ("clip.mp4", video, "video/mp4")
    return requests.post(f"{base}{PATH}", files=files, timeout=120)


def assert_error(r, status, error):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["error"] == error
    assert REQUEST_ID.match(body["request_id"])
    assert isinstance(body["time_used"], int)


def face(env_name: str, target, default: bytes) -> bytes:
    path = os.environ.get(env_name)
    if path:
        with open(path, "rb") as fh:
            return fh.read()
    if not target.is_emulator:
        pytest.skip(f"the real service needs a real face in {env_name}")
    return default


def png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buf, format="PNG")
    return buf.getvalue()


# ---- 200 ------------------------------------------------------------------------------------

def assert_detection(r) -> dict:
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"request_id", "time_used", "result", "score", "threshold"}
    assert REQUEST_ID.match(body["request_id"])
    assert isinstance(body["time_used"], int) and body["time_used"] >= 0
    assert isinstance(body["result"], bool)
    assert 0 <= body["score"] <= 1 and 0 <= body["threshold"] <= 1
    return body


def test_image_detection(base, signer, target):
    body = assert_detection(post(base, signer, image=face("FINAUTH_FACE_IMAGE", target,
                                                          media.image("jpeg", 640, 480))))
    if target.is_emulator:
        assert body["threshold"] == 0.5 and body["result"] is (body["score"] >= body["threshold"])


def test_video_detection(base, signer, target):
    assert_detection(post(base, signer, data_type="1",
                          video=face("FINAUTH_FACE_VIDEO", target, media.video(seconds=3))))


# ---- 400 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error", [
    ({"sign": OMIT}, "MISSING_ARGUMENTS:sign"),
    ({"sign_version": OMIT}, "MISSING_ARGUMENTS:sign_version"),
    ({"data_type": OMIT}, "MISSING_ARGUMENTS:data_type"),
    ({"data_type": "0"}, "MISSING_ARGUMENTS:image"),
    ({"data_type": "1"}, "MISSING_ARGUMENTS:video"),
])
def test_missing_arguments(base, signer, kwargs, error):
    assert_error(post(base, signer, **kwargs), 400, error)


@pytest.mark.parametrize("kwargs", [
    {"sign_version": "hmac_sha256", "image": b"x"},
    {"data_type": "abc", "image": b"x"},
    {"data_type": "7", "image": b"x"},
    {"image": media.image("gif", 64, 64)},
    {"image": b"\xff\xd8\xff\xe0 truncated"},
    {"data_type": "1", "video": b"not a video"},
], ids=["sign_version", "data_type-abc", "data_type-7", "gif", "corrupt-jpeg", "bad-video"])
def test_bad_arguments(base, signer, kwargs):
    assert_error(post(base, signer, **kwargs), 400, "BAD_ARGUMENTS")


def test_invalid_image_size(base, signer):
    assert_error(post(base, signer, image=png(5000, 3000)), 400, "INVALID_IMAGE_SIZE:image")


@pytest.mark.mock_only
def test_no_face_found(base, signer, target):
    target.admin.add_verdict_rule("finauth", outcome="NO_FACE_FOUND", times=1)
    assert_error(post(base, signer, image=media.image("jpeg", 320, 240)), 400, "NO_FACE_FOUND")


@pytest.mark.mock_only
def test_internal_timeout(base, signer, target):
    target.admin.add_verdict_rule("finauth", outcome="INTERNAL_TIMEOUT", times=1)
    assert_error(post(base, signer, image=media.image("jpeg", 320, 240)), 400, "INTERNAL_TIMEOUT")


# ---- 403 ------------------------------------------------------------------------------------

def test_wrong_secret_is_authentication_error(base, signer):
    sign = FinAuthAuth(signer.api_key, "NOT_THE_SECRET", now=signer.now).fields()["sign"]
    assert_error(post(base, signer, sign=sign, image=b"x"), 403, "AUTHENTICATION_ERROR")


@pytest.mark.parametrize("sign", ["not-base64!!", "-k143km_JRMx9A3Hpx1IVfWMhyph"])
def test_malformed_sign_is_invalid_sign(base, signer, sign):
    assert_error(post(base, signer, sign=sign, image=b"x"), 403, "AUTHENTICATION_ERROR:INVALID_SIGN")


def test_expired_sign(base, signer):
    now = int(signer.now())
    raw = canonical_string(signer.api_key, now - 100, now - 200, "1234567890")
    sign = sign_raw(signer.api_secret, raw)
    assert_error(post(base, signer, sign=sign, image=b"x"), 403, "AUTHENTICATION_ERROR:EXPIRED_SIGN")


def test_single_use_sign_is_refused_on_reuse(base, signer, target):
    sign = FinAuthAuth(signer.api_key, signer.api_secret, valid_seconds=0, now=signer.now).fields()["sign"]
    image = media.image("jpeg", 320, 240)
    first = post(base, signer, sign=sign, image=image)
    assert first.status_code != 403, first.text  # accepted (200, or NO_FACE_FOUND on a real service)
    again = post(base, signer, sign=sign, image=image)
    assert again.status_code == 403
    assert again.json()["error"].startswith("AUTHENTICATION_ERROR")
    if target.is_emulator:
        assert again.json()["error"] == "AUTHENTICATION_ERROR:INVALID_SIGN"


@pytest.mark.mock_only
@pytest.mark.parametrize("change, error", [
    ({"disabled": True}, "AUTHENTICATION_ERROR:API_KEY_BE_DISCONTINUED"),
    ({"allowed_ips": ["192.0.2.0/24"]}, "AUTHENTICATION_ERROR:IP_NOT_ALLOWED"),
    ({"permissions": ["get_biz_token"]}, "AUTHENTICATION_ERROR:DENIED"),
    ({"quota": 0}, "AUTHENTICATION_ERROR:LIMIT_REACHED"),
    ({"concurrency_limit": 0}, "CONCURRENCY_LIMIT_EXCEEDED"),
])
def test_key_status(base, signer, target, change, error):
    target.admin.put_key(DEFAULT_API_KEY, **change)
    assert_error(post(base, signer, image=media.image("jpeg", 320, 240)), 403, error)


# ---- 404, 413, 500, 504 ---------------------------------------------------------------------

def test_other_api_is_api_not_found(base):
    r = requests.post(f"{base}/finauth/v5/anti_deepfakes", timeout=30)
    assert r.status_code == 404
    assert r.json() == {"error": "API_NOT_FOUND"}


@pytest.mark.mock_only
def test_oversized_request_is_413_plain_text(base, target):
    limit = target.admin.get_settings()["vendors"]["finauth"]["max_request_bytes"]
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port or 80), timeout=30) as sock:
        sock.sendall((f"POST {url.path}{PATH} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                      "Content-Type: multipart/form-data; boundary=b\r\n"
                      f"Content-Length: {limit + 1}\r\nConnection: close\r\n\r\n").encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ")[1] == b"413"
    assert b"content-type: text/plain" in head.lower()
    assert body == b"Request Entity Too Large"


@pytest.mark.mock_only
def test_internal_error(base, signer, target):
    target.admin.add_fault(fault="status", status=500, vendor="finauth", times=1)
    assert_error(post(base, signer, image=b"x"), 500, "INTERNAL_ERROR")


@pytest.mark.mock_only
def test_gateway_timeout_is_plain_text(base, signer, target):
    target.admin.add_fault(fault="status", status=504, vendor="finauth", times=1)
    r = post(base, signer, image=b"x")
    assert r.status_code == 504
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.text == "504 Gateway Timeout"


def test_published_signing_vector_prefix():
    """The FaceID sample key pair and raw string sign to the published prefix (no request)."""
    sign = sign_raw("UjYGdN9CBZKsDBLB5-5v3DykPXY6dw3q",
                    "a=ICVvC_xUs6177WEtyUNwIH8J6NfGu50t&b=1530762218&c=1530762118&d=0799687066")
    assert sign.startswith("SPzLRbDBgTGC2A8YdDaa7Jrny+5h")
    assert base64.b64decode(sign)[20:].startswith(b"a=ICVvC_xUs6177WEtyUNwIH8J6NfGu50t&")
