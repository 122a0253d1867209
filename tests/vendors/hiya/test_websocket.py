"""Hiya's streaming authenticity verification (mode ``websocket``) through the real server
(gunicorn's gthread workers, as ``serve --worker-class gthread`` runs them for many open
streams, and the default sync worker for one), a SQLite state file), driven by the ``websockets`` client the way
the vendor's ``streaming-verification/verify.mjs`` drives the real service: bearer auth and a
User-Agent on the handshake, an init message, the audio file in 16 KiB binary messages, then
``{"type": "close"}``; the answer is a chunk message per analysed chunk, then the verification,
then the server closes the connection."""

from __future__ import annotations

import base64
import sys
import contextlib
import json
from pathlib import Path

import jsonschema
import pytest
import requests
import yaml
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.sync.client import connect

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess

SPACE = "/hiya/v1/spaces/user-a/main"
STREAM = SPACE + "/verify/authenticity"
AUTH = {"Authorization": "Bearer hiya-key-user-a"}
EXAMPLE_HEADERS = {**AUTH, "User-Agent": "streaming-verification-example/1.0"}
CHUNK_SIZE = 16 * 1024
EXAMPLE_INIT = {"model": "phone", "config": {"synthesisSources": False}}
SPEC = yaml.safe_load((Path(__file__).parents[3] / "openapi" / "hiya.yaml").read_text())
MESSAGES = SPEC["paths"]["/v1/spaces/{owner}/{space}/verify/authenticity"]["get"]["x-websocket"]
WAV = media.wav(9, sample_rate=8000, variant=4)
GTHREAD_SERVE = (sys.executable, "-m", "deepfake_mock", "serve", "--worker-class", "gthread")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hiya-ws")
    with ServerProcess(workers=2, state=tmp / "state.sqlite3", spool_dir=tmp / "spool",
                       command=GTHREAD_SERVE) as running:
        yield running


def ws_url(server, path: str = STREAM) -> str:
    return server.url.replace("http://", "ws://") + path


def open_stream(server, path: str = STREAM, headers=EXAMPLE_HEADERS):
    return connect(ws_url(server, path), additional_headers=headers, proxy=None,
                   open_timeout=30, close_timeout=10)


def stream(server, audio: bytes = WAV, *, init=None, path: str = STREAM,
           pieces: list[int] | None = None) -> list[dict]:
    """verify.mjs's flow; every message the server sent until it closed the connection. Like
    verify.mjs, sending stops once the server has closed (after an error message)."""
    init = EXAMPLE_INIT if init is None else init
    with open_stream(server, path) as ws:
        try:
            ws.send(json.dumps(init))
            for piece in split(audio, pieces or [CHUNK_SIZE]):
                ws.send(piece)
            ws.send(json.dumps({"type": "close"}))
        except ConnectionClosedOK:
            pass
        return receive_all(ws)


def receive_all(ws) -> list[dict]:
    """Every message until the server closes (with 1000), each as the spec's x-websocket
    documents the server's messages."""
    messages = []
    try:
        while True:
            messages.append(json.loads(ws.recv(timeout=60)))
    except ConnectionClosedOK:
        assert ws.close_code == 1000
    for message in messages:
        assert_documented(message, "server")
    return messages


