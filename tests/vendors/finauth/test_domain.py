"""FinAuth domain rules without HTTP: error catalogue, config, field checks, auth, media."""

from __future__ import annotations

import io
import struct
import zlib
from types import SimpleNamespace

import av
import numpy as np
import pytest
from PIL import Image

from deepfake_mock import create_app
from deepfake_mock.settings import load_settings
from deepfake_mock.testing import finauth_vectors
from deepfake_mock.vendors.finauth import errors, models, signing
from deepfake_mock.vendors.finauth.config import FinAuthConfig
from deepfake_mock.vendors.finauth.errors import FinAuthError
from deepfake_mock.vendors.finauth.media_rules import base64_length, check_image, check_video
from deepfake_mock.vendors.finauth.schemas import AntiDeepfakeResponse

KEY = "TESTKEY_abcdefghijklmnopqrstuvwx"
SECRET = "TESTSECRET_0123456789abcdefghijk"
NOW = 1700000003


# --- media factories (plain Pillow / PyAV) ---------------------------------------------------


def image_bytes(fmt: str = "JPEG", size=(640, 480)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(buf, format=fmt)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares ``width`` x ``height`` with one tiny, truncated IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10))


def video_bytes(container: str = "mp4", codec: str = "mpeg4", frames: int = 10, size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=10)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            img = np.full((size[1], size[0], 3), i * 20 % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def audio_only_bytes() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000), dtype=np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def image(data: bytes, **config):
    """The image rules for an upload of ``data`` under ``config`` settings."""
    return check_image(data, len(data), FinAuthConfig(**config))


def video(data: bytes, **config):
    """The video rules for an upload of ``data`` under ``config`` settings."""
    return check_video(data, len(data), FinAuthConfig(**config))


def raises(code: str, detail=None):
    class _Ctx:
        def __enter__(self):
            return self

        def __exit__(self, exc_type, exc, tb):
            assert exc_type is FinAuthError, f"expected {code}, got {exc_type}"
            assert (exc.code, exc.suffix) == (code, detail)
            return True

    return _Ctx()


# --- error catalogue -------------------------------------------------------------------------


def test_catalogue_rows_in_vendor_order():
    rows = [(r.status, r.code) for r in errors.CATALOGUE]
    assert rows == [
        (400, "MISSING_ARGUMENTS"), (400, "BAD_ARGUMENTS"), (400, "NO_FACE_FOUND"),
        (400, "INVALID_IMAGE_SIZE"), (400, "INTERNAL_TIMEOUT"), (403, "AUTHENTICATION_ERROR"),
        (403, "AUTHENTICATION_ERROR"), (403, "CONCURRENCY_LIMIT_EXCEEDED"), (404, "API_NOT_FOUND"),
        (413, "Request Entity Too Large"), (500, "INTERNAL_ERROR"), (504, "504 Gateway Timeout"),
    ]


@pytest.mark.parametrize(
    "exc, separator, expected",
    [
        (errors.missing_arguments("sign"), ":", "MISSING_ARGUMENTS:sign"),
        (errors.missing_arguments("video"), ": ", "MISSING_ARGUMENTS: video"),
        (errors.authentication_error(), ":", "AUTHENTICATION_ERROR"),
        (errors.authentication_error("EXPIRED_SIGN"), ":", "AUTHENTICATION_ERROR:EXPIRED_SIGN"),
        (errors.authentication_error("DENIED"), ": ", "AUTHENTICATION_ERROR: DENIED"),
        (errors.invalid_image_size(), ":", "INVALID_IMAGE_SIZE:image"),
        (errors.no_face_found(), ":", "NO_FACE_FOUND"),
    ],
)
def test_error_strings(exc, separator, expected):
    status, ctype, body = errors.envelope(exc, request_id="1,u", time_used=3, separator=separator)
    assert ctype == "application/json"
    assert body == {"request_id": "1,u", "time_used": 3, "error": expected}
    assert status == exc.status


def test_bad_arguments_key_only_when_asked():
    exc = errors.bad_arguments("sign_version")
    assert errors.envelope(exc, request_id="r", time_used=1)[2]["error"] == "BAD_ARGUMENTS"
    body = errors.envelope(exc, request_id="r", time_used=1, separator=": ", bad_arguments_key=True)[2]
    assert body["error"] == "BAD_ARGUMENTS: sign_version"


