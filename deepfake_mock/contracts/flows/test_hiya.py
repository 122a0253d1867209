"""Hiya Audio Intelligence flows as the vendor's own example scripts run them (loccus-ai/examples:
batch-testing, monthly-usage, streaming-verification): sign in, create an audio with a base64
file, create an authenticity verification, read ``scores.synthesis``, page through the generic
view, and stream an audio over the WebSocket.

Runs against the emulator, a running emulator, or the real service
(``--base-url https://api.hiya.com/audiointel/eu --vendor hiya`` with the HIYA_* variables of
contracts/auth_hiya.py).
"""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
import requests
from websockets.exceptions import ConnectionClosedOK
from websockets.sync.client import connect

from deepfake_mock.contracts.auth_hiya import hiya_auth, sign_in
from deepfake_mock.contracts.conftest import vendor_target
from deepfake_mock.testing import media
from deepfake_mock.vendors.hiya.handles import is_handle
from deepfake_mock.vendors.hiya.iso8601 import parse_duration, parse_timestamp

PAGE_HEADERS = ("Page-Total", "Page-Size", "Page-Current", "Item-Total")
GENERIC_FIELDS = {"id", "handle", "alias", "type", "state", "model", "audio", "score",
                  "createdAt", "performedAt"}


@pytest.fixture
def hiya(target):
    target = vendor_target(target, "hiya")
    auth = hiya_auth(target)
    base = target.url("hiya")
    session = requests.Session()
    session.headers.update(auth.headers())
    return {"base": base, "v1": f"{base}/v1", "space": f"{base}/v1/spaces/{auth.owner}/{auth.space}",
            "auth": auth, "http": session, "target": target}


def create_audio(hiya, data: bytes, **body) -> dict:
    """The batch script: ``requests.post(audio_create_url, json={"file": base64_content})``."""
    r = hiya["http"].post(f"{hiya['space']}/audios",
                          json={"file": base64.b64encode(data).decode("utf-8"), **body}, timeout=60)
    assert r.status_code == 201, r.text
    return r.json()


def model_for(sample_rate: int) -> str:
    """The batch script's choice: ``phone`` below 16 kHz, else ``digital``."""
    return "phone" if int(sample_rate) < 16000 else "digital"


def test_sign_in_and_validate_the_token(hiya):
    auth = hiya["auth"]
    if not auth.password:
        pytest.skip("HIYA_USERNAME / HIYA_PASSWORD not set")
    token = sign_in(hiya["base"], auth.username, auth.password)
    assert set(token) >= {"token", "issuedAt", "expiresAt"}
    base64.b64decode(token["token"], validate=True)
    lifetime = parse_timestamp(token["expiresAt"]) - parse_timestamp(token["issuedAt"])
    assert lifetime == pytest.approx(24 * 3600, abs=60)
    r = requests.get(f"{hiya['v1']}/user", headers={"Authorization": f"Bearer {token['token']}"},
                     timeout=30)
    assert r.status_code == 200 and r.json()["handle"] == auth.username


def test_wrong_password_is_refused(hiya):
    r = requests.post(f"{hiya['v1']}/auth/credentials",
                      json={"handle": hiya["auth"].username, "password": "not-the-password"},
                      timeout=30)
    assert r.status_code == 401


def test_batch_script_flow(hiya):
    audio = create_audio(hiya, media.wav(6, sample_rate=8000, variant=3))
    assert audio["state"] == "available" and audio["sampleRate"] == 8000
    assert parse_duration(audio["duration"]) == pytest.approx(6.0, abs=0.05)
    r = hiya["http"].post(f"{hiya['space']}/verifications/authenticity",
                          json={"model": model_for(audio["sampleRate"]), "audio": audio["handle"]},
                          timeout=120)
    assert r.status_code == 201, r.text
    verification = r.json()
    synthesis = verification["scores"]["synthesis"]
    assert synthesis is None or 0 <= float(synthesis) <= 1
    assert verification["state"] in ("performed", "performedWithoutScore")
    assert verification["model"].startswith("phone/")
    assert verification["audio"]["handle"] == audio["handle"]
    assert isinstance(verification["chunks"], list) and verification["chunks"]
    for chunk in verification["chunks"]:
        assert chunk["label"] in ("validVoice", "excessiveMusic", "excessiveNoise", "insufficientVoice")
        assert parse_duration(chunk["endTime"]) > parse_duration(chunk["startTime"])

    # the monthly-usage script: fetch by type and handle, then the audio's ISO duration
    again = hiya["http"].get(f"{hiya['space']}/verifications/authenticity/{verification['handle']}",
                             timeout=30)
    assert again.status_code == 200
    assert again.json()["scores"]["synthesis"] == synthesis

    listed = hiya["http"].get(f"{hiya['space']}/audios/{audio['handle']}/verifications",
                              params={"page": 1, "page-size": 1}, timeout=30)
    assert listed.status_code == 200
    headers = {name: int(listed.headers[name]) for name in PAGE_HEADERS}
    assert headers["Page-Size"] == 1 and headers["Page-Current"] == 1
    assert headers["Item-Total"] == 1 and headers["Page-Total"] == 1
    items = listed.json()
    assert isinstance(items, list) and len(items) == 1
    item = items[0]
    assert set(item) == GENERIC_FIELDS
    assert item["handle"] == verification["handle"] and item["type"] == "authenticity"
    assert item["score"] == synthesis
    assert item["audio"] == {"handle": audio["handle"], "alias": audio["alias"], "state": "available"}
    assert item["createdAt"].endswith("Z") and len(item["createdAt"].split(".")[1]) == 7

    past_the_end = hiya["http"].get(f"{hiya['space']}/audios/{audio['handle']}/verifications",
                                    params={"page": 2, "page-size": 1}, timeout=30)
    assert past_the_end.status_code == 200 and past_the_end.json() == []


