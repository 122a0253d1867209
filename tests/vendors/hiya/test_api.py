"""Hiya Audio Intelligence through the Flask test client, against the fact sheet and the seed."""

from __future__ import annotations

import base64
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from deepfake_mock import create_app
from deepfake_mock.testing import media
from deepfake_mock.vendors.hiya.handles import is_handle
from deepfake_mock.vendors.hiya.iso8601 import parse_duration

V1 = "/hiya/v1"
SPACE = f"{V1}/spaces/user-a/main"
KEY_A = {"Authorization": "Bearer hiya-key-user-a"}
KEY_B = {"Authorization": "Bearer hiya-key-user-b"}
GENERIC_FIELDS = ["id", "handle", "alias", "type", "state", "model", "audio", "score",
                  "createdAt", "performedAt"]


# ---- helpers ------------------------------------------------------------------------------

def pcm_wav(parts: list[tuple[str, float]], rate: int = 8000) -> bytes:
    """A mono WAV made of ("tone" | "noise" | "silence", seconds) parts."""
    rng = np.random.default_rng(3)
    chunks = []
    for kind, seconds in parts:
        n = int(round(seconds * rate))
        t = np.arange(n) / rate
        if kind == "tone":
            chunks.append(0.4 * np.sin(2 * np.pi * 220 * t))
        elif kind == "noise":
            chunks.append(rng.uniform(-0.5, 0.5, n))
        else:
            chunks.append(np.zeros(n))
    return media.pcm_wav(np.concatenate(chunks), rate)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def create_audio(client, data: bytes | None = None, space: str = SPACE, headers=KEY_A, **body):
    if data is not None:
        body["file"] = b64(data)
    return client.post(f"{space}/audios", json=body, headers=headers)


def audio_handle(client, data: bytes, **body) -> str:
    r = create_audio(client, data, **body)
    assert r.status_code == 201, r.json
    return r.json["handle"]


def authenticity(client, audio: str, model: str = "phone", space: str = SPACE, **body):
    return client.post(f"{space}/verifications/authenticity", json={"audio": audio, "model": model, **body},
                       headers=KEY_A)


def assert_error(r, status: int, message: str):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert r.json["message"] == message


def count_audios(client) -> int:
    return int(client.get(f"{SPACE}/audios", headers=KEY_A).headers["Item-Total"])


def spool_files(settings) -> list[str]:
    return sorted(os.listdir(settings["spool_dir"]))


# ---- authentication -----------------------------------------------------------------------

def test_sign_in_gives_a_24h_base64_token_on_the_emulator_clock(client, admin):
    r = client.post(f"{V1}/auth/credentials", json={"handle": "user-a", "password": "correct-horse-1"})
    assert r.status_code == 200
    assert set(r.json) == {"token", "issuedAt", "expiresAt"}
    assert base64.b64decode(r.json["token"], validate=True)
    assert r.json["issuedAt"] == "2026-01-01T00:00:00.000000Z"
    assert r.json["expiresAt"] == "2026-01-02T00:00:00.000000Z"
    bearer = {"Authorization": f"Bearer {r.json['token']}"}
    assert client.get(f"{V1}/user", headers=bearer).status_code == 200
    admin.advance_clock(86399)
    assert client.get(f"{V1}/user", headers=bearer).status_code == 200
    admin.advance_clock(1)
    assert_error(client.get(f"{V1}/user", headers=bearer), 401, "Unauthorized")


@pytest.mark.parametrize("body", [{"handle": "user-a", "password": "wrong-password"},
                                  {"handle": "nobody", "password": "correct-horse-1"}])
def test_wrong_credentials_are_401(client, body):
    assert_error(client.post(f"{V1}/auth/credentials", json=body), 401, "Unauthorized")


@pytest.mark.parametrize("body, field", [({"handle": "user-a"}, "password"),
                                         ({"handle": "user-a", "password": "short"}, "password"),
                                         ({"handle": "", "password": "correct-horse-1"}, "handle"),
                                         ({"handle": "u" * 51, "password": "correct-horse-1"}, "handle")])
def test_sign_in_body_validation_is_400(client, body, field):
    r = client.post(f"{V1}/auth/credentials", json=body)
    assert_error(r, 400, "Invalid request")
    assert list(r.json["errors"]) == [field]


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz",
                                    "Bearer not-a-token", "hiya-key-user-a"])
def test_missing_or_bad_bearer_is_401(client, header):
    headers = {} if header is None else {"Authorization": header}
    r = client.get(f"{V1}/user", headers=headers)
    assert_error(r, 401, "Unauthorized")
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_api_keys_are_long_lived(client, admin):
    admin.advance_clock(365 * 86400)
    assert client.get(f"{V1}/user", headers={"Authorization": "bearer hiya-key-user-a"}).json["handle"] == "user-a"


def test_get_user(client):
    r = client.get(f"{V1}/user", headers=KEY_A)
    assert r.status_code == 200
    assert r.json == {"id": r.json["id"], "handle": "user-a", "alias": "User A",
                      "email": "user.a@email.com", "emailVerified": True, "state": "verified",
                      "orgs": 1, "spaces": 2, "createdAt": "2026-01-01T00:00:00.000000Z"}


def test_regional_base_paths_share_state_and_refuse_other_regions(client):
    handle = audio_handle(client, media.wav(3, sample_rate=8000))
    for region in ("us", "eu"):
        r = client.get(f"/hiya/audiointel/{region}/v1/spaces/user-a/main/audios/{handle}", headers=KEY_A)
        assert r.status_code == 200 and r.json["handle"] == handle
    assert_error(client.get("/hiya/audiointel/ap/v1/user", headers=KEY_A), 404, "Resource not found")


def test_unknown_paths_and_methods_use_the_vendor_body(client):
    assert_error(client.get(f"{V1}/nothing-here", headers=KEY_A), 404, "Resource not found")
    assert_error(client.delete(f"{V1}/user", headers=KEY_A), 405, "Method not allowed")


# ---- spaces and isolation -----------------------------------------------------------------

