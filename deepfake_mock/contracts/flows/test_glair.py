"""GLAIR Vision face deepfake flows: the seed's curl samples (video and frames, fake and real,
missing file) and the documented auth and header behaviour.

Runs against the emulator (default) or the real service:
``GLAIR_API_KEY=... GLAIR_USERNAME=... GLAIR_PASSWORD=... pytest contracts/flows/test_glair.py
--base-url https://api.vision.glair.ai --vendor glair``. Tests marked ``mock_only`` pin verdicts
through the admin API to reproduce the documented examples exactly.
"""

from __future__ import annotations

import base64
import json

import pytest
import requests

from deepfake_mock.contracts.auth import for_vendor
from deepfake_mock.contracts.conftest import vendor_target
from deepfake_mock.testing import media

VIDEO = "/face/v1/deepfake"
FRAMES = "/face/v1/deepfake/images"
STATUSES = {"SUCCESS", "NO_FILE", "FILE_INVALID_FORMAT", "FAILED", "ERROR"}


@pytest.fixture
def base(target):
    return vendor_target(target, "glair").url("glair")


@pytest.fixture
def auth(target):
    return for_vendor("glair", target)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def post_video(base, auth, data: bytes, filename="video.mp4", **kwargs):
    """``curl -X POST .../face/v1/deepfake -H Authorization -H x-api-key -F video=@video.mp4``."""
    return requests.post(f"{base}{VIDEO}", files={"video": (filename, data, "video/mp4")},
                         timeout=120, **auth(kwargs))


def post_frames_raw(base, auth, frames: list[str]):
    """``curl ... --data-raw '{ "frames": [...] }'``: no Content-Type of its own, so curl's
    default form type goes with the JSON."""
    body = json.dumps({"frames": frames})
    call = auth({"headers": {"Content-Type": "application/x-www-form-urlencoded"}})
    return requests.post(f"{base}{FRAMES}", data=body, timeout=120, **call)


def assert_detection(r) -> dict:
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers.get("Request-Id")
    body = r.json()
    assert body["status"] == "SUCCESS"
    assert body["reason"] == "File Successfully Read"
    deepfake = body["read"]["deepfake"]
    assert deepfake["value"] in ("real", "fake")
    assert isinstance(deepfake["confidence"], (int, float)) and 0 <= deepfake["confidence"] <= 1
    return deepfake


def test_video_sample_request(base, auth):
    assert_detection(post_video(base, auth, media.video(seconds=2, width=320, height=240)))


def test_frames_sample_request_without_json_content_type(base, auth):
    frames = [b64(media.image("jpeg", 320, 240, variant=v)) for v in range(3)]
    assert_detection(post_frames_raw(base, auth, frames))


@pytest.mark.mock_only
def test_video_fake_example(base, auth, target):
    target.admin.add_verdict_rule("glair", probability=0.99768, times=1)
    r = post_video(base, auth, media.video(seconds=2, variant=1))
    assert r.json() == {"read": {"deepfake": {"confidence": 0.99768, "value": "fake"}},
                        "reason": "File Successfully Read", "status": "SUCCESS"}


@pytest.mark.mock_only
def test_video_real_example(base, auth, target):
    target.admin.add_verdict_rule("glair", probability=0.06415167450904846, times=1)
    r = post_video(base, auth, media.video(seconds=2, variant=2))
    assert r.json()["read"]["deepfake"] == {"confidence": 0.06415167450904846, "value": "real"}


@pytest.mark.mock_only
def test_frames_real_example(base, auth, target):
    target.admin.add_verdict_rule("glair", score=0.06789, operation="detect_deepfake_frames")
    r = post_frames_raw(base, auth, [b64(media.image("jpeg", 64, 64, variant=4))])
    assert r.json() == {"read": {"deepfake": {"confidence": 0.06789, "value": "real"}},
                        "reason": "File Successfully Read", "status": "SUCCESS"}


def test_same_video_gets_the_same_answer(base, auth):
    clip = media.video(seconds=2, variant=5)
    assert assert_detection(post_video(base, auth, clip)) == assert_detection(post_video(base, auth, clip))


def test_input_video_not_found_is_400(base, auth, target):
    r = requests.post(f"{base}{VIDEO}", files={"other": ("a.txt", b"x")}, timeout=60, **auth({}))
    assert r.status_code == 400
    assert r.headers.get("Request-Id")
    body = r.json()
    assert body["reason"] == "No file in request body"
    assert "read" not in body
    # the deepfake page shows "ERROR"; the sibling OCR pages "NO_FILE"
    assert body["status"] == ("ERROR" if target.is_emulator else body["status"])
    assert body["status"] in ("ERROR", "NO_FILE")


def test_frames_missing_is_400(base, auth):
    r = post_frames_raw(base, auth, [])
    assert r.status_code == 400
    assert r.json()["status"] in ("ERROR", "NO_FILE")


def test_file_that_is_not_an_mp4_is_415(base, auth):
    r = post_video(base, auth, b"this is a text file, not a video", filename="notes.mp4")
    assert r.status_code == 415
    assert r.json()["status"] == "FILE_INVALID_FORMAT"


def test_frame_with_data_uri_prefix_is_415(base, auth):
    r = post_frames_raw(base, auth, ["data:image/jpeg;base64," + b64(media.image("jpeg", 64, 64))])
    assert r.status_code == 415
    assert r.json()["status"] == "FILE_INVALID_FORMAT"


def test_missing_api_key_is_401(base):
    r = requests.post(f"{base}{VIDEO}", files={"video": ("v.mp4", b"x")}, timeout=60)
    assert r.status_code == 401


def test_wrong_api_key_is_disallowed(base, auth):
    call = auth({})
    call["headers"]["x-api-key"] = "not-a-valid-key"
    r = requests.post(f"{base}{VIDEO}", files={"video": ("v.mp4", b"x")}, timeout=60, **call)
    assert r.status_code == 403
    # GLAIR's Java SDK tests saw this body from the live API
    assert r.json() == {"error": "Access to this API has been disallowed"}


def test_wrong_password_is_401(base, auth):
    call = auth({})
    call["headers"]["Authorization"] = "Basic " + b64(b"nobody:wrong")
    r = requests.post(f"{base}{VIDEO}", files={"video": ("v.mp4", b"x")}, timeout=60, **call)
    assert r.status_code == 401