def test_raw_file_upload_flow(hiya):
    r = hiya["http"].post(f"{hiya['space']}/audios", json={"alias": "raw upload"}, timeout=30)
    assert r.status_code == 201
    audio = r.json()
    assert audio["state"] == "avaitingFile" and is_handle(audio["handle"])
    url = f"{hiya['space']}/audios/{audio['handle']}/file"
    up = hiya["http"].post(url, data=media.audio("flac", seconds=4, sample_rate=16000),
                           headers={"Content-Type": "application/octet-stream"}, timeout=60)
    assert up.status_code == 200, up.text
    assert up.json()["state"] == "available" and up.json()["sampleRate"] == 16000
    again = hiya["http"].post(url, data=media.wav(2), timeout=60,
                              headers={"Content-Type": "application/octet-stream"})
    assert again.status_code == 409
    assert again.json()["message"] == "Resource collision"


def test_documented_errors(hiya):
    r = hiya["http"].post(f"{hiya['space']}/verifications/authenticity",
                          json={"model": "phone", "audio": f"missing-{uuid.uuid4().hex[:8]}"}, timeout=30)
    assert r.status_code == 404 and r.json()["message"] == "Resource not found"
    handle = f"identity-{uuid.uuid4().hex[:12]}"
    first = hiya["http"].post(f"{hiya['space']}/identities", json={"handle": handle}, timeout=30)
    assert first.status_code == 201
    second = hiya["http"].post(f"{hiya['space']}/identities", json={"handle": handle}, timeout=30)
    assert second.status_code == 409 and second.json()["message"] == "Resource collision"
    bad = hiya["http"].post(f"{hiya['space']}/identities", json={"handle": "Not A Handle"}, timeout=30)
    assert 400 <= bad.status_code < 500
    anonymous = requests.get(f"{hiya['v1']}/user", timeout=30)
    assert anonymous.status_code == 401


@pytest.mark.mock_only
def test_no_credits_left_is_429(hiya):
    assert hiya["target"].admin.set_credits("user-a", 0)["remaining"] == 0
    audio = create_audio(hiya, media.wav(4, sample_rate=8000))
    r = hiya["http"].post(f"{hiya['space']}/verifications/authenticity",
                          json={"model": "phone", "audio": audio["handle"]}, timeout=30)
    assert r.status_code == 429 and r.json() == {"message": "Not enough credits"}


@pytest.mark.mock_only
def test_regional_base_path_and_performing_state(hiya):
    admin = hiya["target"].admin
    admin.add_verdict_rule("hiya", outcome="performing", times=1)
    regional = f"{hiya['base']}/audiointel/us/v1/spaces/user-a/main"
    audio = create_audio(hiya, media.wav(4, sample_rate=8000, variant=11))
    r = hiya["http"].post(f"{regional}/verifications/authenticity",
                          json={"model": "phone", "audio": audio["handle"]}, timeout=30)
    assert r.status_code == 201 and r.json()["state"] == "performing"
    done = hiya["http"].get(f"{hiya['space']}/verifications/authenticity/{r.json()['handle']}",
                            timeout=30)
    assert done.json()["state"] == "performed"


def test_streaming_verification_flow(hiya):
    """The streaming example (streaming-verification/verify.mjs): bearer auth and its
    User-Agent on the handshake, the init message, the audio file in 16 KiB binary messages,
    ``{"type": "close"}``; then chunk messages and the verification, and the server closes."""
    url = re.sub(r"^http", "ws", hiya["space"]) + "/verify/authenticity"
    headers = {**hiya["auth"].headers(), "User-Agent": "streaming-verification-example/1.0"}
    audio = media.wav(6, sample_rate=8000, variant=5)
    messages = []
    with connect(url, additional_headers=headers, proxy=None, open_timeout=30) as ws:
        ws.send(json.dumps({"model": "phone", "config": {"synthesisSources": False}}))
        for at in range(0, len(audio), 16 * 1024):
            ws.send(audio[at:at + 16 * 1024])
        ws.send(json.dumps({"type": "close"}))
        with pytest.raises(ConnectionClosedOK):
            while True:
                messages.append(json.loads(ws.recv(timeout=120)))
    *chunks, final = messages
    assert chunks and all(m["type"] == "chunk" for m in chunks), messages
    for message in chunks:
        chunk = message["chunk"]
        assert chunk["label"] in ("validVoice", "excessiveMusic", "excessiveNoise", "insufficientVoice")
        assert parse_duration(chunk["endTime"]) > parse_duration(chunk["startTime"])
    assert final["type"] == "verification", messages
    verification = final["verification"]
    assert verification["model"].startswith("phone/")
    assert parse_duration(verification["duration"]) == pytest.approx(6.0, abs=0.05)
    synthesis = verification["scores"]["synthesis"]
    assert synthesis is None or 0 <= float(synthesis) <= 1
    if hiya["target"].is_emulator:  # the emulator names the stored verification: read it back
        stored = hiya["http"].get(
            f"{hiya['space']}/verifications/authenticity/{verification['handle']}", timeout=30)
        assert stored.status_code == 200 and stored.json()["mode"] == "websocket"
        assert stored.json()["scores"] == verification["scores"]
