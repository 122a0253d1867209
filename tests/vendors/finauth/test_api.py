"""FinAuth anti_deepfake through the client fixtures (in-process, or a server with --server-mode),
against the fact sheet."""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from PIL import Image

from deepfake_mock.testing import media
from deepfake_mock.testing.finauth_vectors import TEST_VECTORS, URL_SAFE_SIGN
from deepfake_mock.vendors.finauth.signing import make_sign, sign_raw

CLOCK_START = 1_767_225_600.0  # tests/conftest.py: the manual clock starts here

PATH = "/finauth/finauth/v5/anti_deepfake"
KEY = "TESTKEY_abcdefghijklmnopqrstuvwx"
SECRET = "TESTSECRET_0123456789abcdefghijk"
NOW = int(CLOCK_START)
REQUEST_ID = re.compile(r"^(\d+),[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
OMIT = object()

SPEC = yaml.safe_load((Path(__file__).parents[3] / "openapi" / "finauth.yaml").read_text())
JPEG = media.image("jpeg", 640, 480)


def signed(key=KEY, secret=SECRET, valid=100, now=NOW) -> str:
    return make_sign(key, secret, valid, now=now)


def post(client, *, sign=None, sign_version="hmac_sha1", data_type="0", image=OMIT, video=OMIT,
         **kwargs):
    """A request as the vendor's curl sample sends it; ``OMIT`` leaves a field out."""
    form = {}
    if sign is not OMIT:
        form["sign"] = signed() if sign is None else sign
    if sign_version is not OMIT:
        form["sign_version"] = sign_version
    if data_type is not OMIT:
        form["data_type"] = data_type
    if image is not OMIT:
        form["image"] = (io.BytesIO(image), "selfie.jpg") if isinstance(image, bytes) else image
    if video is not OMIT:
        form["video"] = (io.BytesIO(video), "clip.mp4") if isinstance(video, bytes) else video
    return client.post(PATH, data=form, content_type="multipart/form-data", **kwargs)


def post_image(client, image=JPEG, **kwargs):
    return post(client, image=image, **kwargs)


def assert_spec(r):
    """The answer is what openapi/finauth.yaml documents for its status and content type."""
    responses = SPEC["paths"]["/finauth/v5/anti_deepfake"]["post"]["responses"]
    documented = responses[str(r.status_code)]["content"]
    assert r.mimetype in documented, (r.status_code, r.mimetype)
    body = r.json if r.mimetype == "application/json" else r.get_data(as_text=True)
    schema = {**documented[r.mimetype]["schema"], "components": SPEC["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


def assert_error(r, status, error):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert set(r.json) == {"request_id", "time_used", "error"}
    assert r.json["error"] == error
    assert REQUEST_ID.match(r.json["request_id"])
    assert isinstance(r.json["time_used"], int) and r.json["time_used"] >= 0
    assert_spec(r)


def app_with(make_client, settings, **finauth):
    """A client of an emulator with these ``vendors.finauth`` settings."""
    settings["vendors"] = {"finauth": finauth}
    return make_client(settings)


def keys_state(client) -> dict:
    return {k["api_key"]: k for k in client.get("/_admin/vendors/finauth/keys").json["keys"]}


# ---- success ---------------------------------------------------------------------------------

def test_image_answers_200_with_the_documented_fields(client):
    r = post_image(client)
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    body = r.json
    assert list(body) == ["request_id", "time_used", "result", "score", "threshold"]
    seconds = REQUEST_ID.match(body["request_id"]).group(1)
    assert int(seconds) == NOW  # <unix seconds> on the emulator clock
    assert isinstance(body["time_used"], int) and body["time_used"] >= 0
    assert 0 <= body["score"] <= 1 and body["threshold"] == 0.5
    assert body["result"] is (body["score"] >= body["threshold"])
    assert set(r.headers.keys()) == {"Content-Type", "Content-Length"}
    assert_spec(r)


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_jpeg_and_png_are_accepted(client, fmt):
    r = post_image(client, media.image(fmt, 320, 240))
    assert r.status_code == 200, r.json


@pytest.mark.parametrize("fmt", ["mp4", "webm", "matroska"])
def test_video_in_any_container_ffmpeg_reads(client, fmt):
    if fmt == "webm":
        data = _vp8_webm()
    else:
        data = media.video(seconds=2, fmt=fmt)
    r = post(client, data_type="1", video=data)
    assert r.status_code == 200, r.json
    assert_spec(r)


def _vp8_webm() -> bytes:
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 9, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def test_score_is_deterministic_per_media(client):
    first = post_image(client, media.image("png", 200, 200, variant=1)).json
    again = post_image(client, media.image("png", 200, 200, variant=1)).json
    other = post_image(client, media.image("png", 200, 200, variant=2)).json
    assert first["score"] == again["score"]
    assert first["request_id"] != again["request_id"]
    assert other["score"] != first["score"]


def test_scores_spread_over_both_results(client):
    results = {post_image(client, media.image("png", 64, 64, variant=v)).json["result"] for v in range(12)}
    assert results == {True, False}


def test_threshold_is_a_setting(settings, make_client):
    client = app_with(make_client, settings, threshold=0.0)
    body = post_image(client).json
    assert body["threshold"] == 0.0 and body["result"] is True


def test_verdict_rule_pins_score_and_result(client, admin):
    admin.add_verdict_rule("finauth", score=0.9412, times=1)
    body = post_image(client).json
    assert (body["score"], body["result"]) == (0.9412, True)
    admin.add_verdict_rule("finauth", score=0.0731, times=1)
    body = post_image(client, media.image("png", 90, 90)).json
    assert (body["score"], body["result"]) == (0.0731, False)


def test_verdict_rule_label_fake(client, admin):
    admin.add_verdict_rule("finauth", label="fake")
    assert post_image(client).json["result"] is True


def test_both_files_sent_uses_the_one_data_type_names(client):
    assert post(client, data_type="0", image=JPEG, video=b"not a video").status_code == 200
    assert post(client, data_type="1", image=b"not an image", video=media.video()).status_code == 200


def test_form_field_order_does_not_matter(client):
    data = {"image": (io.BytesIO(JPEG), "x.jpg"), "data_type": "0", "sign_version": "hmac_sha1",
            "sign": signed()}
    assert client.post(PATH, data=data, content_type="multipart/form-data").status_code == 200


# ---- signatures ------------------------------------------------------------------------------

def test_published_faceid_vector_verifies_with_its_key_pair_and_time(client, admin):
    v0 = TEST_VECTORS[0]
    assert v0.sign.startswith("SPzLRbDBgTGC2A8YdDaa7Jrny+5h")
    admin.set_clock(1530762150)
    assert post_image(client, sign=v0.sign).status_code == 200
    admin.set_clock(1530762218)
    assert_error(post_image(client, sign=v0.sign), 403, "AUTHENTICATION_ERROR:EXPIRED_SIGN")


def test_worked_example_valid_until_its_expire_time(client, admin):
    sign = next(v for v in TEST_VECTORS if v.name == "reusable_100s").sign
    admin.set_clock(1700000003)
    assert post_image(client, sign=sign).status_code == 200
    admin.set_clock(1700000099)
    assert post_image(client, sign=sign).status_code == 200  # reusable until b
    admin.advance_clock(1)
    assert_error(post_image(client, sign=sign), 403, "AUTHENTICATION_ERROR:EXPIRED_SIGN")
    admin.set_clock(1700000200)
    assert_error(post_image(client, sign=sign), 403, "AUTHENTICATION_ERROR:EXPIRED_SIGN")


def _forged(raw: str, secret: str = SECRET) -> str:
    return sign_raw(secret, raw)


def _url_safe_now() -> str:
    """A sign valid now whose standard Base64 has '+' or '/', rendered URL-safe."""
    for rnd in range(1000):
        sign = make_sign(KEY, SECRET, 100, now=NOW, rnd=str(rnd))
        if "+" in sign or "/" in sign:
            return sign.replace("+", "-").replace("/", "_")
    raise AssertionError("no sign with '+' or '/'")


URL_SAFE_NOW = _url_safe_now()


@pytest.mark.parametrize(
    "sign, error",
    [
        (signed(secret="NOT_THE_SECRET"), "AUTHENTICATION_ERROR"),
        (signed(key="UNKNOWN_KEY"), "AUTHENTICATION_ERROR"),
        (_forged(f"a={KEY}&b={NOW + 100}&c={NOW}&d=1", "x"), "AUTHENTICATION_ERROR"),
        ("not-base64!!", "AUTHENTICATION_ERROR:INVALID_SIGN"),
        (URL_SAFE_NOW, "AUTHENTICATION_ERROR:INVALID_SIGN"),
        (URL_SAFE_SIGN, "AUTHENTICATION_ERROR:INVALID_SIGN"),
        (signed()[:-3], "AUTHENTICATION_ERROR:INVALID_SIGN"),  # truncated
        (signed()[:24], "AUTHENTICATION_ERROR:INVALID_SIGN"),  # digest only, or less
        (signed()[:60] + "\n" + signed()[60:], "AUTHENTICATION_ERROR:INVALID_SIGN"),  # line-wrapped
        (_forged(f"a={KEY}&b=soon&c={NOW}&d=1"), "AUTHENTICATION_ERROR:INVALID_SIGN"),
        (_forged(f"a={KEY}&b={NOW + 100}&c=now&d=1"), "AUTHENTICATION_ERROR:INVALID_SIGN"),
        (_forged(f"a={KEY}&b={NOW + 100}&c={NOW}&d=12345678901"), "AUTHENTICATION_ERROR:INVALID_SIGN"),
        (_forged(f"a={KEY}&c={NOW}&b={NOW + 100}&d=1"), "AUTHENTICATION_ERROR:INVALID_SIGN"),
        (_forged(f"a={KEY}&b={NOW}&c={NOW + 10}&d=1"), "AUTHENTICATION_ERROR:EXPIRED_SIGN"),
        (_forged(f"a={KEY}&b={NOW + 1000}&c={NOW + 500}&d=1"), "AUTHENTICATION_ERROR:INVALID_SIGN"),
        (_forged(f"a={KEY}&b={NOW + 100}&c={NOW + 100}&d=1"), "AUTHENTICATION_ERROR:INVALID_SIGN"),
    ],
    ids=["wrong-secret", "unknown-key", "forged-with-another-secret", "not-base64", "url-safe", "url-safe-91",
         "truncated", "too-short", "line-wrapped", "non-numeric-b", "non-numeric-c", "d-11-digits",
         "fields-out-of-order", "expired", "c-in-the-future", "c-not-before-b"],
)
def test_signature_failures(client, sign, error):
    assert_error(post_image(client, sign=sign), 403, error)


def test_tampered_raw_string_is_bare_authentication_error(client):
    blob = base64.b64decode(signed(now=NOW, valid=100))
    tampered = blob[:20] + blob[20:].replace(f"b={NOW + 100}".encode(), f"b={NOW + 900}".encode())
    assert_error(post_image(client, sign=base64.b64encode(tampered).decode()), 403, "AUTHENTICATION_ERROR")


def test_clock_skew_tolerance_is_a_setting(settings, make_client):
    client = app_with(make_client, settings, future_skew_s=1000)
    assert post_image(client, sign=signed(now=NOW + 500)).status_code == 200


def test_single_use_signature_is_refused_on_reuse(client):
    sign = signed(valid=0)
    assert post_image(client, sign=sign).status_code == 200
    assert_error(post_image(client, sign=sign), 403, "AUTHENTICATION_ERROR:INVALID_SIGN")
    assert post_image(client, sign=signed(valid=0)).status_code == 200  # a fresh one is fine


def test_single_use_is_consumed_even_when_the_request_then_fails(client):
    sign = signed(valid=0)
    assert_error(post(client, sign=sign, data_type="9"), 400, "BAD_ARGUMENTS")
    assert_error(post_image(client, sign=sign), 403, "AUTHENTICATION_ERROR:INVALID_SIGN")


def test_single_use_reuse_reason_is_a_setting(settings, make_client):
    client = app_with(make_client, settings, replay_reason="REPLAY_ATTACK")
    sign = signed(valid=0)
    post_image(client, sign=sign)
    assert_error(post_image(client, sign=sign), 403, "AUTHENTICATION_ERROR:REPLAY_ATTACK")


def test_reset_forgets_used_single_use_signatures(client, admin):
    sign = signed(valid=0)
    post_image(client, sign=sign)
    admin.reset()
    assert post_image(client, sign=sign).status_code == 200


# ---- keys: disabled, permissions, quotas, allowed IPs ----------------------------------------

KEYS = {
    "OFF": {"secret": "s-off", "disabled": True},
    "NOPERM": {"secret": "s-noperm", "permissions": ["get_biz_token"]},
    "QUOTA": {"secret": "s-quota", "quota": 2},
    "LAN": {"secret": "s-lan", "allowed_ips": ["10.0.0.0/8"]},
}


@pytest.fixture
def keyed(settings, make_client):
    return app_with(make_client, settings, keys=KEYS)


@pytest.mark.parametrize("key, error", [
    ("OFF", "AUTHENTICATION_ERROR:API_KEY_BE_DISCONTINUED"),
    ("NOPERM", "AUTHENTICATION_ERROR:DENIED"),
    ("LAN", "AUTHENTICATION_ERROR:IP_NOT_ALLOWED"),
])
def test_key_status(keyed, key, error):
    assert_error(post_image(keyed, sign=signed(key, KEYS[key]["secret"])), 403, error)


@pytest.mark.in_process  # the caller's address is set in the WSGI environ
def test_allowed_ip_is_let_in(keyed):
    r = post_image(keyed, sign=signed("LAN", "s-lan"), environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert r.status_code == 200


def test_quota_counts_accepted_calls_then_limit_reached(keyed):
    sign = signed("QUOTA", "s-quota")
    assert post_image(keyed, sign=sign).status_code == 200
    assert_error(post(keyed, sign=sign, data_type="x"), 400, "BAD_ARGUMENTS")  # a call all the same
    assert_error(post_image(keyed, sign=sign), 403, "AUTHENTICATION_ERROR:LIMIT_REACHED")
    assert keys_state(keyed)["QUOTA"]["calls"] == 2


def test_default_keys_stay_beside_configured_ones(keyed):
    assert post_image(keyed).status_code == 200
    state = keys_state(keyed)
    assert set(state) == {KEY, TEST_VECTORS[0].api_key, *KEYS}
    assert "secret" not in state[KEY]
    assert state["OFF"]["disabled"] is True and state["LAN"]["allowed_ips"] == ["10.0.0.0/8"]


def test_a_default_key_can_be_disabled(settings, make_client):
    client = app_with(make_client, settings, keys={KEY: {"secret": SECRET, "disabled": True}})
    assert_error(post_image(client), 403, "AUTHENTICATION_ERROR:API_KEY_BE_DISCONTINUED")


# ---- keys changed at run time over the admin API ------------------------------------------------

ADMIN_KEYS = "/_admin/vendors/finauth/keys"


def test_admin_disables_a_key_until_reset(client, admin):
    r = client.put(f"{ADMIN_KEYS}/{KEY}", json={"disabled": True})
    assert r.status_code == 200 and r.json["disabled"] is True and "secret" not in r.json
    assert_error(post_image(client), 403, "AUTHENTICATION_ERROR:API_KEY_BE_DISCONTINUED")
    admin.reset()
    assert post_image(client).status_code == 200


@pytest.mark.parametrize("change, error", [
    ({"permissions": []}, "AUTHENTICATION_ERROR:DENIED"),
    ({"allowed_ips": ["192.0.2.0/24"]}, "AUTHENTICATION_ERROR:IP_NOT_ALLOWED"),
    ({"quota": 0}, "AUTHENTICATION_ERROR:LIMIT_REACHED"),
    ({"concurrency_limit": 0}, "CONCURRENCY_LIMIT_EXCEEDED"),
    ({"secret": "rotated"}, "AUTHENTICATION_ERROR"),
])
def test_admin_key_changes(client, change, error):
    assert client.put(f"{ADMIN_KEYS}/{KEY}", json=change).status_code == 200
    assert_error(post_image(client), 403, error)


def test_admin_adds_and_removes_keys(client):
    assert client.put(f"{ADMIN_KEYS}/NEWKEY", json={"secret": "new-secret", "quota": 5}).json["quota"] == 5
    assert post_image(client, sign=signed("NEWKEY", "new-secret")).status_code == 200
    assert client.delete(f"{ADMIN_KEYS}/NEWKEY").status_code == 204
    assert_error(post_image(client, sign=signed("NEWKEY", "new-secret")), 403, "AUTHENTICATION_ERROR")
    assert client.delete(f"{ADMIN_KEYS}/NEWKEY").status_code == 404
    assert client.delete(f"{ADMIN_KEYS}/{KEY}").status_code == 204
    assert_error(post_image(client), 403, "AUTHENTICATION_ERROR")


@pytest.mark.parametrize("key, body", [
    ("BRANDNEW", {"disabled": True}),  # a new key needs a secret
    (KEY, {"colour": "red"}),
    (KEY, {"quota": -1}),
    (KEY, {"permissions": "anti_deepfake"}),
    (KEY, {"allowed_ips": ["not-an-ip"]}),
    (KEY, {"disabled": "yes"}),
    (KEY, ["not", "an", "object"]),
])
def test_admin_refuses_unusable_keys(client, key, body):
    r = client.put(f"{ADMIN_KEYS}/{key}", json=body)
    assert r.status_code == 400 and isinstance(r.json["error"], str)
    assert post_image(client).status_code == 200  # nothing changed


def test_call_frequency_limit_is_limit_reached(client, admin):
    admin.set_rate_limit("finauth", 2, 60)
    assert post_image(client).status_code == 200
    assert post_image(client).status_code == 200
    assert_error(post_image(client), 403, "AUTHENTICATION_ERROR:LIMIT_REACHED")
    admin.advance_clock(61)
    assert post_image(client, sign=signed(now=NOW + 61)).status_code == 200


def test_call_frequency_limit_from_settings(settings, make_client):
    client = app_with(make_client, settings, rate_limit={"limit": 1, "window": 60})
    assert post_image(client).status_code == 200
    assert_error(post_image(client), 403, "AUTHENTICATION_ERROR:LIMIT_REACHED")


# ---- concurrency -------------------------------------------------------------------------------

def test_concurrency_limit_exceeded(settings, make_client):
    client = app_with(make_client, settings, concurrency_limit=0)
    assert_error(post_image(client), 403, "CONCURRENCY_LIMIT_EXCEEDED")


def test_per_key_concurrency_limit(settings, make_client):
    client = app_with(make_client, settings,
                      keys={"SOLO": {"secret": "s", "concurrency_limit": 0}})
    assert_error(post_image(client, sign=signed("SOLO", "s")), 403, "CONCURRENCY_LIMIT_EXCEEDED")
    assert post_image(client).status_code == 200


def test_slots_are_released_whatever_the_outcome(settings, make_client):
    client = app_with(make_client, settings, concurrency_limit=1)
    assert post_image(client).status_code == 200
    assert_error(post(client, data_type="1"), 400, "MISSING_ARGUMENTS:video")
    assert_error(post_image(client, image=b"GIF89a junk"), 400, "BAD_ARGUMENTS")
    assert post_image(client).status_code == 200
    assert keys_state(client)[KEY]["in_flight"] == 0


# ---- parameters --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error", [
    ({"sign": OMIT}, "MISSING_ARGUMENTS:sign"),
    ({"sign": ""}, "MISSING_ARGUMENTS:sign"),
    ({"sign_version": OMIT}, "MISSING_ARGUMENTS:sign_version"),
    ({"sign_version": ""}, "MISSING_ARGUMENTS:sign_version"),
    ({"data_type": OMIT}, "MISSING_ARGUMENTS:data_type"),
    ({"data_type": ""}, "MISSING_ARGUMENTS:data_type"),
    ({"data_type": "0", "image": OMIT}, "MISSING_ARGUMENTS:image"),
    ({"data_type": "1", "image": OMIT}, "MISSING_ARGUMENTS:video"),
    ({"data_type": "1"}, "MISSING_ARGUMENTS:video"),  # an image is not a video
    ({"data_type": "0", "image": OMIT, "video": media.video()}, "MISSING_ARGUMENTS:image"),
    ({"image": (io.BytesIO(b""), "")}, "MISSING_ARGUMENTS:image"),  # an empty file input
])
def test_missing_arguments(client, kwargs, error):
    args = {"image": JPEG, **kwargs}
    assert_error(post(client, **args), 400, error)


def test_text_field_over_1mib_is_413(client):
    r = post_image(client, sign="A" * (2 << 20))
    assert (r.status_code, r.mimetype) == (413, "text/plain")
    assert r.get_data(as_text=True) == "Request Entity Too Large"


def test_image_sent_as_text_is_missing(client):
    r = client.post(PATH, data={"sign": signed(), "sign_version": "hmac_sha1", "data_type": "0",
                                "image": "selfie.jpg"}, content_type="multipart/form-data")
    assert_error(r, 400, "MISSING_ARGUMENTS:image")


@pytest.mark.parametrize("kwargs", [
    {"sign_version": "hmac_sha256"},
    {"sign_version": "HMAC_SHA1"},
    {"sign_version": "hmac_sha1 "},
    {"data_type": "abc"},
    {"data_type": "2"},
    {"data_type": "7"},
    {"data_type": "-1"},
    {"data_type": "1.0"},
    {"data_type": "9" * 5000},
    {"sign": "A" * 5000},
], ids=lambda k: f"{next(iter(k))}={str(next(iter(k.values())))[:12]}")
def test_bad_arguments(client, kwargs):
    assert_error(post(client, **{"image": JPEG, **kwargs}), 400, "BAD_ARGUMENTS")


def test_separator_is_a_setting(settings, make_client):
    client = app_with(make_client, settings, error_separator=": ")
    assert_error(post(client, sign=OMIT), 400, "MISSING_ARGUMENTS: sign")
    assert_error(post_image(client, sign="x"), 403, "AUTHENTICATION_ERROR: INVALID_SIGN")


def test_bad_arguments_key_is_a_setting(settings, make_client):
    client = app_with(make_client, settings, bad_arguments_key=True)
    assert_error(post(client, sign_version="md5"), 400, "BAD_ARGUMENTS:sign_version")
    assert_error(post(client, data_type="5"), 400, "BAD_ARGUMENTS:data_type")


def test_error_bodies_can_carry_only_error(settings, make_client):
    client = app_with(make_client, settings, error_fields=False)
    r = post(client, sign=OMIT)
    assert r.status_code == 400 and r.json == {"error": "MISSING_ARGUMENTS:sign"}


# ---- order of checks ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, status, error", [
    ({"sign": OMIT, "sign_version": OMIT, "data_type": "9"}, 400, "MISSING_ARGUMENTS:sign"),
    ({"sign_version": OMIT, "sign": "junk", "data_type": OMIT}, 400, "MISSING_ARGUMENTS:sign_version"),
    ({"sign_version": "v2", "sign": "junk"}, 400, "BAD_ARGUMENTS"),
    ({"sign": "junk", "data_type": "9"}, 403, "AUTHENTICATION_ERROR:INVALID_SIGN"),
    ({"data_type": "9", "image": OMIT}, 400, "BAD_ARGUMENTS"),
    ({"data_type": OMIT, "image": b"junk"}, 400, "MISSING_ARGUMENTS:data_type"),
])
def test_order_of_checks(client, kwargs, status, error):
    assert_error(post(client, **{"image": JPEG, **kwargs}), status, error)