@pytest.mark.parametrize("owner, key, owner_type", [("user-a", KEY_A, "user"),
                                                     ("user-b", KEY_B, "user"),
                                                     ("org-a", KEY_A, "org")])
@pytest.mark.parametrize("handle", ["main", "demo"])
def test_every_owner_has_the_example_scripts_spaces(client, owner, key, owner_type, handle):
    """The vendor's examples default to `main`, or `demo` for batch testing: both exist."""
    r = client.get(f"{V1}/spaces/{owner}/{handle}", headers=key)
    assert r.status_code == 200
    assert r.json["handle"] == handle
    assert r.json["owner"]["type"] == owner_type and r.json["owner"]["handle"] == owner
    assert {k: r.json[k] for k in ("audios", "voiceprints", "verifications", "identities")} == \
        {"audios": 0, "voiceprints": 0, "verifications": 0, "identities": 0}
    assert create_audio(client, space=f"{V1}/spaces/{owner}/{handle}", headers=key).status_code == 201


def test_another_users_space_is_403_and_unknown_owner_or_space_404(client):
    assert_error(client.get(f"{V1}/spaces/user-b/main", headers=KEY_A), 403, "Forbidden")
    assert_error(client.get(f"{V1}/spaces/user-b/no-such", headers=KEY_A), 403, "Forbidden")
    assert_error(client.post(f"{V1}/spaces/user-b/main/audios", json={}, headers=KEY_A), 403, "Forbidden")
    assert_error(client.get(f"{V1}/spaces/nobody/main", headers=KEY_A), 404, "Resource not found")
    assert_error(client.get(f"{V1}/spaces/user-a/other", headers=KEY_A), 404, "Resource not found")
    assert_error(client.get(f"{V1}/spaces/User-A/main", headers=KEY_A), 404, "Resource not found")


def test_organisation_spaces_are_shared_with_members_only(client):
    org = f"{V1}/spaces/org-a/main"
    r = client.get(org, headers=KEY_A)
    assert r.status_code == 200 and r.json["owner"]["type"] == "org"
    assert_error(client.get(org, headers=KEY_B), 403, "Forbidden")


@pytest.mark.parametrize("idle", [0, -1, -0.5])
def test_an_unusable_stream_idle_setting_refuses_to_start(settings, idle):
    settings["vendors"] = {"hiya": {"stream_idle_seconds": idle}}
    with pytest.raises(Exception, match="stream_idle_seconds"):
        create_app(settings)


def test_foreign_space_status_setting(settings):
    settings["vendors"] = {"hiya": {"foreign_space_status": 404}}
    client = create_app(settings).test_client()
    assert_error(client.get(f"{V1}/spaces/user-b/main", headers=KEY_A), 404, "Resource not found")


def test_resources_of_another_space_are_not_found(client):
    handle = audio_handle(client, media.wav(3, sample_rate=8000))
    assert client.get(f"{V1}/spaces/user-b/main/audios/{handle}", headers=KEY_B).status_code == 404
    r = client.post(f"{V1}/spaces/org-a/main/verifications/authenticity",
                    json={"audio": handle, "model": "phone"}, headers=KEY_A)
    assert_error(r, 404, "Resource not found")


def test_update_space_alias_and_handle(settings):
    settings["vendors"] = {"hiya": {"spaces": [{"owner": "user-a", "handle": "calls"}]}}
    client = create_app(settings).test_client()
    assert client.get(f"{V1}/user", headers=KEY_A).json["spaces"] == 3
    r = client.patch(SPACE, json={"alias": "Main space"}, headers=KEY_A)
    assert r.status_code == 200 and r.json["alias"] == "Main space"
    assert_error(client.patch(SPACE, json={"handle": "demo"}, headers=KEY_A), 409, "Resource collision")
    r = client.patch(SPACE, json={"handle": "renamed"}, headers=KEY_A)
    assert r.status_code == 200 and r.json["handle"] == "renamed"
    assert client.get(SPACE, headers=KEY_A).status_code == 404
    assert client.get(f"{V1}/spaces/user-a/renamed", headers=KEY_A).json["alias"] == "Main space"
    assert_error(client.patch(f"{V1}/spaces/user-a/demo", json={"handle": "Bad Handle"},
                              headers=KEY_A), 400, "Invalid request")
    assert client.get(f"{V1}/user", headers=KEY_A).json["spaces"] == 3


# ---- audios -------------------------------------------------------------------------------

def test_create_audio_with_base64_file_reads_the_real_bytes(client):
    r = create_audio(client, pcm_wav([("tone", 2.0), ("silence", 1.5)]), alias="Call 42")
    assert r.status_code == 201
    body = r.json
    assert body["handle"] == body["id"] and is_handle(body["handle"])
    assert body["alias"] == "Call 42"
    assert body["state"] == "available"
    assert body["duration"] == "PT3.500S"
    assert body["voiceDuration"] == "PT2.000S"
    assert body["sampleRate"] == 8000
    assert body["identity"] is None
    assert body["voiceprints"] == 0 and body["verifications"] == 0
    assert body["createdAt"] == body["uploadedAt"] == "2026-01-01T00:00:00.000000Z"


@pytest.mark.parametrize("fmt, rate", [("flac", 16000), ("mp3", 22050), ("ogg", 48000), ("m4a", 44100)])
def test_compressed_formats_are_decoded(client, fmt, rate):
    r = create_audio(client, media.audio(fmt, seconds=3, sample_rate=rate))
    assert r.status_code == 201 and r.json["state"] == "available"
    assert r.json["sampleRate"] == rate
    assert abs(parse_duration(r.json["duration"]) - 3.0) < 0.1


