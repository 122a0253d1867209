"""GLAIR without HTTP: settings, error bodies, auth order, frames, video, result bodies."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import replace
from types import SimpleNamespace

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from deepfake_mock.core.errors import VendorError
from deepfake_mock.core.media import MediaLimits, probe
from deepfake_mock.core.verdicts import Verdict
from deepfake_mock.vendors.glair import errors, models
from deepfake_mock.vendors.glair.config import GlairConfig

CONFIG = GlairConfig()
LIMITS = MediaLimits()
GOOD_BASIC = models.basic_header("user", "pass")
CHALLENGE = 'Basic realm="GLAIR Vision"'


# ----------------------------------------------------------------------------- media helpers


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (32, 24)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buf, format=fmt)
    return buf.getvalue()


def noisy_png(size: int = 100) -> bytes:
    buf = io.BytesIO()
    pixels = np.random.default_rng(7).integers(0, 255, (size, size, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def video_bytes(container: str = "mp4", codec: str = "mpeg4", frames: int = 4, audio: bool = False,
                video: bool = True) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container) as out:
        vs = out.add_stream(codec, rate=10) if video else None
        if vs is not None:
            vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        aud = out.add_stream("aac", rate=16000) if audio else None
        if vs is not None:
            for i in range(frames):
                img = np.full((48, 64, 3), (i * 40) % 255, dtype=np.uint8)
                for packet in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                    out.mux(packet)
            for packet in vs.encode():
                out.mux(packet)
        if aud is not None:
            samples = np.zeros((1, 1024 * 8), dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 16000
            for packet in aud.encode(frame):
                out.mux(packet)
            for packet in aud.encode():
                out.mux(packet)
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def raises(fn, *args, **kwargs) -> VendorError:
    with pytest.raises(VendorError) as info:
        fn(*args, **kwargs)
    return info.value


# ----------------------------------------------------------------------------- errors


def test_envelopes_are_the_two_vendor_shapes():
    assert errors.envelope("ERROR", "No file in request body") == {
        "reason": "No file in request body", "status": "ERROR"}
    assert errors.envelope(errors.GATEWAY, "Rate limit exceeded") == {"error": "Rate limit exceeded"}


def test_error_factories_validate_their_settings():
    with pytest.raises(ValueError):
        errors.no_file("FAILED")
    with pytest.raises(ValueError):
        errors.too_large("x", 415)
    assert errors.too_large("x", 400).status == 400
    assert (errors.failed().status, errors.failed().code) == (500, "FAILED")


def test_config_rejects_unknown_choices():
    with pytest.raises(ValueError):
        GlairConfig(error_status="FAILED")
    with pytest.raises(ValueError):
        GlairConfig(oversize_status=415)
    with pytest.raises(ValueError):
        GlairConfig(users=("us:er:pass",))
    with pytest.raises(ValueError):
        GlairConfig(users=("user:pa:ss",))
    with pytest.raises(ValueError):
        GlairConfig(users=())
    with pytest.raises(ValueError):
        GlairConfig(api_keys=())
    with pytest.raises(ValueError):
        GlairConfig(max_input_bytes=0)


def test_config_reads_users_as_user_password_pairs():
    assert CONFIG.passwords == {"user": "pass"}
    assert GlairConfig(api_keys=("solo",)).api_keys == ("solo",)
    assert GlairConfig(users=("a:1", "b:")).passwords == {"a": "1", "b": ""}
    for bad in (["a"], ["a:b:c"], [1], {"a": "b"}):
        with pytest.raises(ValueError):
            GlairConfig(users=bad)
    assert CONFIG.max_body_bytes == 12 * 1024 * 1024


# ----------------------------------------------------------------------------- auth


@pytest.mark.parametrize("key", [None, ""])
def test_missing_api_key_is_401_without_challenge(key):
    err = raises(models.authenticate, key, GOOD_BASIC, CONFIG)
    assert (err.status, err.code, err.message) == (401, errors.GATEWAY, "Authorization field missing")
    assert "WWW-Authenticate" not in err.headers


def test_unknown_api_key_is_403_disallowed():
    err = raises(models.authenticate, "nope", GOOD_BASIC, CONFIG)
    assert (err.status, err.message) == (403, "Access to this API has been disallowed")
    assert err.headers == {}


def test_api_key_is_checked_before_basic():
    # GLAIR's live behaviour: a wrong user together with a wrong key gives the key's error.
    err = raises(models.authenticate, "nope", models.basic_header("who", "pass"), CONFIG)
    assert err.status == 403
    err = raises(models.authenticate, None, None, CONFIG)
    assert (err.status, err.message) == (401, "Authorization field missing")
    assert "WWW-Authenticate" not in err.headers


def test_bearer_prefix_on_the_key_is_ignored():
    assert models.authenticate("Bearer test-key", GOOD_BASIC, CONFIG) == "user"
    assert models.authenticate("bearer test-key", GOOD_BASIC, CONFIG) == "user"


@pytest.mark.parametrize("authorization", [None, ""])
def test_missing_basic_is_401_with_challenge(authorization):
    err = raises(models.authenticate, "test-key", authorization, CONFIG)
    assert (err.status, err.message) == (401, "Authorization field missing")
    assert err.headers == {"WWW-Authenticate": CHALLENGE}


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("Basic", errors.MALFORMED_HEADER),
        ("Basic  dXNlcjpwYXNz", errors.MALFORMED_HEADER),
        ("Basic dXNlcjpwYXNz extra", errors.MALFORMED_HEADER),
        ("Basic %%%%", errors.MALFORMED_ENCODING),
        ("Basic dXNlcjpwYXNz=", errors.MALFORMED_ENCODING),
        ("Basic dXNlcjpwYXM", errors.MALFORMED_ENCODING),  # padding missing
        ("Basic dXNlcjpwYXNz\u00e9", errors.MALFORMED_ENCODING),
        ("Basic " + b64(b"userpass"), errors.MALFORMED_VALUES),
        ("Basic " + b64(b"user:pa:ss"), errors.MALFORMED_VALUES),
        ("Basic ", errors.MALFORMED_VALUES),
    ],
)
def test_malformed_basic_is_400_without_challenge(authorization, message):
    err = raises(models.authenticate, "test-key", authorization, CONFIG)
    assert (err.status, err.code, err.message) == (400, errors.GATEWAY, message)
    assert err.headers == {}


@pytest.mark.parametrize(
    ("user", "password"), [("user", "wrong"), ("who", "pass"), ("", "pass"), ("user", "")]
)
def test_wrong_user_or_password_is_401_not_authorised(user, password):
    err = raises(models.authenticate, "test-key", models.basic_header(user, password), CONFIG)
    assert (err.status, err.message) == (401, "User not authorised")
    assert err.headers == {"WWW-Authenticate": CHALLENGE}


def test_scheme_word_is_not_checked_like_the_gateway():
    assert models.authenticate("test-key", "Bogus " + b64(b"user:pass"), CONFIG) == "user"


def test_configured_credentials_are_used():
    config = GlairConfig(api_keys=("k1", "k2"), users=("alice:s3cr\u00e9t", "bob:b"))
    assert models.authenticate("k2", models.basic_header("alice", "s3cr\u00e9t"), config) == "alice"
    assert models.authenticate("k1", models.basic_header("bob", "b"), config) == "bob"
    assert raises(models.authenticate, "test-key", models.basic_header("bob", "b"), config).status == 403


def test_request_id_echo_only_when_enabled():
    assert models.response_request_id("abc", "gen", CONFIG) == "gen"
    echo = GlairConfig(echo_request_id=True)
    assert models.response_request_id("abc", "gen", echo) == "abc"
    assert models.response_request_id("  ", "gen", echo) == "gen"
    assert models.response_request_id(None, "gen", echo) == "gen"


# ----------------------------------------------------------------------------- frames


@pytest.mark.parametrize("raw", [b"", b"  \n", b"[]", b"{}", b'"x"', b"null", b'{"frames": []}',
                                 b'{"frames": "abc"}', b'{"frames": null}', b'{"frames": {"a": 1}}',
                                 b'{"frame": ["abc"]}'])
def test_frames_without_input_are_no_file(raw):
    err = raises(models.parse_frames_json, raw)
    assert (err.status, err.code, err.message) == (400, "ERROR", "No file in request body")


@pytest.mark.parametrize("raw", [b"{", b"frames=abc", b"\xff\xfe\x00", b'{"frames": [1,]}', b"[" * 100000])
def test_frames_body_that_is_not_json_is_400(raw):
    err = raises(models.parse_frames_json, raw)
    assert (err.status, err.code, err.message) == (400, "ERROR", "Invalid JSON body")


def test_error_status_setting_switches_to_no_file():
    assert raises(models.parse_frames_json, b"{}", "NO_FILE").code == "NO_FILE"
    assert raises(models.parse_frames_json, b"{", "NO_FILE").code == "NO_FILE"


@pytest.mark.parametrize("item", [1, None, ["abc"], {"a": "b"}, "", "   ", "%%%not-base64%%%", "abc",
                                  "data:image/jpeg;base64," + b64(b"abc"), "DATA:image/png;base64,AAAA",
                                  b64(b"abcd").rstrip("="), "\u00e9AAA"])
def test_frames_that_are_not_base64_are_415(item):
    err = raises(models.decode_frame, item)
    assert (err.status, err.code, err.message) == (415, "FILE_INVALID_FORMAT", "Invalid file format")


def test_frame_base64_tolerates_line_breaks():
    data = image_bytes()
    wrapped = "\n".join(b64(data)[i : i + 76] for i in range(0, len(b64(data)), 76))
    assert models.decode_frame(wrapped + "\n") == data


@pytest.mark.parametrize(("fmt", "expected"), [("JPEG", "jpeg"), ("PNG", "png")])
def test_check_frame_reads_real_images(fmt, expected):
    info = models.check_frame(image_bytes(fmt, (40, 30)), LIMITS)
    assert (info.container, info.width, info.height) == (expected, 40, 30)


@pytest.mark.parametrize(
    "data",
    [
        b"plain text, not an image",
        image_bytes("GIF"),
        image_bytes("BMP"),
        image_bytes("JPEG", (200, 200))[:300],  # truncated
        noisy_png()[:3000],  # truncated inside the pixel data
        video_bytes(),
    ],
)
def test_check_frame_rejects_what_is_not_a_sound_jpeg_or_png(data):
    err = raises(models.check_frame, data, LIMITS)
    assert (err.status, err.code) == (415, "FILE_INVALID_FORMAT")


def test_check_frame_rejects_decompression_bombs():
    buf = io.BytesIO()
    Image.new("1", (10000, 5000)).save(buf, format="PNG")
    assert len(buf.getvalue()) < 100_000
    assert raises(models.check_frame, buf.getvalue(), LIMITS).status == 415


def test_read_frames_returns_decoded_frames():
    frames = [image_bytes("JPEG"), image_bytes("PNG")]
    body = json.dumps({"frames": [b64(f) for f in frames]}).encode()
    assert models.read_frames(body, CONFIG, LIMITS) == frames


def test_read_frames_total_over_limit_is_413_failed():
    frames = [image_bytes("PNG", (64, 64))] * 3
    body = json.dumps({"frames": [b64(f) for f in frames]}).encode()
    small = GlairConfig(max_input_bytes=len(frames[0]) * 2)
    err = raises(models.read_frames, body, small, LIMITS)
    assert (err.status, err.code, err.message) == (413, "FAILED", "Total frames size exceeds the maximum of 6MB")
    assert models.read_frames(body, GlairConfig(max_input_bytes=len(frames[0]) * 3), LIMITS) == frames
    assert raises(models.read_frames, body, GlairConfig(max_input_bytes=10, oversize_status=400),
                  LIMITS).status == 400


def test_read_frames_checks_size_before_decoding_images():
    body = json.dumps({"frames": [b64(b"x" * 600)] * 2}).encode()
    assert raises(models.read_frames, body, GlairConfig(max_input_bytes=1000), LIMITS).status == 413
    assert raises(models.read_frames, body, CONFIG, LIMITS).status == 415


def test_read_frames_refuses_a_huge_body_before_parsing():
    err = raises(models.read_frames, b"{" * (CONFIG.max_body_bytes + 1), CONFIG, LIMITS)
    assert (err.status, err.code) == (413, "FAILED")


def test_read_frames_one_bad_frame_spoils_the_list():
    body = json.dumps({"frames": [b64(image_bytes()), b64(b"not an image")]}).encode()
    assert raises(models.read_frames, body, CONFIG, LIMITS).status == 415


def test_frames_digest_is_stable_and_sensitive():
    a, b = image_bytes("JPEG"), image_bytes("PNG")
    assert models.frames_digest([a, b]) == models.frames_digest([a, b])
    assert models.frames_digest([a, b]) != models.frames_digest([b, a])
    assert models.frames_digest([b"ab", b"c"]) != models.frames_digest([b"a", b"bc"])


# ----------------------------------------------------------------------------- video


def test_mp4_is_told_by_the_ftyp_brands_and_the_demuxer():
    info = probe(video_bytes())
    assert info.brands[0] == "isom"
    assert models.is_mp4(info)
    assert not models.is_mp4(replace(info, major_brand="qt  ", compatible_brands=("qt  ",)))
    assert not models.is_mp4(replace(info, major_brand=None, compatible_brands=()))
    assert not models.is_mp4(replace(info, container="avi"))


def written(tmp_path, data: bytes) -> str:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return str(path)


def test_check_video_accepts_a_real_mp4(tmp_path):
    info = models.check_video(written(tmp_path, video_bytes(frames=5)), LIMITS)
    assert (info.kind, info.width, info.height, info.codec) == ("video", 64, 48, "mpeg4")
    assert info.duration is not None and 0.3 < info.duration < 1.0


def test_check_video_accepts_h264_with_audio(tmp_path):
    info = models.check_video(written(tmp_path, video_bytes(codec="libx264", audio=True)), LIMITS)
    assert info.codec == "h264" and info.has_audio


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a video at all",
        image_bytes("PNG"),
        video_bytes(video=False, audio=True),  # audio-only mp4
        video_bytes(container="mov"),  # QuickTime
        video_bytes(container="avi"),
        video_bytes(container="matroska"),
        video_bytes()[:200],  # truncated: moov lost
        video_bytes()[:16] + b"\x00" * 500,
    ],
    ids=["empty", "text", "png", "audio-only", "mov", "avi", "mkv", "truncated", "garbage-after-ftyp"],
)
def test_check_video_rejects_what_is_not_an_mp4_video(tmp_path, data):
    err = raises(models.check_video, written(tmp_path, data), LIMITS)
    assert (err.status, err.code, err.message) == (
        415, "FILE_INVALID_FORMAT", "Invalid file format, only .mp4 is supported")


def test_check_video_turns_any_probe_crash_into_415(tmp_path, monkeypatch):
    def crash(path, limits):
        raise RuntimeError("decoder exploded")

    assert raises(models.check_video, str(tmp_path / "missing"), LIMITS).status == 415
    monkeypatch.setattr(models, "probe", crash)
    assert raises(models.check_video, written(tmp_path, video_bytes()), LIMITS).status == 415


# ----------------------------------------------------------------------------- results


def test_success_body_is_the_documented_shape():
    assert models.success_body(0.99768) == {
        "read": {"deepfake": {"confidence": 0.99768, "value": "fake"}},
        "reason": "File Successfully Read",
        "status": "SUCCESS",
    }
    assert models.success_body(0.06415167450904846)["read"]["deepfake"] == {
        "confidence": 0.06415167450904846, "value": "real"}
    assert list(models.success_body(0.5)) == ["read", "reason", "status"]


def test_demo_success_body_is_the_older_pages_shape():
    assert models.demo_success_body(0.99768) == {
        "status": "success", "result": {"deepfake_status": "FAKE", "confidence_score": 0.99768}}
    assert models.demo_success_body(0.2)["result"]["deepfake_status"] == "REAL"
    with pytest.raises(ValueError):
        models.demo_success_body(2)
    with pytest.raises(ValueError):
        GlairConfig(contract="legacy")


def test_value_flips_at_the_threshold():
    assert models.deepfake_value(0.5) == "fake"
    assert models.deepfake_value(0.4999999) == "real"


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan"), float("inf"), "0.5", True])
def test_success_body_refuses_values_outside_the_unit_interval(bad):
    with pytest.raises(ValueError):
        models.success_body(bad)


@settings(max_examples=60)
@given(p=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_default_verdicts_spread_into_the_vendor_bands(p):
    c = models.confidence_of(Verdict(probability=p, label="fake" if p >= 0.5 else "real"))
    assert (c >= 0.8) if p >= 0.5 else (0 <= c < 0.2)
    assert c <= 1.0


def test_rule_verdicts_are_reported_as_pinned():
    assert models.confidence_of(Verdict(0.7, "fake", rule="r")) == 0.7
    assert models.confidence_of(Verdict(0.3, "real", score=0.91, rule="r")) == 0.91
    assert models.confidence_of(Verdict(0.3, "real", score=7, rule="r")) == 1.0
    assert models.confidence_of(Verdict(0.3, "real", score=-2, rule="r")) == 0.0


@pytest.mark.parametrize(("outcome", "frames", "status", "code"), [
    ("FAILED", False, 500, "FAILED"),
    ("failed", True, 500, "FAILED"),
    ("FILE_INVALID_FORMAT", False, 415, "FILE_INVALID_FORMAT"),
    ("NO_FILE", True, 400, "NO_FILE"),
    ("ERROR", False, 400, "ERROR"),
    ("anything else", False, 500, "FAILED"),
])
def test_rule_outcomes_map_to_vendor_errors(outcome, frames, status, code):
    err = models.outcome_error(outcome, frames=frames)
    assert (err.status, err.code) == (status, code)


@pytest.mark.parametrize(("status", "frames", "body"), [
    (400, False, {"reason": "No file in request body", "status": "ERROR"}),
    (401, False, {"error": "Authorization field missing"}),
    (403, True, {"error": "Access to this API has been disallowed"}),
    (404, False, {"error": "Not found"}),
    (405, False, {"error": "Method not allowed"}),
    (409, False, {"error": "Conflict"}),
    (413, False, {"reason": "File size exceeds the maximum of 6MB", "status": "FAILED"}),
    (413, True, {"reason": "Total frames size exceeds the maximum of 6MB", "status": "FAILED"}),
    (415, False, {"reason": "Invalid file format, only .mp4 is supported", "status": "FILE_INVALID_FORMAT"}),
    (415, True, {"reason": "Invalid file format", "status": "FILE_INVALID_FORMAT"}),
    (429, False, {"error": "Rate limit exceeded"}),
    (500, False, {"reason": "Failed to process the input", "status": "FAILED"}),
    (502, False, "<html><body><p>502 - Bad Gateway</p></body></html>"),
    (503, True, "<html><body><p>503 - Service Unavailable</p></body></html>"),
])
def test_bare_statuses_get_vendor_bodies(status, frames, body):
    operation = "detect_deepfake_frames" if frames else "detect_deepfake_video"
    err = errors.status_error(status, SimpleNamespace(operation=operation, config=CONFIG))
    assert err.status == status
    assert errors.envelope(err.code, err.message) == body
