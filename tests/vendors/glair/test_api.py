"""GLAIR Vision face deepfake through the client fixtures (in-process or, with --server-mode, over
HTTP), against the fact sheet and seed."""

from __future__ import annotations

import base64
import io
import json
import os
import uuid

import av
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from deepfake_mock import create_app
from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media

VIDEO = "/glair/face/v1/deepfake"
FRAMES = "/glair/face/v1/deepfake/images"
KEY = "test-key"
BASIC = "Basic " + base64.b64encode(b"user:pass").decode()
AUTH = {"x-api-key": KEY, "Authorization": BASIC}
CHALLENGE = 'Basic realm="GLAIR Vision"'
MIB = 1024 * 1024

NO_FILE = {"reason": "No file in request body", "status": "ERROR"}
BAD_VIDEO = {"reason": "Invalid file format, only .mp4 is supported", "status": "FILE_INVALID_FORMAT"}
BAD_FRAME = {"reason": "Invalid file format", "status": "FILE_INVALID_FORMAT"}
FAILED = {"reason": "Failed to process the input", "status": "FAILED"}

MP4 = media.video(seconds=1)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def post_video(client, data: bytes | None = b"", *, filename="clip.mp4", headers=AUTH, field="video",
               extra: dict | None = None):
    form = dict(extra or {})
    if data is not None:
        form[field] = (io.BytesIO(data), filename, "video/mp4")
    return client.post(VIDEO, data=form, headers=headers, content_type="multipart/form-data")


def post_frames(client, frames=None, *, body: bytes | None = None, content_type="application/json",
                headers=AUTH):
    if body is None:
        body = json.dumps({"frames": frames}).encode()
    headers = dict(headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post(FRAMES, data=body, headers=headers)


def assert_answer(r, status: int, body):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert r.json == body
    assert uuid.UUID(r.headers["Request-Id"])


def assert_success(r) -> dict:
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert set(r.json) == {"read", "reason", "status"}
    assert (r.json["reason"], r.json["status"]) == ("File Successfully Read", "SUCCESS")
    deepfake = r.json["read"]["deepfake"]
    assert set(deepfake) == {"confidence", "value"}
    assert isinstance(deepfake["confidence"], float) and 0 <= deepfake["confidence"] <= 1
    assert deepfake["value"] == ("fake" if deepfake["confidence"] >= 0.5 else "real")
    assert uuid.UUID(r.headers["Request-Id"]).version == 4
    return deepfake


def audio_only_mp4() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8192), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 16000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buf.getvalue()


def spool_is_empty(settings) -> bool:
    return os.listdir(settings["spool_dir"]) == []


# ---- success: the seed's curl samples --------------------------------------------------------------

def test_video_upload_answers_the_documented_body(client):
    r = post_video(client, MP4)
    deepfake = assert_success(r)
    assert r.headers["Content-Type"] == "application/json"
    assert list(r.json) == ["read", "reason", "status"]  # the order of the vendor's examples
    assert list(deepfake) == ["confidence", "value"]


def test_video_with_audio_track_and_any_filename_is_read(client):
    assert_success(post_video(client, media.video(seconds=1, audio=True, variant=2), filename="x.bin"))


@pytest.mark.parametrize("content_type", ["application/json", None, "application/x-www-form-urlencoded",
                                          "text/plain", "application/json; charset=utf-8"])
def test_frames_are_read_whatever_the_content_type(client, content_type):
    # the vendor's own curl sample sends --data-raw with no Content-Type (curl says form-urlencoded)
    frames = [b64(media.image("jpeg", 64, 64)), b64(media.image("png", 64, 64, variant=1))]
    assert_success(post_frames(client, frames, content_type=content_type))


def test_results_are_deterministic_per_media_and_seed(client, admin):
    first = post_video(client, MP4).json
    assert post_video(client, MP4).json == first
    frames = [b64(media.image("jpeg", 32, 32, variant=3))]
    assert post_frames(client, frames).json == post_frames(client, frames).json
    bodies = {json.dumps(post_video(client, media.video(seconds=1, variant=v)).json) for v in range(4)}
    assert len(bodies) > 1
    admin.set_seed(12345)
    assert post_video(client, MP4).json != first


def test_default_confidences_sit_in_the_vendor_bands(client):
    values = set()
    for v in range(12):
        d = assert_success(post_frames(client, [b64(media.image("png", 16, 16, variant=v))]))
        assert d["confidence"] >= 0.8 if d["value"] == "fake" else d["confidence"] < 0.2
        values.add(d["value"])
    assert values == {"real", "fake"}