def test_audio_without_file_awaits_one_then_takes_raw_bytes(client, admin):
    r = create_audio(client, alias="Call 43")
    assert r.status_code == 201
    assert (r.json["state"], r.json["duration"], r.json["sampleRate"]) == ("avaitingFile", "PT0S", 0)
    assert r.json["uploadedAt"] == r.json["createdAt"]
    handle = r.json["handle"]
    admin.advance_clock(5)
    up = client.post(f"{SPACE}/audios/{handle}/file", data=media.wav(4, sample_rate=16000),
                     content_type="application/octet-stream", headers=KEY_A)
    assert up.status_code == 200
    assert (up.json["state"], up.json["duration"], up.json["sampleRate"]) == ("available", "PT4.000S", 16000)
    assert up.json["uploadedAt"] == "2026-01-01T00:00:05.000000Z"
    again = client.post(f"{SPACE}/audios/{handle}/file", data=media.wav(2),
                        content_type="application/octet-stream", headers=KEY_A)
    assert_error(again, 409, "Resource collision")
    assert client.get(f"{SPACE}/audios/{handle}", headers=KEY_A).json["duration"] == "PT4.000S"


def test_an_audio_created_with_base64_has_its_only_file(client):
    handle = audio_handle(client, media.wav(2, sample_rate=8000))
    r = client.post(f"{SPACE}/audios/{handle}/file", data=media.wav(2), headers=KEY_A,
                    content_type="application/octet-stream")
    assert_error(r, 409, "Resource collision")


def test_raw_upload_without_content_type_is_accepted(client):
    handle = create_audio(client).json["handle"]
    r = client.post(f"{SPACE}/audios/{handle}/file", data=media.wav(2, sample_rate=8000), headers=KEY_A)
    assert r.status_code == 200 and r.json["state"] == "available"


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=x",
                                          "text/plain"])
def test_raw_upload_refuses_non_binary_bodies(client, content_type):
    handle = create_audio(client).json["handle"]
    r = client.post(f"{SPACE}/audios/{handle}/file", data=b"{}", content_type=content_type,
                    headers=KEY_A)
    assert_error(r, 415, "Unsupported media type")
    assert client.get(f"{SPACE}/audios/{handle}", headers=KEY_A).json["state"] == "avaitingFile"


def test_empty_raw_upload_is_400(client):
    handle = create_audio(client).json["handle"]
    r = client.post(f"{SPACE}/audios/{handle}/file", data=b"", headers=KEY_A,
                    content_type="application/octet-stream")
    assert_error(r, 400, "Invalid request")


def test_bytes_that_do_not_decode_make_the_audio_not_available(client, settings):
    r = create_audio(client, b"definitely not audio" * 50)
    assert r.status_code == 201 and r.json["state"] == "notAvailable"
    assert r.json["duration"] == "PT0S" and r.json["sampleRate"] == 0
    handle = create_audio(client).json["handle"]
    up = client.post(f"{SPACE}/audios/{handle}/file", data=media.image("png", 8, 8), headers=KEY_A,
                     content_type="application/octet-stream")
    assert up.status_code == 200 and up.json["state"] == "notAvailable"
    assert spool_files(settings) == []
    assert_error(client.get(f"{SPACE}/audios/{handle}/file", headers=KEY_A), 404, "Resource not found")


@pytest.mark.parametrize("text", ["not base64!", "YWJj=", "", "   ", "Zm9v\u00e9"])
def test_invalid_base64_is_400_and_creates_nothing(client, settings, text):
    r = client.post(f"{SPACE}/audios", json={"file": text}, headers=KEY_A)
    assert_error(r, 400, "Invalid request")
    assert list(r.json["errors"]) == ["file"]
    assert count_audios(client) == 0
    assert spool_files(settings) == []


def test_files_over_the_limit_are_413(settings):
    settings["vendors"] = {"hiya": {"max_file_bytes": 20000}}
    client = create_app(settings).test_client()
    big = media.wav(2, sample_rate=8000)  # 32 kB
    assert_error(create_audio(client, big), 413, "Payload too large")
    handle = create_audio(client).json["handle"]
    r = client.post(f"{SPACE}/audios/{handle}/file", data=big, headers=KEY_A,
                    content_type="application/octet-stream")
    assert_error(r, 413, "Payload too large")
    assert count_audios(client) == 1
    assert spool_files(settings) == []


@pytest.mark.parametrize("body, field", [
    ({"alias": ""}, "alias"), ({"alias": "x" * 101}, "alias"), ({"alias": 5}, "alias"),
    ({"identity": "Not A Handle"}, "identity"), ({"unknown": 1}, "unknown"), ({"file": 12}, "file"),
])
def test_create_audio_body_validation(client, body, field):
    r = client.post(f"{SPACE}/audios", json=body, headers=KEY_A)
    assert_error(r, 400, "Invalid request")
    assert field in r.json["errors"]
    assert count_audios(client) == 0


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"null", b""])
def test_a_body_that_is_not_a_json_object_is_400(client, raw):
    r = client.post(f"{SPACE}/audios", data=raw, content_type="application/json", headers=KEY_A)
    assert_error(r, 400, "Invalid request")


def test_unknown_identity_on_audio_create_is_404_and_nothing_is_made(client, settings):
    r = create_audio(client, media.wav(2, sample_rate=8000), identity="ghost")
    assert_error(r, 404, "Resource not found")
    assert count_audios(client) == 0
    assert spool_files(settings) == []


def test_get_patch_and_download_an_audio(client):
    data = media.wav(3, sample_rate=8000)
    handle = audio_handle(client, data, alias="First")
    assert client.get(f"{SPACE}/audios/{handle}", headers=KEY_A).json["alias"] == "First"
    r = client.patch(f"{SPACE}/audios/{handle}", json={"alias": "Second"}, headers=KEY_A)
    assert r.status_code == 200 and r.json["alias"] == "Second"
    assert client.patch(f"{SPACE}/audios/{handle}", json={"alias": None}, headers=KEY_A).json["alias"] is None
    assert_error(client.patch(f"{SPACE}/audios/{handle}", json={"alias": ""}, headers=KEY_A),
                 400, "Invalid request")
    download = client.get(f"{SPACE}/audios/{handle}/file", headers=KEY_A)
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == "audio/wav"
    assert download.headers["Content-Disposition"] == f"attachment; filename={handle}.wav"
    assert_error(client.get(f"{SPACE}/audios/unknown-audio", headers=KEY_A), 404, "Resource not found")
    assert_error(client.get(f"{SPACE}/audios/Not_A_Handle", headers=KEY_A), 404, "Resource not found")