def test_special_bodies():
    assert errors.envelope(errors.api_not_found(), request_id="r", time_used=1) == (
        404, "application/json", {"error": "API_NOT_FOUND"})
    assert errors.envelope(errors.request_entity_too_large(), request_id="r", time_used=1) == (
        413, "text/plain", "Request Entity Too Large")
    assert errors.envelope(errors.gateway_timeout(), request_id="r", time_used=1) == (
        504, "text/plain", "504 Gateway Timeout")
    assert errors.envelope(errors.internal_error(), request_id="r", time_used=5)[:2] == (
        500, "application/json")
    assert errors.envelope(errors.internal_timeout(), request_id="r", time_used=1, error_fields=False) == (
        400, "application/json", {"error": "INTERNAL_TIMEOUT"})


def test_separator_is_a_closed_choice():
    with pytest.raises(ValueError):
        errors.error_string("X", "y", "-")


# --- settings --------------------------------------------------------------------------------


def test_default_settings():
    s = FinAuthConfig()
    assert set(s.api_keys) == {KEY, "ICVvC_xUs6177WEtyUNwIH8J6NfGu50t"}
    key = s.api_keys[KEY]
    assert key.secret == SECRET and not key.disabled and key.permissions == {"anti_deepfake"}
    assert key.quota is None and key.allowed_ips is None
    assert (s.threshold, s.error_separator, s.concurrency_limit) == (0.5, ":", 10)
    assert s.max_request_bytes == 20 * 1024 * 1024
    assert (s.image_max_bytes, s.image_max_side, s.image_strict_720p, s.video_max_base64_bytes,
            s.video_max_duration_s) == (10 * 1024 * 1024, 4096, False, 10 * 1024 * 1024, None)


@pytest.mark.parametrize(
    "mapping",
    [
        {"nope": 1},
        {"error_separator": "-"},
        {"threshold": 1.5},
        {"keys": {"K": {"secret": ""}}},
        {"keys": {"K&x": "s"}},
        {"keys": {"K": {"secret": "s", "colour": "red"}}},
        {"keys": {"K": {"secret": "s", "quota": -1}}},
        {"concurrency_limit": "many"},
    ],
)
def test_bad_settings_are_refused(mapping):
    with pytest.raises(ValueError):
        load_settings({"vendors": {"finauth": mapping}}, env={},
                      vendor_configs={"finauth": FinAuthConfig})


@pytest.mark.in_process
def test_unusable_key_settings_refuse_to_start(settings):
    settings["vendors"] = {"finauth": {"keys": {"K": {"secret": ""}}}}
    with pytest.raises(ValueError):
        create_app(settings)


def test_key_settings_and_overrides():
    s = FinAuthConfig(
        concurrency_limit=3,
        keys={"A": "secret-a", "B": {"secret": "b", "allowed_ips": ["10.0.0.0/8", "::1"],
                                     "concurrency_limit": 1, "quota": 2}},
    )
    keys = s.api_keys
    assert keys["A"].secret == "secret-a"
    assert s.concurrency_limit_for(keys["A"]) == 3
    assert s.concurrency_limit_for(keys["B"]) == 1
    assert keys["B"].ip_allowed("10.1.2.3") and keys["B"].ip_allowed("::1")
    assert not keys["B"].ip_allowed("192.168.0.1")
    assert not keys["B"].ip_allowed(None) and not keys["B"].ip_allowed("garbage")


# --- request fields --------------------------------------------------------------------------

SETTINGS = FinAuthConfig()


@pytest.mark.parametrize(
    "form, code, detail",
    [
        ({}, "MISSING_ARGUMENTS", "sign"),
        ({"sign": "", "sign_version": "hmac_sha1"}, "MISSING_ARGUMENTS", "sign"),
        ({"sign": "x"}, "MISSING_ARGUMENTS", "sign_version"),
        ({"sign": "x", "sign_version": ""}, "MISSING_ARGUMENTS", "sign_version"),
        ({"sign": "x", "sign_version": "hmac_sha256"}, "BAD_ARGUMENTS", "sign_version"),
        ({"sign": "x", "sign_version": "HMAC_SHA1"}, "BAD_ARGUMENTS", "sign_version"),
        ({"sign": "x" * 1025, "sign_version": "hmac_sha1"}, "BAD_ARGUMENTS", "sign"),
    ],
)
def test_sign_fields(form, code, detail):
    with raises(code, detail):
        models.check_sign_fields(form, SETTINGS)