def test_verdict_rules_reproduce_the_documented_examples(client, admin):
    admin.add_verdict_rule("glair", probability=0.99768, operation="detect_deepfake_video", times=1)
    assert post_video(client, media.video(seconds=1, variant=7)).json == {
        "read": {"deepfake": {"confidence": 0.99768, "value": "fake"}},
        "reason": "File Successfully Read", "status": "SUCCESS"}
    admin.add_verdict_rule("glair", score=0.06789, times=1)
    r = post_frames(client, [b64(media.image("jpeg", 32, 32, variant=8))])
    assert r.json["read"]["deepfake"] == {"confidence": 0.06789, "value": "real"}


def test_verdict_label_rules_and_stickiness(client, admin):
    admin.add_verdict_rule("glair", label="fake", times=1)
    clip = media.video(seconds=1, variant=9)
    first = assert_success(post_video(client, clip))
    assert first["value"] == "fake"
    assert assert_success(post_video(client, clip)) == first  # a retry keeps its verdict
    admin.add_verdict_rule("glair", label="real", times=1)
    assert assert_success(post_video(client, media.video(seconds=1, variant=10)))["value"] == "real"


@pytest.mark.parametrize("outcome, status, body", [
    ("FAILED", 500, FAILED),
    ("FILE_INVALID_FORMAT", 415, BAD_VIDEO),
    ("NO_FILE", 400, {"reason": "No file in request body", "status": "NO_FILE"}),
])
def test_every_status_enum_value_is_reachable_by_rule(client, admin, settings, outcome, status, body):
    admin.add_verdict_rule("glair", outcome=outcome, times=1)
    assert_answer(post_video(client, media.video(seconds=1, variant=11)), status, body)
    assert spool_is_empty(settings)


def test_failed_rule_on_frames(client, admin):
    admin.add_verdict_rule("glair", outcome="failed", operation="detect_deepfake_frames")
    assert_answer(post_frames(client, [b64(media.image("png", 8, 8))]), 500, FAILED)
    assert_success(post_video(client, MP4))


def test_demo_contract_is_a_setting(settings, make_client):
    settings["vendors"] = {"glair": {"contract": "demo"}}
    client = make_client(settings)
    AdminClient.for_test_client(client).add_verdict_rule("glair", probability=0.99768, times=1)
    r = post_video(client, MP4)
    assert r.status_code == 200 and "Request-Id" in r.headers
    assert r.json == {"status": "success", "result": {"deepfake_status": "FAKE", "confidence_score": 0.99768}}
    assert list(r.json) == ["status", "result"]
    frames = [b64(media.image("jpeg", 32, 32, variant=v)) for v in range(2)]
    r = client.post(VIDEO, data=json.dumps({"frames": frames}), headers=AUTH)  # frames on the same path
    assert r.status_code == 200 and r.json["status"] == "success"
    assert r.json["result"]["deepfake_status"] in ("REAL", "FAKE")
    assert_answer(post_frames(client, frames), 404, {"error": "Not found"})
    assert_answer(post_video(client, None), 400, NO_FILE)
    assert_answer(client.post(VIDEO, data=b'{"frames": ["%%"]}', headers=AUTH), 415, BAD_FRAME)


# ---- auth: key first, then Basic; gateway bodies ----------------------------------------------------

@pytest.mark.parametrize("headers, status, body, challenge", [
    ({}, 401, {"error": "Authorization field missing"}, False),
    ({"Authorization": BASIC}, 401, {"error": "Authorization field missing"}, False),
    ({"x-api-key": "", "Authorization": BASIC}, 401, {"error": "Authorization field missing"}, False),
    ({"x-api-key": "wrong", "Authorization": BASIC}, 403,
     {"error": "Access to this API has been disallowed"}, False),
    ({"x-api-key": "wrong", "Authorization": "Basic " + b64(b"who:nope")}, 403,
     {"error": "Access to this API has been disallowed"}, False),
    ({"x-api-key": KEY}, 401, {"error": "Authorization field missing"}, True),
    ({"x-api-key": KEY, "Authorization": "Basic"}, 400,
     {"error": "Attempted access with malformed header, header not in basic auth format"}, False),
    ({"x-api-key": KEY, "Authorization": "Basic !!!!"}, 400,
     {"error": "Attempted access with malformed header, auth data not encoded correctly"}, False),
    ({"x-api-key": KEY, "Authorization": "Basic " + b64(b"userpass")}, 400,
     {"error": "Attempted access with malformed header, values not in basic auth format"}, False),
    ({"x-api-key": KEY, "Authorization": "Basic " + b64(b"user:wrong")}, 401,
     {"error": "User not authorised"}, True),
    ({"x-api-key": KEY, "Authorization": "Basic " + b64(b"nobody:pass")}, 401,
     {"error": "User not authorised"}, True),
])
@pytest.mark.parametrize("endpoint", ["video", "frames"])
def test_auth_errors_have_gateway_bodies(client, settings, endpoint, headers, status, body, challenge):
    if endpoint == "video":
        r = post_video(client, MP4, headers=headers)
    else:
        r = post_frames(client, [b64(media.image("png", 8, 8))], headers=headers)
    assert_answer(r, status, body)
    assert r.headers.get("WWW-Authenticate") == (CHALLENGE if challenge else None)
    assert spool_is_empty(settings)