def test_download_of_an_audio_awaiting_its_file_is_404(client):
    handle = create_audio(client).json["handle"]
    assert_error(client.get(f"{SPACE}/audios/{handle}/file", headers=KEY_A), 404, "Resource not found")


# ---- identities and voiceprints -----------------------------------------------------------

def make_identity(client, handle="identity-a", **body):
    return client.post(f"{SPACE}/identities", json={"handle": handle, **body}, headers=KEY_A)


def test_identities_create_get_list_and_collide(client):
    r = make_identity(client, alias="Speaker A")
    assert r.status_code == 201
    assert {k: r.json[k] for k in ("handle", "alias", "audios", "voiceprints", "verifications")} == \
        {"handle": "identity-a", "alias": "Speaker A", "audios": 0, "voiceprints": 0, "verifications": 0}
    assert_error(make_identity(client), 409, "Resource collision")
    assert client.get(f"{SPACE}/identities/identity-a", headers=KEY_A).json["alias"] == "Speaker A"
    listed = client.get(f"{SPACE}/identities", headers=KEY_A)
    assert [i["handle"] for i in listed.json] == ["identity-a"] and listed.headers["Item-Total"] == "1"
    assert_error(client.get(f"{SPACE}/identities/nobody", headers=KEY_A), 404, "Resource not found")


@pytest.mark.parametrize("handle", ["Identity-A", "identity a", "identity_a", "-a", "a" * 51, ""])
def test_identity_handles_follow_the_rules(client, handle):
    r = make_identity(client, handle)
    assert_error(r, 400, "Invalid request")
    assert "handle" in r.json["errors"]


def voiceprint_ready(client, audio: str, model="phone", min_audios=1, compute=True):
    assert make_identity(client).status_code == 201
    r = client.post(f"{SPACE}/voiceprints", headers=KEY_A,
                    json={"handle": "voiceprint-a", "identity": "identity-a", "model": model,
                          "minAudios": min_audios})
    assert r.status_code == 201, r.json
    base = f"{SPACE}/voiceprints/identity-a/voiceprint-a"
    r = client.post(f"{base}/audios/{audio}", headers=KEY_A)
    assert r.status_code == 200, r.json
    if compute:
        assert client.post(f"{base}:compute", headers=KEY_A).status_code == 200
    return base


def test_voiceprint_lifecycle(client, admin):
    audio = audio_handle(client, media.wav(6, sample_rate=8000))
    base = voiceprint_ready(client, audio, compute=False)
    vp = client.get(base, headers=KEY_A).json
    assert vp["state"] == "computable" and vp["model"] == "phone/v1.1"
    assert vp["totalDuration"] == "PT6.000S" and vp["audios"] == 1 and vp["computedAt"] is None
    assert vp["identity"] == {"handle": "identity-a", "alias": None}
    admin.advance_clock(2)
    computed = client.post(f"{base}:compute", headers=KEY_A).json
    assert computed["state"] == "computed"
    assert computed["computedAt"] == "2026-01-01T00:00:02.000000Z"
    linked = client.get(f"{SPACE}/audios/{audio}", headers=KEY_A).json
    assert linked["identity"] == {"handle": "identity-a", "alias": None} and linked["voiceprints"] == 1
    identity = client.get(f"{SPACE}/identities/identity-a", headers=KEY_A).json
    assert (identity["audios"], identity["voiceprints"]) == (1, 1)
    assert_error(client.post(f"{base}/audios/{audio}", headers=KEY_A), 409, "Resource collision")
    second = audio_handle(client, media.wav(5, sample_rate=8000, variant=2))
    assert client.post(f"{base}/audios/{second}", headers=KEY_A).json["state"] == "computable"


def test_voiceprint_without_enough_voice_is_not_computable(client):
    silent = audio_handle(client, pcm_wav([("silence", 6.0)]))
    base = voiceprint_ready(client, silent, compute=False)
    assert client.get(base, headers=KEY_A).json["state"] == "notComputable"
    assert_error(client.post(f"{base}:compute", headers=KEY_A), 400, "Voiceprint not computable")


def test_voiceprint_errors(client):
    assert make_identity(client).status_code == 201
    make = lambda **b: client.post(f"{SPACE}/voiceprints", headers=KEY_A,  # noqa: E731
                                   json={"handle": "vp", "identity": "identity-a", "model": "phone", **b})
    assert_error(make(model="nope"), 404, "Resource not found")
    assert_error(make(identity="ghost"), 404, "Resource not found")
    assert_error(make(minAudios=0), 400, "Invalid request")
    assert_error(make(minAudios="2"), 400, "Invalid request")
    assert_error(make(minAudios=True), 400, "Invalid request")
    assert_error(make(minAudios=2.5), 400, "Invalid request")
    created = make(minAudios=2.0)  # an integral number is an integer, as in JSON Schema
    assert created.status_code == 201 and created.json["minAudios"] == 2
    assert_error(make(), 409, "Resource collision")
    base = f"{SPACE}/voiceprints/identity-a/vp"
    waiting = create_audio(client).json["handle"]
    assert_error(client.post(f"{base}/audios/{waiting}", headers=KEY_A), 400, "Audio file not available")
    too_long = audio_handle(client, pcm_wav([("tone", 121.0)], rate=8000))
    assert_error(client.post(f"{base}/audios/{too_long}", headers=KEY_A), 400, "Model requirements not met")
    assert_error(client.post(f"{base}/audios/ghost", headers=KEY_A), 404, "Resource not found")
    assert_error(client.get(f"{SPACE}/voiceprints/identity-a/ghost", headers=KEY_A), 404, "Resource not found")
    assert make_identity(client, "identity-b").status_code == 201
    other = audio_handle(client, media.wav(3, sample_rate=8000), identity="identity-b")
    assert_error(client.post(f"{base}/audios/{other}", headers=KEY_A), 400,
                 "Audio belongs to another identity")