def test_key_status_before_concurrency_before_data_type(settings, make_client):
    client = app_with(make_client, settings, concurrency_limit=0,
                      keys={"OFF": {"secret": "s", "disabled": True}})
    assert_error(post(client, sign=signed("OFF", "s"), data_type="9"), 403,
                 "AUTHENTICATION_ERROR:API_KEY_BE_DISCONTINUED")
    assert_error(post(client, data_type="9"), 403, "CONCURRENCY_LIMIT_EXCEEDED")


# ---- media from the bytes ----------------------------------------------------------------------

def _big_png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("data", [
    media.image("gif", 64, 64),
    media.image("bmp", 64, 64),
    media.image("webp", 64, 64),
    JPEG[: len(JPEG) // 2],
    b"\xff\xd8\xff\xe0 not really a jpeg",
    b"plain text",
    b"",
], ids=["gif", "bmp", "webp", "truncated-jpeg", "jpeg-magic-only", "text", "zero-bytes"])
def test_image_that_is_not_a_decodable_jpeg_or_png(client, data):
    assert_error(post_image(client, image=(io.BytesIO(data), "selfie.jpg")), 400, "BAD_ARGUMENTS")


def test_file_name_does_not_decide(client):
    assert post_image(client, image=(io.BytesIO(media.image("png", 64, 64)), "photo.gif")).status_code == 200
    r = post_image(client, image=(io.BytesIO(media.image("gif", 64, 64)), "photo.png"))
    assert_error(r, 400, "BAD_ARGUMENTS")


def test_image_larger_than_4096_pixels(client):
    assert_error(post_image(client, image=_big_png(5000, 3000)), 400, "INVALID_IMAGE_SIZE:image")
    assert post_image(client, image=_big_png(4096, 300)).status_code == 200


def test_image_file_over_the_size_limit(settings, make_client):
    client = app_with(make_client, settings, image_max_bytes=len(JPEG) - 1)
    assert_error(post_image(client), 400, "INVALID_IMAGE_SIZE:image")


def test_strict_720p_mode(settings, make_client):
    client = app_with(make_client, settings, image_strict_720p=True)
    assert post_image(client, image=_big_png(1280, 720)).status_code == 200
    assert_error(post_image(client, image=_big_png(1920, 1080)), 400, "INVALID_IMAGE_SIZE:image")


@pytest.mark.parametrize("data", [
    b"definitely not a video",
    media.wav(1),  # audio only
    b"",
], ids=["text", "audio-only", "zero-bytes"])
def test_video_that_does_not_decode(client, data):
    assert_error(post(client, data_type="1", video=(io.BytesIO(data), "clip.mp4")), 400, "BAD_ARGUMENTS")


def test_truncated_video(client):
    data = media.video(seconds=2)
    assert_error(post(client, data_type="1", video=data[:400]), 400, "BAD_ARGUMENTS")


def test_video_over_10mb_after_base64(settings, make_client):
    data = media.video(seconds=1)
    b64 = len(base64.b64encode(data))
    fits = app_with(make_client, settings, video_max_base64_bytes=b64)
    assert post(fits, data_type="1", video=data).status_code == 200
    over = app_with(make_client, settings, video_max_base64_bytes=b64 - 1)
    assert_error(post(over, data_type="1", video=data), 400, "BAD_ARGUMENTS")


def test_video_duration_limit_when_set(settings, make_client):
    client = app_with(make_client, settings, video_max_duration_s=1.5)
    assert post(client, data_type="1", video=media.video(seconds=1)).status_code == 200
    assert_error(post(client, data_type="1", video=media.video(seconds=3)), 400, "BAD_ARGUMENTS")


# ---- verdict outcomes and faults ---------------------------------------------------------------

@pytest.mark.parametrize("outcome, status, error", [
    ("NO_FACE_FOUND", 400, "NO_FACE_FOUND"),
    ("INTERNAL_TIMEOUT", 400, "INTERNAL_TIMEOUT"),
    ("INTERNAL_ERROR", 500, "INTERNAL_ERROR"),
    ("INVALID_IMAGE_SIZE", 400, "INVALID_IMAGE_SIZE:image"),
    ("AUTHENTICATION_ERROR:LIMIT_REACHED", 403, "AUTHENTICATION_ERROR:LIMIT_REACHED"),
])
def test_verdict_rule_outcomes(client, admin, outcome, status, error):
    admin.add_verdict_rule("finauth", outcome=outcome, times=1)
    assert_error(post_image(client), status, error)


def test_no_face_found_sticks_to_the_media(client, admin):
    admin.add_verdict_rule("finauth", outcome="NO_FACE_FOUND", times=1)
    assert_error(post_image(client), 400, "NO_FACE_FOUND")
    assert_error(post_image(client), 400, "NO_FACE_FOUND")  # a retry of the same bytes
    assert post_image(client, image=media.image("png", 64, 64)).status_code == 200


def test_gateway_timeout_outcome_is_plain_text(client, admin):
    admin.add_verdict_rule("finauth", outcome="504 Gateway Timeout", times=1)
    r = post_image(client)
    assert (r.status_code, r.mimetype, r.get_data(as_text=True)) == (504, "text/plain", "504 Gateway Timeout")


@pytest.mark.parametrize("status, mimetype, body", [
    (500, "application/json", "INTERNAL_ERROR"),
    (400, "application/json", "INTERNAL_TIMEOUT"),
    (403, "application/json", "CONCURRENCY_LIMIT_EXCEEDED"),
    (504, "text/plain", "504 Gateway Timeout"),
    (413, "text/plain", "Request Entity Too Large"),
    (503, "text/plain", "503 Service Unavailable"),
])
def test_status_faults_answer_in_the_vendor_style(client, admin, status, mimetype, body):
    admin.add_fault(fault="status", status=status, vendor="finauth", times=1)
    r = post_image(client)
    assert (r.status_code, r.mimetype) == (status, mimetype)
    if mimetype == "application/json":
        assert_error(r, status, body)
    else:
        assert r.get_data(as_text=True) == body
    assert post_image(client).status_code == 200  # consumed


# ---- transport: 404, 413, other bodies -------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("POST", "/finauth/finauth/v5/anti_deepfakes"),
    ("POST", "/finauth/finauth/v5/sdk/get_biz_token"),
    ("POST", "/finauth/"),
    ("GET", "/finauth/finauth/v5/anti_deepfake"),
    ("PUT", "/finauth/finauth/v5/anti_deepfake"),
])
def test_any_other_api_is_api_not_found_without_request_id(client, method, path):
    r = client.open(path, method=method)
    assert (r.status_code, r.mimetype, r.json) == (404, "application/json", {"error": "API_NOT_FOUND"})