def test_auth_comes_before_body_validation(client):
    assert post_video(client, None, headers={"x-api-key": "wrong"}).status_code == 403
    r = post_frames(client, body=b"{not json", headers={"x-api-key": KEY})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == CHALLENGE


def test_sdk_headers_are_tolerated_and_bearer_prefix_ignored(client):
    headers = dict(AUTH, **{"x-api-key": f"Bearer {KEY}", "User-Agent": "go/GLAIR-Vision-SDK",
                            "GLAIR-Vision-Java-SDK-Version": "1.0.0", "x-request-id": "dbg-1"})
    assert_success(post_video(client, MP4, headers=headers))


def test_credentials_are_settings(settings, make_client):
    settings["vendors"] = {"glair": {"api_keys": ["k-1", "k-2"], "users": ["acme:s3cret"]}}
    client = make_client(settings)
    ok = {"x-api-key": "k-2", "Authorization": "Basic " + b64(b"acme:s3cret")}
    assert_success(post_video(client, MP4, headers=ok))
    assert post_video(client, MP4).status_code == 403  # the default key is no longer accepted
    assert post_video(client, MP4, headers=dict(ok, Authorization=BASIC)).status_code == 401


def test_unusable_credential_settings_refuse_to_start(settings):
    settings["vendors"] = {"glair": {"users": ["a:b:c"]}}
    with pytest.raises(ValueError):
        create_app(settings)


# ---- Request-Id ----------------------------------------------------------------------------------

def test_request_id_is_on_every_answer_and_fresh(client, admin):
    answers = [post_video(client, MP4), post_video(client, None), post_video(client, MP4, headers={}),
               client.get(VIDEO, headers=AUTH), client.post("/glair/face/v1/nothing", headers=AUTH)]
    admin.set_rate_limit("glair", 0, 60)
    answers.append(post_video(client, MP4))
    ids = [r.headers["Request-Id"] for r in answers]
    assert [r.status_code for r in answers] == [200, 400, 401, 405, 404, 429]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 for i in ids)


def test_request_id_echoes_x_request_id_only_when_set(client, settings, make_client):
    headers = dict(AUTH, **{"x-request-id": "trace-42"})
    assert post_video(client, MP4, headers=headers).headers["Request-Id"] != "trace-42"
    settings["vendors"] = {"glair": {"echo_request_id": True}}
    echo = make_client(settings)
    assert post_video(echo, MP4, headers=headers).headers["Request-Id"] == "trace-42"
    assert post_video(echo, None, headers=headers).headers["Request-Id"] == "trace-42"
    assert uuid.UUID(post_video(echo, MP4).headers["Request-Id"])


# ---- no file -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    dict(data=None),
    dict(data=None, extra={"other": "x"}),
    dict(data=MP4, field="file"),
    dict(data=b""),
])
def test_video_request_without_a_file_is_400_error(client, settings, kwargs):
    assert_answer(post_video(client, **kwargs), 400, NO_FILE)
    assert spool_is_empty(settings)


@pytest.mark.parametrize("content_type, body", [
    (None, b""),
    ("application/json", b'{"video": "abc"}'),
    ("application/json", json.dumps({"frames": [b64(media.image("png", 8, 8))]}).encode()),
    ("application/x-www-form-urlencoded", b"video=abc"),
    ("multipart/form-data", b"--x\r\n"),
    ("multipart/form-data; boundary=zzz", b"garbage without any part"),
    ("video/mp4", MP4),
])
def test_video_endpoint_needs_a_multipart_video_part(client, settings, content_type, body):
    headers = dict(AUTH, **({"Content-Type": content_type} if content_type else {}))
    assert_answer(client.post(VIDEO, data=body, headers=headers), 400, NO_FILE)
    assert spool_is_empty(settings)