# ---- authenticity verifications ----------------------------------------------------------

def test_authenticity_verification_is_performed_synchronously(client):
    audio = audio_handle(client, pcm_wav([("tone", 10.0)]), alias="Call 42")
    r = authenticity(client, audio, alias="Verification A")
    assert r.status_code == 201
    v = r.json
    assert v["handle"] == v["id"] and v["alias"] == "Verification A"
    assert (v["state"], v["mode"], v["model"]) == ("performed", "restApi", "phone/v1")
    assert v["audio"] == {"handle": audio, "alias": "Call 42", "state": "available"}
    assert v["duration"] == "PT10.000S" and v["voiceDuration"] == "PT10.000S"
    assert 0 <= v["scores"]["synthesis"] <= 1 and 0 <= v["scores"]["replay"] <= 1
    assert "score" not in v and "subscores" not in v
    assert [(c["startTime"], c["endTime"], c["duration"]) for c in v["chunks"]] == [
        ("PT0S", "PT4.000S", "PT4.000S"), ("PT4.000S", "PT8.000S", "PT4.000S"),
        ("PT8.000S", "PT10.000S", "PT2.000S")]
    assert all(c["label"] == "validVoice" and 0 <= c["scores"]["synthesis"] <= 1 for c in v["chunks"])
    assert v["createdAt"] == v["performedAt"] == "2026-01-01T00:00:00.000000Z"
    assert isinstance(v["partialSpoof"], bool)


def test_scores_are_deterministic_per_audio_bytes(client):
    data = media.wav(5, sample_rate=8000, variant=4)
    first = authenticity(client, audio_handle(client, data)).json
    second = authenticity(client, audio_handle(client, data)).json
    other = authenticity(client, audio_handle(client, media.wav(5, sample_rate=8000, variant=5))).json
    assert first["scores"] == second["scores"]
    assert [c["scores"] for c in first["chunks"]] == [c["scores"] for c in second["chunks"]]
    assert other["scores"] != first["scores"]


def test_no_valid_voice_gives_performed_without_score(client):
    audio = audio_handle(client, pcm_wav([("tone", 1.0), ("silence", 5.0)]))
    v = authenticity(client, audio, model="telephone").json
    assert v["state"] == "performedWithoutScore"
    assert v["scores"] == {"synthesis": None, "replay": None}
    assert v["score"] is None and v["subscores"] == {"synthesis": None, "replay": None}
    assert [c["label"] for c in v["chunks"]] == ["insufficientVoice", "insufficientVoice"]
    assert all(c["scores"]["synthesis"] is None and c["score"] is None for c in v["chunks"])
    assert v["voiceDuration"] == "PT1.000S"
    assert v["partialSpoof"] is False


def test_noise_chunks_are_excessive_noise(client):
    audio = audio_handle(client, pcm_wav([("tone", 4.0), ("noise", 4.0)]))
    v = authenticity(client, audio).json
    assert [c["label"] for c in v["chunks"]] == ["validVoice", "excessiveNoise"]
    assert v["chunks"][1]["scores"]["synthesis"] is None
    assert v["state"] == "performed"


def test_deprecated_models_return_score_and_subscores(client):
    audio = audio_handle(client, media.wav(5, sample_rate=16000))
    v = authenticity(client, audio, model="default").json
    assert v["model"] == "default/v1"
    assert v["score"] == v["scores"]["synthesis"] == v["subscores"]["synthesis"]
    assert v["subscores"]["replay"] == v["scores"]["replay"]
    assert all(c["score"] == c["scores"]["synthesis"] for c in v["chunks"])
    assert authenticity(client, audio, model="digital").json["model"] == "digital/v1"


def test_model_requirements_are_enforced(client):
    narrowband = audio_handle(client, media.wav(5, sample_rate=8000))
    assert_error(authenticity(client, narrowband, model="digital"), 400, "Model requirements not met")
    assert_error(authenticity(client, narrowband, model="default"), 400, "Model requirements not met")
    long = audio_handle(client, pcm_wav([("tone", 121.0)]))
    assert_error(authenticity(client, long), 400, "Model requirements not met")
    for unknown in ("nope", "", "x" * 300):  # the spec sets no length: any name is looked up
        assert_error(authenticity(client, narrowband, model=unknown), 404, "Resource not found")


def test_audio_without_file_cannot_be_verified_and_costs_nothing(client, admin):
    waiting = create_audio(client).json["handle"]
    broken = create_audio(client, b"garbage" * 100).json["handle"]
    for audio in (waiting, broken):
        assert_error(authenticity(client, audio), 400, "Audio file not available")
    assert_error(authenticity(client, "ghost-audio"), 404, "Resource not found")
    credits = client.get("/_admin/vendors/hiya/credits").json["credits"]
    assert next(c for c in credits if c["owner"] == "user-a")["spent"] == 0
    assert client.get(SPACE, headers=KEY_A).json["verifications"] == 0


@pytest.mark.parametrize("body, field", [({"model": "phone"}, "audio"), ({"audio": "a"}, "model"),
                                         ({"audio": "A", "model": "phone"}, "audio"),
                                         ({"audio": "a", "model": "phone", "alias": "x" * 101}, "alias"),
                                         ({"audio": "a", "model": "phone", "extra": True}, "extra")])
def test_authenticity_body_validation(client, body, field):
    r = client.post(f"{SPACE}/verifications/authenticity", json=body, headers=KEY_A)
    assert_error(r, 400, "Invalid request")
    assert field in r.json["errors"]