def test_sign_fields_ok():
    assert models.check_sign_fields({"sign": "abc", "sign_version": "hmac_sha1"}, SETTINGS) == "abc"


@pytest.mark.parametrize(
    "value, code",
    [
        (None, "MISSING_ARGUMENTS"), ("", "MISSING_ARGUMENTS"), ("abc", "BAD_ARGUMENTS"),
        ("2", "BAD_ARGUMENTS"), ("7", "BAD_ARGUMENTS"), ("-1", "BAD_ARGUMENTS"),
        ("0.0", "BAD_ARGUMENTS"), (" 0", "BAD_ARGUMENTS"), ("1" * 5000, "BAD_ARGUMENTS"),
        ("9" * 40, "BAD_ARGUMENTS"),
    ],
)
def test_data_type_errors(value, code):
    form = {} if value is None else {"data_type": value}
    with raises(code, "data_type"):
        models.check_data_type(form, SETTINGS)


def test_data_type_values():
    assert models.check_data_type({"data_type": "0"}, SETTINGS) == 0
    assert models.check_data_type({"data_type": "1"}, SETTINGS) == 1
    assert models.upload_field(0) == "image" and models.upload_field(1) == "video"


# --- authentication --------------------------------------------------------------------------


class Hooks:
    """In-memory stand-in for the shared store."""

    def __init__(self):
        self.claimed: set[tuple[str, str]] = set()
        self.calls: dict[str, int] = {}

    def claim(self, api_key, token):
        if (api_key, token) in self.claimed:
            return False
        self.claimed.add((api_key, token))
        return True

    def take(self, api_key, quota):
        used = self.calls.get(api_key, 0)
        if used >= quota:
            return False
        self.calls[api_key] = used + 1
        return True

    def hooks(self):
        return models.AuthHooks(claim_single_use=self.claim, take_quota=self.take)


def auth(sign, settings=SETTINGS, now=NOW, ip="127.0.0.1", hooks=None):
    return models.authenticate(sign, settings.api_keys, settings, now, ip, (hooks or Hooks()).hooks())


def test_auth_accepts_the_worked_example():
    sign = signing.make_sign(KEY, SECRET, 100, now=1700000000, rnd="1234567890")
    assert auth(sign).api_key == KEY


def test_auth_accepts_the_published_faceid_vector_at_its_time():
    v0 = finauth_vectors.TEST_VECTORS[0]
    assert auth(v0.sign, now=1530762150).api_key == v0.api_key


@pytest.mark.parametrize(
    "sign, now, detail",
    [
        (finauth_vectors.URL_SAFE_SIGN, NOW, "INVALID_SIGN"),
        ("not-base64!!", NOW, "INVALID_SIGN"),
        (signing.make_sign(KEY, "NOT_THE_SECRET", 100, now=1700000000), NOW, None),
        (signing.make_sign("UNKNOWN", SECRET, 100, now=1700000000), NOW, None),
        (signing.make_sign(KEY, SECRET, 100, now=1700000000), 1700000200, "EXPIRED_SIGN"),
        (signing.make_sign(KEY, SECRET, 100, now=1700000000 + 301), 1700000000, "INVALID_SIGN"),
    ],
    ids=["url-safe", "not-base64", "wrong-secret", "unknown-key", "expired", "too-far-ahead"],
)
def test_auth_signature_failures(sign, now, detail):
    with raises("AUTHENTICATION_ERROR", detail):
        auth(sign, now=now)


def test_single_use_refused_on_reuse_with_configurable_reason():
    hooks = Hooks()
    sign = signing.make_sign(KEY, SECRET, 0, now=1700000000)
    assert auth(sign, hooks=hooks).api_key == KEY
    with raises("AUTHENTICATION_ERROR", "INVALID_SIGN"):
        auth(sign, hooks=hooks)
    replay = FinAuthConfig(replay_reason="REPLAY_ATTACK")
    with raises("AUTHENTICATION_ERROR", "REPLAY_ATTACK"):
        auth(sign, settings=replay, hooks=hooks)
    # A reusable signature is not claimed.
    reusable = signing.make_sign(KEY, SECRET, 100, now=1700000000)
    for _ in range(3):
        assert auth(reusable, hooks=hooks).api_key == KEY