def test_video_sent_as_a_text_field_is_no_file(client):
    r = client.post(VIDEO, data={"video": "not a file"}, headers=AUTH, content_type="multipart/form-data")
    assert_answer(r, 400, NO_FILE)


@pytest.mark.parametrize("body", [b"", b"   ", b"{}", b"[]", b"null", b'{"frames": []}',
                                  b'{"frames": "abc"}', b'{"frames": {"0": "abc"}}', b'{"images": ["abc"]}'])
def test_frames_without_frames_are_400_error(client, body):
    assert_answer(post_frames(client, body=body), 400, NO_FILE)


@pytest.mark.parametrize("body", [b"{", b"frames=abc", b"\xff\xfe", b"{'frames': []}"])
def test_frames_body_that_is_not_json_is_400_error(client, body):
    assert_answer(post_frames(client, body=body), 400, {"reason": "Invalid JSON body", "status": "ERROR"})


def test_error_status_setting_uses_the_sibling_no_file(settings, make_client):
    settings["vendors"] = {"glair": {"error_status": "NO_FILE"}}
    client = make_client(settings)
    body = {"reason": "No file in request body", "status": "NO_FILE"}
    assert_answer(post_video(client, None), 400, body)
    assert_answer(post_frames(client, []), 400, body)


# ---- invalid format ------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"plain text named clip.mp4",
    media.image("png", 32, 32),
    audio_only_mp4(),
    media.audio("m4a", seconds=1),
    media.video(seconds=1, fmt="mov"),
    media.video(seconds=1, fmt="avi"),
    media.video(seconds=1, fmt="matroska"),
    MP4[: len(MP4) // 2],
    MP4[:32] + bytes(len(MP4) - 32),
], ids=["text", "png", "audio-only-mp4", "m4a", "mov", "avi", "mkv", "truncated", "zeroed"])
def test_anything_but_an_mp4_video_is_415(client, settings, data):
    assert_answer(post_video(client, data), 415, BAD_VIDEO)
    assert spool_is_empty(settings)


@pytest.mark.parametrize("frame", [
    "%%%not-base64%%%",
    "data:image/jpeg;base64," + b64(media.image("jpeg", 16, 16)),
    b64(b"plain text"),
    b64(media.image("gif", 16, 16)),
    b64(media.image("jpeg", 64, 64))[:200],
    b64(MP4),
    "",
    12345,
    None,
], ids=["not-base64", "data-uri", "text", "gif", "cut-base64", "mp4", "empty", "number", "null"])
def test_frames_that_are_not_base64_images_are_415(client, frame):
    assert_answer(post_frames(client, [b64(media.image("png", 16, 16)), frame]), 415, BAD_FRAME)


# ---- sizes ---------------------------------------------------------------------------------------

def test_video_over_6mb_is_413_failed(client, settings):
    r = post_video(client, bytes(7_000_000))
    assert_answer(r, 413, {"reason": "File size exceeds the maximum of 6MB", "status": "FAILED"})
    assert spool_is_empty(settings)


def test_frames_over_6mb_in_total_are_413_failed(client):
    frame = b64(bytes(3_500_000))
    r = post_frames(client, [frame, frame])
    assert_answer(r, 413, {"reason": "Total frames size exceeds the maximum of 6MB", "status": "FAILED"})


def test_oversize_status_setting_answers_400(settings, make_client):
    settings["vendors"] = {"glair": {"oversize_status": 400}}
    client = make_client(settings)
    assert post_video(client, bytes(7_000_000)).status_code == 400
    assert post_frames(client, [b64(bytes(7_000_000))]).status_code == 400


@pytest.mark.parametrize("path, reason", [
    (VIDEO, "File size exceeds the maximum of 6MB"),
    (FRAMES, "Total frames size exceeds the maximum of 6MB"),
])
def test_body_far_over_the_limit_is_refused_before_reading(client, settings, path, reason):
    r = client.post(path, data=bytes(13 * MIB), headers=AUTH, content_type="application/json")
    assert_answer(r, 413, {"reason": reason, "status": "FAILED"})
    assert spool_is_empty(settings)


def test_limit_is_a_setting(settings, make_client):
    settings["vendors"] = {"glair": {"max_input_bytes": len(MP4) - 1}}
    client = make_client(settings)
    assert post_video(client, MP4).status_code == 413


# ---- routing, faults, rate limit ---------------------------------------------------------------

def test_wrong_method_and_unknown_path_get_gateway_bodies(client):
    assert_answer(client.get(VIDEO, headers=AUTH), 405, {"error": "Method not allowed"})
    assert_answer(client.get(FRAMES), 405, {"error": "Method not allowed"})
    assert_answer(client.post("/glair/face/v1/deepfakes", headers=AUTH), 404, {"error": "Not found"})