def test_get_list_and_patch_authenticity(client):
    audio = audio_handle(client, pcm_wav([("tone", 6.0)]))
    created = authenticity(client, audio).json
    url = f"{SPACE}/verifications/authenticity/{created['handle']}"
    got = client.get(url, headers=KEY_A)
    assert got.status_code == 200 and got.json == created
    listed = client.get(f"{SPACE}/verifications/authenticity", headers=KEY_A)
    assert listed.json[0]["chunks"] == 2
    assert {k: v for k, v in listed.json[0].items() if k != "chunks"} == \
        {k: v for k, v in created.items() if k != "chunks"}
    patched = client.patch(url, json={"alias": "Renamed"}, headers=KEY_A)
    assert patched.status_code == 200
    assert patched.json["alias"] == "Renamed" and patched.json["chunks"] == 2
    assert_error(client.patch(url, json={"alias": ""}, headers=KEY_A), 400, "Invalid request")
    assert_error(client.get(f"{SPACE}/verifications/identity/{created['handle']}", headers=KEY_A),
                 404, "Resource not found")
    assert_error(client.get(f"{SPACE}/verifications/authenticity/nope", headers=KEY_A),
                 404, "Resource not found")


# ---- admin rules: pinned scores, error, performing ---------------------------------------

def test_verdict_rule_pins_the_score(client, admin):
    admin.add_verdict_rule("hiya", score=0.25, times=1)
    v = authenticity(client, audio_handle(client, media.wav(5, sample_rate=8000, variant=7))).json
    assert v["scores"]["synthesis"] == 0.25


def test_verdict_rule_fields_set_labels_and_replay(client, admin):
    admin.add_verdict_rule("hiya", fields={"labels": ["excessiveMusic"], "replay": 0.1}, times=1)
    v = authenticity(client, audio_handle(client, pcm_wav([("tone", 8.0)]))).json
    assert [c["label"] for c in v["chunks"]] == ["excessiveMusic", "validVoice"]
    assert v["scores"]["replay"] == 0.1


def test_error_outcome_gives_state_error_without_scores_or_cost(client, admin):
    admin.add_verdict_rule("hiya", outcome="error", times=1)
    v = authenticity(client, audio_handle(client, media.wav(5, sample_rate=8000, variant=8))).json
    assert v["state"] == "error"
    assert v["scores"] == {"synthesis": None, "replay": None} and v["chunks"] == []
    credits = client.get("/_admin/vendors/hiya/credits").json["credits"]
    assert next(c for c in credits if c["owner"] == "user-a")["spent"] == 0


def test_performing_outcome_moves_on_when_read(client, admin):
    admin.add_verdict_rule("hiya", outcome="performing", times=1)
    v = authenticity(client, audio_handle(client, media.wav(5, sample_rate=8000, variant=9))).json
    assert v["state"] == "performing" and v["scores"]["synthesis"] is None
    assert v["performedAt"] == v["createdAt"] and v["chunks"] == []
    listed = client.get(f"{SPACE}/verifications/authenticity", headers=KEY_A).json
    assert listed[0]["state"] == "performing"
    admin.advance_clock(3)
    got = client.get(f"{SPACE}/verifications/authenticity/{v['handle']}", headers=KEY_A).json
    assert got["state"] == "performed" and 0 <= got["scores"]["synthesis"] <= 1
    assert got["performedAt"] == "2026-01-01T00:00:03.000000Z"
    assert len(got["chunks"]) == 2


def test_forced_job_state_is_shown(client, admin):
    admin.add_verdict_rule("hiya", outcome="performing", times=1)
    admin.set_progression("hiya", "manual")
    v = authenticity(client, audio_handle(client, media.wav(5, sample_rate=8000, variant=10))).json
    url = f"{SPACE}/verifications/authenticity/{v['handle']}"
    assert client.get(url, headers=KEY_A).json["state"] == "performing"
    admin.force_job_state("hiya", v["id"], "error")
    assert client.get(url, headers=KEY_A).json["state"] == "error"


# ---- identity and message verifications --------------------------------------------------

def test_identity_verification(client):
    audio = audio_handle(client, media.wav(6, sample_rate=8000))
    base = voiceprint_ready(client, audio)
    r = client.post(f"{SPACE}/verifications/identity", headers=KEY_A,
                    json={"audio": audio, "identity": "identity-a", "voiceprint": "voiceprint-a",
                          "alias": "Check"})
    assert r.status_code == 201, r.json
    v = r.json
    assert (v["state"], v["model"]) == ("performed", "phone/v1.1") and "mode" not in v
    assert v["identity"] == {"handle": "identity-a", "alias": None}
    assert v["voiceprint"] == {"handle": "voiceprint-a", "alias": None, "state": "computed"}
    assert v["score"] == v["scores"]["identity"] >= 0.9
    assert set(v["scores"]) == {"identity", "synthesis", "replay"}
    generic = client.get(f"{base}/verifications", headers=KEY_A)
    assert generic.status_code == 200 and generic.headers["Item-Total"] == "1"
    assert list(generic.json[0]) == GENERIC_FIELDS
    assert generic.json[0]["type"] == "identity" and generic.json[0]["score"] == v["score"]
    assert client.get(base, headers=KEY_A).json["verifications"] == 1
    assert client.get(f"{SPACE}/identities/identity-a", headers=KEY_A).json["verifications"] == 1
    got = client.get(f"{SPACE}/verifications/identity/{v['handle']}", headers=KEY_A)
    assert got.json == v
    assert client.get(f"{SPACE}/verifications/identity", headers=KEY_A).json == [v]


def test_identity_verification_errors(client):
    audio = audio_handle(client, media.wav(6, sample_rate=8000))
    voiceprint_ready(client, audio, compute=False)
    body = {"audio": audio, "identity": "identity-a", "voiceprint": "voiceprint-a"}
    post = lambda **b: client.post(f"{SPACE}/verifications/identity", headers=KEY_A,  # noqa: E731
                                   json={**body, **b})
    assert_error(post(), 400, "Voiceprint not computed")
    assert_error(post(voiceprint="ghost"), 404, "Resource not found")
    assert_error(post(identity="ghost"), 404, "Resource not found")
    assert_error(post(audio="ghost"), 404, "Resource not found")
    r = client.post(f"{SPACE}/verifications/identity", headers=KEY_A, json={"audio": audio})
    assert_error(r, 400, "Invalid request")
    assert set(r.json["errors"]) == {"identity", "voiceprint"}


