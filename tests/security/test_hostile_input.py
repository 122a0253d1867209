"""Hostile input: deeply nested JSON, decompression-bomb images, absurd audio headers, oversized
request lines and headers, and methods no route has. Each answer is the vendor's own, never a
500, an HTML page or an afternoon of CPU."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.core import jsonbody
from deepfake_mock.core.media import MediaLimits, probe
from deepfake_mock.core.specs import Spec
from deepfake_mock.registry import VENDORS
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess
from deepfake_mock.web.vendor import RequestContext
from deepfake_mock.vendors.hiya.analysis import analyse_file

RESEMBLE = {"Authorization": "Bearer resemble-test-token"}
HIYA = {"Authorization": "Bearer hiya-key-user-a"}
GLAIR = {"x-api-key": "test-key", "Authorization": "Basic dXNlcjpwYXNz"}
CREDENTIALS = {"resemble": RESEMBLE, "hiya": HIYA, "glair": GLAIR}
SPACE = "/hiya/v1/spaces/user-a/main"
PHONEXIA_AV = "/phonexia/api/technology/experimental/authenticity-verification"
# path parameters that name resources the fixtures create (anything else gets "x")
PATH_VALUES = {"owner": "user-a", "space": "main", "slug": "resemble"}


def spec_operations(include_admin: bool = True) -> list[tuple[str, Spec]]:
    specs = [(v.slug, Spec(SPEC_DIR / v.spec)) for v in VENDORS]
    if include_admin:
        specs.append(("_admin", Spec(SPEC_DIR / "admin.yaml")))
    return specs


def json_operations() -> list[tuple[str, str, str]]:
    """(prefix, method, path) of every operation of every spec that takes a JSON body."""
    found = []
    for prefix, spec in spec_operations():
        for op in spec.operations.values():
            body = spec.document["paths"][op.path][op.method.lower()].get("requestBody", {})
            if any("json" in media for media in body.get("content", {})):
                found.append((prefix, op.method, op.path))
    return found


def url_of(prefix: str, path: str) -> str:
    """A URL of a spec path (the admin spec's paths already start with /_admin)."""
    path = re.sub(r"\{([^}]+)\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)
    return path if prefix == "_admin" else f"/{prefix}{path}"


def nested(depth: int, opener: str = "[") -> bytes:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return (opener * depth + "1" + closer * depth).encode()


# ---- 1. deeply nested JSON ---------------------------------------------------------------------

@pytest.fixture
def detect_uuid(client):
    answer = client.post("/resemble/api/v2/detect", headers=RESEMBLE, data={
        "file": (io.BytesIO(media.wav(seconds=2.0)), "a.wav", "audio/wav")})
    assert answer.status_code in (200, 202), answer.get_json()
    return answer.get_json()["item"]["uuid"]


def test_deep_json_gets_each_vendors_malformed_body_answer(client, detect_uuid):
    cases = [
        ("POST", "/resemble/api/v2/detect", RESEMBLE, 400,
         {"success": False, "message": "Request body must be a JSON object"}),
        ("POST", f"/resemble/api/v2/detects/{detect_uuid}/intelligence", RESEMBLE, 400, None),
        ("POST", "/hiya/v1/auth/credentials", {}, 400, None),
        ("POST", f"{SPACE}/audios", HIYA, 400, None),
        ("PATCH", SPACE, HIYA, 400, None),
        ("POST", "/_admin/faults", {}, 400, {"error": "the body must be a JSON object"}),
    ]
    for method, path, headers, status, body in cases:
        malformed = client.open(path, method=method, headers=headers, data=b'{"a": ',
                                content_type="application/json")
        deep = client.open(path, method=method, headers=headers, data=nested(10_000),
                           content_type="application/json")
        assert (deep.status_code, deep.get_json()) == (malformed.status_code,
                                                       malformed.get_json()), path
        assert deep.status_code == status, (path, deep.get_json())
        if body is not None:
            assert deep.get_json() == body


@hsettings(max_examples=60, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operation=st.sampled_from(json_operations()), depth=st.integers(65, 20_000),
       opener=st.sampled_from(["[", '{"a":']))
def test_every_json_operation_answers_deep_json_as_malformed_json(client, operation, depth,
                                                                   opener):
    prefix, method, path = operation
    url = url_of(prefix, path)
    headers = CREDENTIALS.get(prefix, {})
    malformed = client.open(url, method=method, headers=headers, data=b"[1,",
                            content_type="application/json")
    deep = client.open(url, method=method, headers=headers, data=nested(depth, opener),
                       content_type="application/json")
    assert deep.status_code < 500, (url, deep.get_data()[:300])
    assert deep.status_code == malformed.status_code, url
    assert deep.get_json() == malformed.get_json(), url


def test_deep_json_in_strict_mode_is_a_violation_not_a_crash(admin, client):
    admin.set_strict("reject")
    deep = client.post("/resemble/api/v2/detect", headers=RESEMBLE, data=nested(10_000),
                       content_type="application/json")
    assert deep.status_code == 400
    assert deep.get_json()["success"] is False


def test_deep_phonexia_config_is_the_malformed_config_answer(client):

    def submit(config: bytes):
        return client.post(PHONEXIA_AV, data={"file": (io.BytesIO(media.wav(seconds=1.0)), "a.wav"),
                                 "config": config.decode()})
    malformed, deep = submit(b'{"a": '), submit(nested(10_000, '{"a":'))
    assert deep.status_code == malformed.status_code == 400
    assert deep.get_json() == malformed.get_json()


def test_depth_limit_leaves_ordinary_documents_alone():
    assert jsonbody.loads(nested(64)) == jsonbody.loads(nested(64))
    with pytest.raises(ValueError):
        jsonbody.loads(nested(65))
    with pytest.raises(ValueError):
        jsonbody.loads(nested(100_000))


# ---- 5. OPTIONS and TRACE ----------------------------------------------------------------------

def spec_paths() -> list[tuple[str, str, set[str]]]:
    """(prefix, spec path, the spec's methods there plus what Flask adds) of every spec."""
    found = {}
    for prefix, spec in spec_operations():
        for op in spec.operations.values():
            found.setdefault((prefix, op.path), {"OPTIONS"}).add(op.method)
    for methods in found.values():
        if "GET" in methods:
            methods.add("HEAD")
    return [(prefix, path, methods) for (prefix, path), methods in found.items()]


def rendered_405(app, prefix: str) -> tuple[int, dict | str]:
    """What a vendor (or the admin API) answers a method its path does not have: 405, except
    where the vendor's catalogue says otherwise (FinAuth: 404 API_NOT_FOUND, its spec's note)."""
    vendor = {v.slug: v for v in VENDORS}.get(prefix)
    if vendor is None:
        return 405, {"error": "The method is not allowed for the requested URL."}
    with app.test_request_context(f"/{prefix}/"):
        ctx = RequestContext.new(vendor, app.extensions["deepfake_mock"])
        status, body, _ = vendor.render_error(vendor.status_error(405, ctx), ctx)
    return status, body


@pytest.mark.parametrize("prefix,path,methods", spec_paths(),
                         ids=[f"{p}{s}" for p, s, _ in spec_paths()])
def test_options_and_trace_name_exactly_the_paths_methods(app, client, prefix, path, methods):
    url = url_of(prefix, path)
    options = client.options(url)
    assert options.status_code == 200, (url, options.get_data()[:200])
    assert set(options.headers["Allow"].split(", ")) == methods
    trace = client.open(url, method="TRACE", headers=CREDENTIALS.get(prefix, {}))
    status, body = rendered_405(app, prefix)
    assert trace.status_code == status
    assert set(trace.headers["Allow"].split(", ")) == methods
    assert (trace.get_json() if isinstance(body, dict) else trace.get_data(as_text=True)) == body


def test_trace_is_405_in_the_vendors_envelope(client):
    trace = client.open("/resemble/api/v2/detect/batch", method="TRACE", headers=RESEMBLE)
    assert (trace.status_code, trace.headers["Allow"]) == (405, "OPTIONS, POST")
    assert trace.get_json() == {"success": False, "message": "Method not allowed"}
    trace = client.open(f"{SPACE}/voiceprints/x/y:compute", method="TRACE", headers=HIYA)
    assert (trace.status_code, trace.headers["Allow"]) == (405, "OPTIONS, POST")


def test_options_is_not_an_operation_no_credentials_no_coverage(client, admin):
    answer = client.options("/resemble/api/v2/detect/batch")
    assert (answer.status_code, answer.headers["Allow"]) == (200, "OPTIONS, POST")
    assert [e["operation"] for e in admin.list_requests(vendor="resemble")] == [None]
    operations = admin.get_coverage("resemble")["vendors"][0]["operations"]
    assert sum(op["requests"] for op in operations) == 0


# ---- 2 and 3. decompression bombs and absurd audio headers -------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bomb_png(side: int = 13_000) -> bytes:
    """A valid RGBA PNG of side x side black pixels: 657 KB that decode to 676 MB at 13,000."""
    packer = zlib.compressobj(9)
    rows = (b"\0" + b"\0" * side * 4) * 500
    data = b"".join(packer.compress(rows) for _ in range(side // 500)) + packer.compress(
        (b"\0" + b"\0" * side * 4) * (side % 500)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data)
            + _png_chunk(b"IEND", b""))


def wav_at(rate: int, frames: int = 80_000) -> bytes:
    """A 16-bit mono WAV of ``frames`` samples declaring ``rate`` Hz (1 Hz: 22 hours, 160 KB)."""
    return media.pcm_wav(b"\x01\x02" * frames, rate)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "bomb.png"
    path.write_bytes(bomb_png())
    return path


def test_probe_refuses_a_decompression_bomb_from_its_header(bomb):
    info = probe(str(bomb))
    assert info.kind is None and (info.width, info.height) == (13_000, 13_000)
    assert info.error == "image too large: 13000x13000 pixels (at most 40000000 accepted)"
    assert probe(str(bomb), MediaLimits(max_image_pixels=170_000_000),
                 decode_images=False).kind == "image"  # under a raised cap: header only


def test_probe_refuses_absurd_sample_rates_and_durations(tmp_path):
    for rate, accepted in ((1, False), (999, False), (1000, True), (384_000, True),
                           (384_001, False)):
        path = tmp_path / f"{rate}.wav"
        path.write_bytes(wav_at(rate, frames=min(80_000, rate * 2)))
        info = probe(str(path))
        assert (info.kind == "audio") is accepted, (rate, info.error)
        if not accepted:
            assert info.error == f"unsupported sample rate: {rate} Hz (accepted: 1000..384000 Hz)"
    path = tmp_path / "ten-seconds.wav"
    path.write_bytes(media.wav(seconds=10.0, sample_rate=8000))
    assert probe(str(path), MediaLimits(max_seconds=5)).error == \
        "media too long: 10 s (at most 5 s accepted)"
    assert probe(str(path), MediaLimits(max_seconds=11)).duration == pytest.approx(10.0)


def test_hiya_analysis_refuses_the_one_hertz_wav_without_decoding(tmp_path):
    path = tmp_path / "slow.wav"
    path.write_bytes(wav_at(1))
    assert analyse_file(str(path)) is None
    path.write_bytes(media.wav(seconds=10.0, sample_rate=8000))
    assert analyse_file(str(path), MediaLimits(max_seconds=5)) is None
    assert analyse_file(str(path)).duration == pytest.approx(10.0)


def test_each_vendor_answers_hostile_media_with_its_bad_media_error(client, bomb):
    png, slow = bomb.read_bytes(), wav_at(1)
    for data, name, kind in ((png, "a.png", "image/png"), (slow, "a.wav", "audio/wav")):
        resemble = client.post("/resemble/api/v2/detect", headers=RESEMBLE, data={
            "file": (io.BytesIO(data), name, kind)})
        assert (resemble.status_code, resemble.get_json()) == (
            400, {"success": False, "message": "File must be valid media format"})
        phonexia = client.post(PHONEXIA_AV, data={"file": (io.BytesIO(data), name, kind)})
        assert phonexia.status_code == 422
        assert phonexia.get_json()["detail"][0]["message"] == "Unsupported or corrupted media file."
        hiya = client.post(f"{SPACE}/audios", headers=HIYA,
                           json={"file": base64.b64encode(data).decode()})
        assert hiya.status_code == 201
        assert (hiya.get_json()["state"], hiya.get_json()["duration"]) == ("notAvailable", "PT0S")


def _worker_peak_rss_mb(master_pid: int) -> float:
    """Peak resident memory (VmHWM) of the largest worker under a gunicorn master (Linux)."""
    peaks = []
    for status in __import__("pathlib").Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if fields.get("PPid", "").strip() == str(master_pid):
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    assert peaks, "no worker found"
    return max(peaks)


def test_a_decompression_bomb_costs_a_gunicorn_worker_no_memory(bomb, tmp_path):
    import requests
    png = bomb.read_bytes()
    with ServerProcess(workers=1, spool_dir=tmp_path / "spool") as server:
        answers = [
            requests.post(f"{server.url}/resemble/api/v2/detect", headers=RESEMBLE,
                          files={"file": ("a.png", png, "image/png")}, timeout=60),
            requests.post(f"{server.url}{PHONEXIA_AV}", files={"file": ("a.png", png)},
                          timeout=60),
            requests.post(f"{server.url}{SPACE}/audios", headers=HIYA, timeout=60,
                          json={"file": base64.b64encode(png).decode()}),
        ]
        peak = _worker_peak_rss_mb(server.pid)
    assert [a.status_code for a in answers] == [400, 422, 201]
    assert peak < 200, f"a worker peaked at {peak:.0f} MB"


# ---- 4. oversized request lines and headers -----------------------------------------------------

HEAD_ANSWERS = {  # (414 body, 431 body) of each vendor's envelope, and the admin API's
    "/resemble/api/v2/detect": ({"success": False, "message": "URI too long"},
                                {"success": False, "message": "Request header fields too large"}),
    "/phonexia/api/system/info": (
        {"type": "request.uri-too-long", "message": "The request URI is too long.", "detail": []},
        {"type": "request.header-fields-too-large",
         "message": "The request header fields are too large.", "detail": []}),
    f"{SPACE}/audios": ({"message": "Request uri too long"},
                        {"message": "Request header fields too large"}),
}


def test_oversized_heads_get_the_vendors_envelope_through_gunicorn(tmp_path):
    import requests
    with ServerProcess(workers=1, spool_dir=tmp_path / "spool") as server:
        for path, (uri_body, header_body) in HEAD_ANSWERS.items():
            long_line = requests.get(f"{server.url}{path}?q={'a' * 5000}", timeout=30)
            assert (long_line.status_code, long_line.json()) == (414, uri_body), path
            big_header = requests.get(f"{server.url}{path}", headers={"X-Big": "a" * 65_536},
                                      timeout=30)
            assert (big_header.status_code, big_header.json()) == (431, header_body), path
        many = requests.get(f"{server.url}/resemble/api/v2/detect", timeout=30,
                            headers={f"X-Field-{i}": "1" for i in range(150)})
        assert (many.status_code, many.json()) == (431, HEAD_ANSWERS[
            "/resemble/api/v2/detect"][1])
        finauth = requests.post(f"{server.url}/finauth/finauth/v5/anti_deepfake?{'a' * 5000}",
                                timeout=30)
        assert (finauth.status_code, finauth.text) == (414, "414 Request-URI Too Long")
        admin = requests.get(f"{server.url}/_admin/health", headers={"X-Big": "a" * 65_536},
                             timeout=30)
        assert admin.status_code == 431 and "error" in admin.json()
        within = requests.get(f"{server.url}/_admin/health?q={'a' * 4000}", timeout=30)
        assert within.status_code == 200