@pytest.mark.parametrize("status, body", [(500, FAILED), (429, {"error": "Rate limit exceeded"}),
                                          (403, {"error": "Access to this API has been disallowed"})])
def test_status_faults_use_vendor_bodies(client, admin, status, body):
    admin.add_fault(fault="status", status=status, vendor="glair", times=1)
    assert_answer(post_video(client, MP4), status, body)
    assert_success(post_video(client, MP4))


def test_gateway_5xx_fault_is_an_html_page(client, admin):
    admin.add_fault(fault="status", status=502, vendor="glair", operation="detect_deepfake_frames")
    r = post_frames(client, [b64(media.image("png", 8, 8))])
    assert r.status_code == 502
    assert r.mimetype == "text/html"
    assert r.get_data(as_text=True) == "<html><body><p>502 - Bad Gateway</p></body></html>"
    assert "Request-Id" in r.headers


def test_malformed_fault_cuts_the_body(client, admin):
    admin.add_fault(fault="malformed", vendor="glair", times=1)
    r = post_video(client, MP4)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.get_data())


def test_rate_limit_is_off_by_default_and_429_when_on(client, admin):
    for _ in range(5):
        assert post_video(client, None).status_code == 400
    admin.set_rate_limit("glair", 2, window=60)
    assert post_video(client, None).status_code == 400
    assert post_video(client, None).status_code == 400
    r = post_video(client, MP4)
    assert_answer(r, 429, {"error": "Rate limit exceeded"})
    assert not [h for h in r.headers.keys() if h.lower().startswith(("x-ratelimit", "retry-after"))]
    admin.advance_clock(60)
    assert_success(post_video(client, MP4))


def test_rate_limit_counts_per_api_key(settings, make_client):
    settings["vendors"] = {"glair": {"api_keys": ["a", "b"], "rate_limit": {"limit": 1, "window": 60}}}
    client = make_client(settings)
    assert post_video(client, MP4, headers=dict(AUTH, **{"x-api-key": "a"})).status_code == 200
    assert post_video(client, MP4, headers=dict(AUTH, **{"x-api-key": "a"})).status_code == 429
    assert post_video(client, MP4, headers=dict(AUTH, **{"x-api-key": "b"})).status_code == 200


def test_journal_redacts_credentials(client, admin):
    post_video(client, MP4)
    entry = admin.list_requests(vendor="glair")[-1]
    assert entry["operation"] == "detect_deepfake_video"
    assert KEY not in json.dumps(entry["headers"]) and BASIC not in json.dumps(entry["headers"])


def test_single_vendor_mode_serves_real_paths(settings, make_client):
    settings["vendor"] = "glair"
    client = make_client(settings)
    r = client.post("/face/v1/deepfake", data={"video": (io.BytesIO(MP4), "a.mp4")}, headers=AUTH,
                    content_type="multipart/form-data")
    assert_success(r)
    r = client.post("/face/v1/deepfake/images", data=json.dumps({"frames": [b64(media.image())]}),
                    headers=AUTH)
    assert_success(r)


@pytest.mark.in_process
def test_routes_match_the_spec_both_ways(app):
    spec = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "../../../openapi/glair.yaml")))
    documented = {(path, method.upper(), op["operationId"])
                  for path, item in spec["paths"].items() for method, op in item.items()}
    served = {(rule.rule.removeprefix("/glair"), method, rule.endpoint.split(".")[-1])
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("glair.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    assert app.test_client().get("/glair/openapi.yaml").status_code == 200


# ---- open-ended input ----------------------------------------------------------------------------

JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@hsettings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.one_of(JSONISH, st.fixed_dictionaries({"frames": JSONISH}),
                     st.fixed_dictionaries({"frames": st.lists(st.text(max_size=40), max_size=3)})),
       content_type=st.sampled_from([None, "application/json", "text/plain"]))
def test_any_frames_body_gets_a_documented_answer(client, settings, doc, content_type):
    r = post_frames(client, body=json.dumps(doc).encode(), content_type=content_type)
    assert r.status_code in (200, 400, 415), r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert r.json["status"] in ("SUCCESS", "ERROR", "FILE_INVALID_FORMAT")
    assert spool_is_empty(settings)


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), cut=st.integers(0, len(MP4)))
def test_any_video_bytes_get_a_documented_answer(client, settings, data, cut):
    r = post_video(client, MP4[:cut] + data)
    assert r.status_code in (200, 400, 415), r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert spool_is_empty(settings)