def test_identity_verification_with_too_little_voice_is_a_requirements_error(client):
    """DOCUMENTED: identity models need 1.5 s of voice; a request not meeting the model
    requirements gets an error, like the other rows of the same table (nothing is charged)."""
    enrolled = audio_handle(client, media.wav(6, sample_rate=8000))
    voiceprint_ready(client, enrolled)
    post = lambda audio: client.post(f"{SPACE}/verifications/identity", headers=KEY_A,  # noqa: E731
                                     json={"audio": audio, "identity": "identity-a",
                                           "voiceprint": "voiceprint-a"})
    short = audio_handle(client, pcm_wav([("tone", 1.0), ("silence", 2.0)]))
    assert_error(post(short), 400, "Model requirements not met")
    credits = client.get("/_admin/vendors/hiya/credits").json["credits"]
    assert next(c for c in credits if c["owner"] == "user-a")["spent"] == 0
    assert client.get(f"{SPACE}/audios/{short}/verifications", headers=KEY_A).json == []
    enough = audio_handle(client, pcm_wav([("tone", 1.6), ("silence", 2.0)]))
    v = post(enough)
    assert v.status_code == 201 and v.json["state"] == "performed"
    assert v.json["scores"]["identity"] is not None


def test_message_verification(client):
    audio = audio_handle(client, media.wav(5, sample_rate=8000))
    r = client.post(f"{SPACE}/verifications/message", headers=KEY_A,
                    json={"audio": audio, "language": "en", "model": "default",
                          "message": "The blue rhino traveled to distant lands"})
    assert r.status_code == 201
    v = r.json
    assert (v["state"], v["model"], v["language"]) == ("performed", "default/v1", "en")
    assert v["message"] == "The blue rhino traveled to distant lands"
    assert v["score"] == v["scores"]["message"] and 0 <= v["score"] <= 1
    assert client.get(f"{SPACE}/verifications/message/{v['handle']}", headers=KEY_A).json == v
    patched = client.patch(f"{SPACE}/verifications/message/{v['handle']}", json={"alias": "M"},
                           headers=KEY_A)
    assert patched.json["alias"] == "M"


@pytest.mark.parametrize("change, field", [({"language": "EN"}, "language"),
                                           ({"language": "eng"}, "language"),
                                           ({"message": ""}, "message"),
                                           ({"message": "x" * 201}, "message"),
                                           ({"model": None}, "model")])
def test_message_body_validation(client, change, field):
    body = {"audio": "a", "language": "en", "message": "hello there", "model": "default", **change}
    r = client.post(f"{SPACE}/verifications/message", headers=KEY_A, json=body)
    assert_error(r, 400, "Invalid request")
    assert field in r.json["errors"]


def test_message_model_must_exist(client):
    audio = audio_handle(client, media.wav(5, sample_rate=8000))
    r = client.post(f"{SPACE}/verifications/message", headers=KEY_A,
                    json={"audio": audio, "language": "en", "message": "hi", "model": "phone"})
    assert_error(r, 404, "Resource not found")


# ---- the generic view and lists -----------------------------------------------------------

def test_generic_view_has_exactly_the_seed_fields(client, admin):
    audio = audio_handle(client, pcm_wav([("tone", 5.0)]), alias="Audio A")
    first = authenticity(client, audio, alias="Verification A").json
    admin.advance_clock(1.5)
    silent = authenticity(client, audio_handle(client, pcm_wav([("silence", 3.0)]))).json
    client.post(f"{SPACE}/verifications/message", headers=KEY_A,
                json={"audio": audio, "language": "en", "message": "hello", "model": "default"})
    r = client.get(f"{SPACE}/audios/{audio}/verifications", headers=KEY_A)
    assert r.status_code == 200
    assert [list(v) for v in r.json] == [GENERIC_FIELDS, GENERIC_FIELDS]
    item = r.json[0]
    assert item == {"id": first["id"], "handle": first["handle"], "alias": "Verification A",
                    "type": "authenticity", "state": "performed", "model": "phone/v1",
                    "audio": {"handle": audio, "alias": "Audio A", "state": "available"},
                    "score": first["scores"]["synthesis"],
                    "createdAt": "2026-01-01T00:00:00.000000Z",
                    "performedAt": "2026-01-01T00:00:00.000000Z"}
    assert r.json[1]["type"] == "message"
    assert r.json[1]["createdAt"] == "2026-01-01T00:00:01.500000Z"
    assert silent["state"] == "performedWithoutScore"
    assert client.get(f"{SPACE}/audios/{audio}", headers=KEY_A).json["verifications"] == 2


def test_list_paging_headers_and_filters(client, admin):
    audio = audio_handle(client, pcm_wav([("tone", 4.5)]))
    handles = []
    for i, score in enumerate([0.2, 0.5, 0.9]):
        admin.add_verdict_rule("hiya", score=score, times=1)
        data = pcm_wav([("tone", 5.0 + i)])
        handles.append(authenticity(client, audio_handle(client, data), alias=f"Check {i}").json["handle"])
        admin.advance_clock(10)
    admin.add_verdict_rule("hiya", score=0.7, times=1)
    handles.append(authenticity(client, audio).json["handle"])
    url = f"{SPACE}/verifications/authenticity"
    r = client.get(url, query_string={"page-size": 2}, headers=KEY_A)
    assert (r.headers["Page-Total"], r.headers["Page-Size"], r.headers["Page-Current"],
            r.headers["Item-Total"]) == ("2", "2", "1", "4")
    assert [v["handle"] for v in r.json] == handles[:2]
    r = client.get(url, query_string={"page-size": 2, "page": 3}, headers=KEY_A)
    assert r.status_code == 200 and r.json == [] and r.headers["Page-Current"] == "3"
    q = lambda **p: [v["handle"] for v in client.get(url, query_string=p, headers=KEY_A).json]  # noqa: E731
    assert q(**{"min-score": 0.5, "max-score": 0.9}) == handles[1:]
    assert q(**{"min-score": 0.6}) == [handles[2], handles[3]]
    assert q(**{"max-score": 0.2}) == [handles[0]]
    assert q(search="check 1") == [handles[1]]
    assert q(after="2026-01-01T00:00:10.000000Z", before="2026-01-01T00:00:20Z") == handles[1:3]
    assert q(sort="handle") == sorted(q())
    assert q(sort="performedAt") == q()
    for bad in ({"page-size": 51}, {"page-size": 0}, {"page": 0}, {"sort": "score"},
                {"after": "soon"}, {"min-score": 2}):
        assert_error(client.get(url, query_string=bad, headers=KEY_A), 400, "Invalid request")