def test_request_over_the_limit_is_413_plain_text(settings, make_client):
    client = app_with(make_client, settings, max_request_bytes=10_000)
    r = post_image(client, image=_big_png(200, 200) + os.urandom(20_000))
    assert r.status_code == 413
    assert r.mimetype == "text/plain"
    assert r.get_data(as_text=True) == "Request Entity Too Large"
    assert_spec(r)


def test_json_body_is_missing_sign(client):
    r = client.post(PATH, json={"sign": signed(), "sign_version": "hmac_sha1", "data_type": 0})
    assert_error(r, 400, "MISSING_ARGUMENTS:sign")


def test_urlencoded_text_fields_are_read(client):
    r = client.post(PATH, data={"sign": signed(), "sign_version": "hmac_sha1", "data_type": "0"},
                    content_type="application/x-www-form-urlencoded")
    assert_error(r, 400, "MISSING_ARGUMENTS:image")


def test_multipart_without_boundary(client):
    r = client.post(PATH, data=b"--x\r\n", content_type="multipart/form-data")
    assert_error(r, 400, "MISSING_ARGUMENTS:sign")


@hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(form=st.dictionaries(st.sampled_from(["sign", "sign_version", "data_type", "image", "video", "x"]),
                            st.text(max_size=300), max_size=6),
       image=st.one_of(st.none(), st.binary(max_size=2000)))