def test_single_use_is_not_claimed_by_a_failing_signature():
    hooks = Hooks()
    bad = signing.make_sign(KEY, "NOT_THE_SECRET", 0, now=1700000000)
    with raises("AUTHENTICATION_ERROR", None):
        auth(bad, hooks=hooks)
    assert hooks.claimed == set()


KEYS = {
    "OFF": {"secret": "s", "disabled": True},
    "NOPERM": {"secret": "s", "permissions": ["sdk_verify"]},
    "QUOTA": {"secret": "s", "quota": 2},
    "LAN": {"secret": "s", "allowed_ips": ["10.0.0.0/8"]},
    "ALL": {"secret": "s", "disabled": True, "permissions": [], "quota": 0, "allowed_ips": []},
}
KEYED = FinAuthConfig(keys=KEYS)


@pytest.mark.parametrize(
    "api_key, ip, detail",
    [
        ("OFF", "127.0.0.1", "API_KEY_BE_DISCONTINUED"),
        ("NOPERM", "127.0.0.1", "DENIED"),
        ("LAN", "127.0.0.1", "IP_NOT_ALLOWED"),
        ("ALL", "127.0.0.1", "API_KEY_BE_DISCONTINUED"),  # disabled is checked first
    ],
)
def test_key_status_reasons(api_key, ip, detail):
    with raises("AUTHENTICATION_ERROR", detail):
        auth(signing.make_sign(api_key, "s", 100, now=NOW), settings=KEYED, ip=ip)


def test_allowed_ip_passes():
    assert auth(signing.make_sign("LAN", "s", 100, now=NOW), settings=KEYED, ip="10.9.8.7").api_key == "LAN"


def test_quota_counts_accepted_calls():
    hooks = Hooks()
    sign = signing.make_sign("QUOTA", "s", 100, now=NOW)
    auth(sign, settings=KEYED, hooks=hooks)
    auth(sign, settings=KEYED, hooks=hooks)
    with raises("AUTHENTICATION_ERROR", "LIMIT_REACHED"):
        auth(sign, settings=KEYED, hooks=hooks)


# --- results ---------------------------------------------------------------------------------


def success_body(*args) -> dict:
    return AntiDeepfakeResponse().dump(models.analysis(*args))


def test_success_body():
    ctx = SimpleNamespace(runtime=SimpleNamespace(clock=SimpleNamespace(now=lambda: 1700000003.9)),
                          request_id="3f1c2a4e8b7d4e219a550c6f2d9e7b10")
    body = success_body(errors.request_id(ctx), 412, 0.07314, 0.5)
    assert body == {"request_id": "1700000003,3f1c2a4e-8b7d-4e21-9a55-0c6f2d9e7b10", "time_used": 412,
                    "result": False, "score": 0.0731, "threshold": 0.5}
    assert success_body("r", 1, 0.5, 0.5)["result"] is True
    assert success_body("r", 1, 0.49995, 0.5)["result"] is True  # rounds to 0.5
    assert success_body("r", 1, 1.7, 0.5)["score"] == 1.0


# --- images ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, name", [("JPEG", "jpeg"), ("PNG", "png")])
def test_image_ok(fmt, name):
    info = image(image_bytes(fmt))
    assert (info.container, info.width, info.height) == (name, 640, 480)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world",
        image_bytes("GIF"),
        image_bytes("BMP"),
        image_bytes("WEBP"),
        image_bytes("JPEG")[:200],  # truncated JPEG
        image_bytes("PNG")[:60],  # truncated PNG
        png_header_only(100, 100),  # header fine, pixel data broken
    ],
    ids=["empty", "text", "gif", "bmp", "webp", "jpeg-truncated", "png-truncated", "png-broken-idat"],
)
def test_image_not_decodable_is_bad_arguments(data):
    with raises("BAD_ARGUMENTS", "image"):
        image(data)


def test_image_long_side_over_4096():
    image(image_bytes("PNG", (4096, 10)))
    with raises("INVALID_IMAGE_SIZE", "image"):
        image(image_bytes("PNG", (4097, 10)))
    with raises("INVALID_IMAGE_SIZE", "image"):
        image(image_bytes("JPEG", (10, 5000)))