def test_list_audios_sorts_and_searches(client, admin):
    first = audio_handle(client, media.wav(2, sample_rate=8000), alias="Zeta")
    admin.advance_clock(1)
    second = create_audio(client, alias="Alpha").json["handle"]
    r = client.get(f"{SPACE}/audios", headers=KEY_A)
    assert [a["handle"] for a in r.json] == [first, second]
    assert client.get(f"{SPACE}/audios", query_string={"search": "alp"}, headers=KEY_A).json[0]["handle"] == second
    assert_error(client.get(f"{SPACE}/audios", query_string={"sort": "performedAt"}, headers=KEY_A),
                 400, "Invalid request")
    assert client.get(f"{SPACE}/audios", query_string={"sort": "uploadedAt"}, headers=KEY_A).status_code == 200


# ---- credits and usage records ------------------------------------------------------------

def test_running_out_of_credits_is_429(client):
    r = client.put("/_admin/vendors/hiya/credits/user-a", json={"credits": 1})
    assert r.status_code == 200 and r.json["remaining"] == 1
    audio = audio_handle(client, media.wav(5, sample_rate=8000))
    assert authenticity(client, audio).status_code == 201
    assert_error(authenticity(client, audio), 429, "Not enough credits")
    assert client.get(f"{SPACE}/verifications/authenticity", headers=KEY_A).headers["Item-Total"] == "1"
    # the organisation has its own credits
    org_audio = create_audio(client, media.wav(5, sample_rate=8000), space=f"{V1}/spaces/org-a/main").json
    assert authenticity(client, org_audio["handle"], space=f"{V1}/spaces/org-a/main").status_code == 201


def test_credits_setting(settings):
    settings["vendors"] = {"hiya": {"credits": 5, "credits_by_owner": {"user-a": 0}}}
    client = create_app(settings).test_client()
    audio = audio_handle(client, media.wav(5, sample_rate=8000))
    assert_error(authenticity(client, audio), 429, "Not enough credits")
    credits = {c["owner"]: c["remaining"] for c in client.get("/_admin/vendors/hiya/credits").json["credits"]}
    assert credits == {"org-a": 5, "user-a": 0, "user-b": 5}


def test_admin_credits_validation(client):
    assert client.put("/_admin/vendors/hiya/credits/nobody", json={"credits": 1}).status_code == 404
    assert client.put("/_admin/vendors/hiya/credits/user-a", json={"credits": -1}).status_code == 400


def test_usage_records(client):
    audio = audio_handle(client, media.wav(5, sample_rate=8000))
    v = authenticity(client, audio).json
    org_space = f"{V1}/spaces/org-a/main"
    org_audio = create_audio(client, media.wav(5, sample_rate=8000), space=org_space).json["handle"]
    ov = authenticity(client, org_audio, space=org_space).json
    mine = client.get(f"{V1}/user/records/verification", headers=KEY_A)
    assert mine.status_code == 200 and mine.headers["Item-Total"] == "2"
    record = mine.json[0]
    assert record["verification"] == {"handle": v["handle"], "alias": None, "type": "authenticity"}
    assert record["space"] == {"handle": "main", "alias": None}
    assert record["owner"] == {"type": "user", "handle": "user-a", "alias": "User A"}
    assert record["actor"]["handle"] == "user-a" and record["performedAt"] == v["performedAt"]
    org = client.get(f"{V1}/orgs/org-a/records/verification", headers=KEY_A)
    assert [r["verification"]["handle"] for r in org.json] == [ov["handle"]]
    assert_error(client.get(f"{V1}/orgs/org-a/records/verification", headers=KEY_B), 403, "Forbidden")
    assert_error(client.get(f"{V1}/orgs/ghost/records/verification", headers=KEY_A), 404,
                 "Resource not found")
    assert client.get(f"{V1}/user/records/verification", headers=KEY_B).json == []


# ---- bad input never breaks the emulator --------------------------------------------------

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=60),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                           max_leaves=8)


@pytest.mark.parametrize("path", ["/audios", "/verifications/authenticity", "/verifications/identity",
                                  "/verifications/message", "/identities", "/voiceprints"])
def test_arbitrary_json_bodies_never_cause_a_server_error(path, settings):
    client = create_app(settings).test_client()

    @given(body=st.dictionaries(st.sampled_from(["audio", "model", "alias", "file", "identity",
                                                 "voiceprint", "language", "message", "handle",
                                                 "minAudios", "other"]), json_values, max_size=5))
    @hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def check(body):
        r = client.post(f"{SPACE}{path}", json=body, headers=KEY_A)
        assert r.status_code < 500, r.get_data(as_text=True)
        assert r.mimetype == "application/json" and "message" in (r.json if r.status_code >= 400 else {"message": 1})

    check()


# ---- routes and spec agree ----------------------------------------------------------------

@pytest.mark.in_process
def test_every_spec_operation_is_a_route_and_every_route_an_operation(app):
    import re

    import yaml

    from deepfake_mock.app import SPEC_DIR

    spec = yaml.safe_load((SPEC_DIR / "hiya.yaml").read_text())
    documented = {(method.upper(), re.sub(r"\{(\w+)\}", r"<\1>", path), op["operationId"])
                  for path, item in spec["paths"].items() for method, op in item.items()
                  if method in ("get", "post", "patch", "put", "delete")}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("hiya."):
            continue
        path = rule.rule.removeprefix("/hiya").replace("/audiointel/<any(us, eu):region>", "")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((method, path, rule.endpoint.split(".", 1)[1]))
    assert served == documented