def test_bad_input_never_answers_500(client, form, image):
    data = dict(form)
    if image is not None:
        data["image"] = (io.BytesIO(image), "f.jpg")
    r = client.post(PATH, data=data, content_type="multipart/form-data")
    assert r.status_code in (400, 403), r.get_data(as_text=True)
    assert r.mimetype == "application/json" and "error" in r.json


# ---- state left behind, journal, modes ---------------------------------------------------------

def test_errors_leave_no_upload_behind(client, settings):
    post_image(client, image=b"junk")
    post(client, data_type="1", video=b"junk")
    post_image(client, sign="junk")
    post_image(client)
    assert os.listdir(settings["spool_dir"]) == []


def test_journal_records_and_redacts_the_sign(client, admin):
    post_image(client)
    entry = admin.find_requests(vendor="finauth")[-1]
    assert entry["operation"] == "anti_deepfake" and entry["status"] == 200
    assert entry["body"]["form"]["sign"] != signed()
    assert entry["body"]["form"]["data_type"] == "0"


def test_single_vendor_mode_serves_the_real_path(settings, make_client):
    settings["vendor"] = "finauth"
    client = make_client(settings)
    r = client.post("/finauth/v5/anti_deepfake", data={
        "sign": signed(), "sign_version": "hmac_sha1", "data_type": "0",
        "image": (io.BytesIO(JPEG), "a.jpg")}, content_type="multipart/form-data")
    assert r.status_code == 200
    assert client.post("/v5/anti_deepfake").json == {"error": "API_NOT_FOUND"}


def test_spec_is_served(client):
    r = client.get("/finauth/openapi.yaml")
    assert r.status_code == 200 and yaml.safe_load(r.data)["info"]["title"].startswith("FinAuth")