def assert_documented(message, side: str) -> None:
    kinds = {m["name"]: m for m in MESSAGES[side]}
    if side == "client":
        name = "close" if message == {"type": "close"} else "init"
    else:
        name = message["type"]
    schema = {**kinds[name]["schema"], "components": SPEC["components"]}
    jsonschema.Draft202012Validator(schema).validate(message)


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` in pieces of the given sizes, the last size repeating."""
    pieces, at, i = [], 0, 0
    while at < len(data):
        size = sizes[min(i, len(sizes) - 1)]
        pieces.append(data[at:at + size])
        at, i = at + size, i + 1
    return pieces


def rest(server, path: str, **params):
    r = requests.get(f"{server.url}{path}", headers=AUTH, params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r


# ---- the documented flow ------------------------------------------------------------------

def test_the_example_flow_answers_chunks_then_the_verification_stored_as_websocket(server):
    assert_documented(EXAMPLE_INIT, "client")
    assert_documented({"type": "close"}, "client")
    messages = stream(server)
    *chunks, final = messages
    assert [m["type"] for m in chunks] == ["chunk"] * len(chunks) and len(chunks) == 3
    assert final["type"] == "verification"
    v = final["verification"]
    assert (v["mode"], v["model"], v["state"], v["audio"], v["alias"]) == \
        ("websocket", "phone/v1", "performed", None, None)
    assert (v["duration"], v["chunks"]) == ("PT9.000S", 3)
    assert 0 <= v["scores"]["synthesis"] <= 1
    assert [c["chunk"]["startTime"] for c in chunks] == ["PT0S", "PT4.000S", "PT8.000S"]
    assert [c["chunk"]["label"] for c in chunks] == ["validVoice", "validVoice", "insufficientVoice"]
    assert chunks[-1]["chunk"]["scores"] == {"synthesis": None}
    for c in chunks:
        assert set(c["chunk"]) == {"startTime", "endTime", "duration", "voiceDuration", "label",
                                   "scores"}
    # the REST views show it as the vendor's API would: get, list, usage records
    got = rest(server, f"{SPACE}/verifications/authenticity/{v['handle']}").json()
    assert got["mode"] == "websocket" and got["audio"] is None
    assert got["scores"] == v["scores"] and len(got["chunks"]) == 3
    assert [c["scores"] for c in got["chunks"]] == [c["chunk"]["scores"] for c in chunks]
    listed = rest(server, f"{SPACE}/verifications/authenticity", search=v["handle"]).json()
    assert [item["handle"] for item in listed] == [v["handle"]]
    records = rest(server, "/hiya/v1/user/records/verification", **{"page-size": 50}).json()
    assert v["handle"] in [r["verification"]["handle"] for r in records]
    # the journal shows the handshake as the switch it was
    journal = AdminClient(server.url).list_requests(operation="stream_authenticity_verification")
    assert [entry["status"] for entry in journal][-1:] == [101]


def test_the_regional_base_path_streams_into_the_same_space(server):
    *_, final = stream(server, path="/hiya/audiointel/eu/v1/spaces/user-a/main/verify/authenticity")
    handle = final["verification"]["handle"]
    assert rest(server, f"{SPACE}/verifications/authenticity/{handle}").json()["mode"] == "websocket"


def test_the_same_audio_gets_the_same_scores_over_rest_and_websocket(server):
    *_, final = stream(server, init={"model": "digital"}, audio=media.wav(5, variant=7))
    audio = requests.post(f"{server.url}{SPACE}/audios", headers=AUTH, timeout=30,
                          json={"file": base64.b64encode(media.wav(5, variant=7)).decode()})
    by_rest = requests.post(f"{server.url}{SPACE}/verifications/authenticity", headers=AUTH,
                            json={"audio": audio.json()["handle"], "model": "digital"}, timeout=30)
    assert by_rest.json()["mode"] == "restApi"
    assert by_rest.json()["scores"] == final["verification"]["scores"]


@hsettings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.integers(1, 40_000), min_size=1, max_size=6))
def test_how_the_audio_is_cut_into_messages_does_not_matter(server, pieces):
    *chunks, final = stream(server, pieces=pieces)
    assert final["verification"]["duration"] == "PT9.000S" and len(chunks) == 3
    assert final["verification"]["scores"] == stream(server)[-1]["verification"]["scores"]


def silent_wav(seconds: float, rate: int = 8000) -> bytes:
    return media.pcm_wav(b"\0\0" * int(seconds * rate), rate)


def test_too_little_voice_is_performed_without_score(server):
    *chunks, final = stream(server, silent_wav(3))
    assert final["verification"]["state"] == "performedWithoutScore"
    assert final["verification"]["scores"]["synthesis"] is None
    assert {c["chunk"]["label"] for c in chunks} == {"insufficientVoice"}


# ---- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("path, headers, status, message", [
    (STREAM, {}, 401, "Unauthorized"),
    (STREAM, {"Authorization": "Bearer nope"}, 401, "Unauthorized"),
    ("/hiya/v1/spaces/user-b/main/verify/authenticity", AUTH, 403, "Forbidden"),
    ("/hiya/v1/spaces/user-a/nowhere/verify/authenticity", AUTH, 404, "Resource not found"),
])
def test_the_handshake_is_refused_with_the_vendor_error(server, path, headers, status, message):
    with pytest.raises(InvalidStatus) as refused:
        open_stream(server, path, headers)
    response = refused.value.response
    assert response.status_code == status
    assert json.loads(response.body) == {"message": message}


def test_a_plain_get_of_the_websocket_path_is_an_invalid_request(server):
    r = requests.get(f"{server.url}{STREAM}", headers=AUTH, timeout=10)
    assert (r.status_code, r.json()) == (400, {"message": "Invalid request"})


@pytest.mark.parametrize("init, message", [
    ({"model": "nope"}, "Resource not found"),
    ({"config": {}}, "Invalid request"),
    ({"model": "phone", "extra": 1}, "Invalid request"),
    ({"model": "phone", "config": {"synthesisSources": "yes"}}, "Invalid request"),
    ([], "Invalid request"),
])
def test_a_bad_init_message_is_an_error_message(server, init, message):
    if message == "Invalid request":  # the spec's init schema refuses it too
        with pytest.raises(jsonschema.ValidationError):
            assert_documented(init, "client")
    assert stream(server, init=init) == [{"type": "error", "message": message}]


def test_an_init_that_is_not_json_text_is_an_error_message(server):
    for first in ("not json", b'{"model": "phone"}'):
        with open_stream(server) as ws:
            ws.send(first)
            assert receive_all(ws) == [{"type": "error", "message": "Invalid request"}]


def test_bytes_that_are_not_audio_are_an_error_message(server):
    assert stream(server, b"this is not audio" * 100) == \
        [{"type": "error", "message": "Audio file not available"}]


def test_audio_below_the_models_sample_rate_is_an_error_message(server):
    assert stream(server, media.wav(3, sample_rate=8000), init={"model": "digital"}) == \
        [{"type": "error", "message": "Model requirements not met"}]


def test_a_text_message_other_than_close_is_an_error_message(server):
    with open_stream(server) as ws:
        ws.send(json.dumps({"model": "phone"}))
        ws.send(WAV[:1000])
        ws.send(json.dumps({"type": "pause"}))
        assert receive_all(ws) == [{"type": "error", "message": "Invalid request"}]


def test_a_silent_client_gets_a_timeout_error(tmp_path):
    env = {"MOCKSERVER_VENDORS__HIYA__STREAM_IDLE_SECONDS": "0.2"}
    with ServerProcess(workers=1, spool_dir=tmp_path / "spool", env=env) as quick:
        with open_stream(quick) as ws:
            ws.send(json.dumps({"model": "phone"}))
            assert receive_all(ws) == [{"type": "error", "message": "Request timeout"}]


def test_credits_run_out_as_an_error_message(server):
    admin = f"{server.url}/_admin/vendors/hiya/credits/user-a"
    assert requests.put(admin, json={"credits": 0}, timeout=10).status_code == 200
    try:
        assert stream(server) == [{"type": "error", "message": "Not enough credits"}]
    finally:
        requests.put(admin, json={"credits": 1000}, timeout=10)


def test_rest_keeps_answering_while_streams_are_open(server):
    """A stream holds a thread, not a worker: with two workers, four open streams leave REST
    answering."""
    with contextlib.ExitStack() as opened:
        sockets = [opened.enter_context(open_stream(server)) for _ in range(4)]
        for ws in sockets:
            ws.send(json.dumps({"model": "phone"}))
        assert rest(server, "/hiya/v1/user").json()["handle"] == "user-a"
        for ws in sockets:
            ws.send(WAV)
            ws.send(json.dumps({"type": "close"}))
            assert receive_all(ws)[-1]["type"] == "verification"


def test_a_failing_session_closes_with_1011_not_an_http_page(tmp_path, monkeypatch):
    """In-process (werkzeug's server, the pytest plugin's): a session that raises ends the
    connection with close code 1011 and the server goes on serving."""
    from deepfake_mock.embedded import InProcessServer
    from deepfake_mock.vendors.hiya import streaming

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(streaming, "verify", broken)
    settings = {"state": "memory", "spool_dir": str(tmp_path / "spool"), "clock": "manual"}
    with InProcessServer(settings) as embedded:
        with open_stream(embedded) as ws:
            with pytest.raises(ConnectionClosedError):
                ws.recv(timeout=30)
            assert ws.close_code == 1011
        assert rest(embedded, "/hiya/v1/user").json()["handle"] == "user-a"