def test_image_bomb_is_refused_without_decoding():
    with raises("INVALID_IMAGE_SIZE", "image"):
        image(png_header_only(60000, 60000))


def test_image_file_size_limit():
    data = image_bytes("PNG", (64, 64))
    image(data, image_max_bytes=len(data))
    with raises("INVALID_IMAGE_SIZE", "image"):
        image(data, image_max_bytes=len(data) - 1)


def test_image_strict_720p():
    image(image_bytes("PNG", (1280, 720)), image_strict_720p=True)
    image(image_bytes("PNG", (720, 1280)), image_strict_720p=True)
    for size in [(1281, 720), (1280, 721), (900, 900)]:
        with raises("INVALID_IMAGE_SIZE", "image"):
            image(image_bytes("PNG", size), image_strict_720p=True)


def test_image_from_path(tmp_path):
    path = tmp_path / "upload.bin"  # the name says nothing; the bytes decide
    path.write_bytes(image_bytes("JPEG"))
    assert check_image(path, path.stat().st_size, FinAuthConfig()).container == "jpeg"


# --- videos ----------------------------------------------------------------------------------


@pytest.mark.parametrize("container, codec", [("mp4", "mpeg4"), ("mp4", "libx264"), ("webm", "libvpx")])
def test_video_ok(container, codec):
    info = video(video_bytes(container, codec))
    assert (info.width, info.height) == (64, 48)
    assert info.duration is not None and 0.5 <= info.duration <= 1.5


@pytest.mark.parametrize(
    "data",
    [b"", b"not a video at all" * 10, None, "audio"],
    ids=["empty", "text", "truncated-mp4", "audio-only"],
)
def test_video_not_decodable_is_bad_arguments(data):
    if data is None:
        data = video_bytes()[:300]
    elif data == "audio":
        data = audio_only_bytes()
    with raises("BAD_ARGUMENTS", "video"):
        video(data)


def test_video_size_rule_is_after_base64():
    data = video_bytes()
    b64 = base64_length(len(data))
    assert b64 == len(__import__("base64").b64encode(data))
    video(data, video_max_base64_bytes=b64)
    with raises("BAD_ARGUMENTS", "video"):
        video(data, video_max_base64_bytes=b64 - 1)


def test_video_duration_limit_when_set():
    data = video_bytes(frames=30)  # 3 s at 10 fps
    video(data, video_max_duration_s=3.5)
    with raises("BAD_ARGUMENTS", "video"):
        video(data, video_max_duration_s=2.0)


# --- the spec agrees with the catalogue ------------------------------------------------------


def test_spec_is_valid_and_error_patterns_cover_every_string():
    import pathlib
    import re

    import yaml
    from openapi_spec_validator import validate

    spec = yaml.safe_load((pathlib.Path(__file__).parents[3] / "openapi" / "finauth.yaml").read_text())
    validate(spec)
    schemas = spec["components"]["schemas"]
    patterns = {400: schemas["BadRequestError"]["properties"]["error"]["pattern"],
                403: schemas["ForbiddenError"]["properties"]["error"]["pattern"]}
    samples = [errors.missing_arguments(k) for k in errors.ARGUMENT_KEYS]
    samples += [errors.bad_arguments(), errors.bad_arguments("data_type"), errors.no_face_found(),
                errors.invalid_image_size(), errors.internal_timeout(), errors.authentication_error(),
                errors.concurrency_limit_exceeded()]
    samples += [errors.authentication_error(r) for r in errors.AUTH_REASONS + ("REPLAY_ATTACK",)]
    for exc in samples:
        for sep in errors.SEPARATORS:
            for with_key in (False, True):
                status, _, body = errors.envelope(exc, request_id="1,x", time_used=0, separator=sep,
                                                      bad_arguments_key=with_key)
                assert re.fullmatch(patterns[status], body["error"]), body["error"]
    op = spec["paths"]["/finauth/v5/anti_deepfake"]["post"]
    assert op["operationId"] == "anti_deepfake"
    assert set(op["responses"]) == {"200", "400", "403", "413", "500", "504"}
    assert op["responses"]["413"]["content"]["text/plain"]["schema"]["const"] == "Request Entity Too Large"
