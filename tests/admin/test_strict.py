"""Strict mode through the app: violations recorded, and answered the vendor's way on reject."""

from __future__ import annotations

import io
import json

import pytest

from deepfake_mock import create_app
from deepfake_mock.testing import media

HIYA = {"Authorization": "Bearer hiya-key-user-a"}
HIYA_SPACE = "/hiya/v1/spaces/user-a/main"
RESEMBLE = {"Authorization": "Bearer resemble-test-token"}
GLAIR = {"x-api-key": "test-key", "Authorization": "Basic dXNlcjpwYXNz"}
PHONEXIA_START = "/phonexia/api/technology/experimental/authenticity-verification"


def off_contract_message_verification(client):
    return client.post(f"{HIYA_SPACE}/verifications/message", headers=HIYA,
                       json={"audio": "a-1", "model": "phone", "language": "english",
                             "message": "hi"})


def test_strict_mode_is_off_by_default_and_records_nothing(client, admin):
    assert admin.get_strict() == "off"
    off_contract_message_verification(client)
    assert admin.list_violations() == []
    assert "violations" not in admin.list_requests()[-1]


def test_record_mode_journals_each_violation_and_still_answers(client, admin):
    admin.set_strict("record")
    r = off_contract_message_verification(client)
    assert r.status_code == 400  # handled as usual: the emulator's own validation answers
    [violation] = admin.list_violations()
    assert {k: violation[k] for k in ("vendor", "operation", "method", "path", "status", "side",
                                      "location", "field", "rule")} == {
        "vendor": "hiya", "operation": "create_message_verification", "method": "POST",
        "path": f"{HIYA_SPACE}/verifications/message", "status": 400, "side": "request",
        "location": "body", "field": "language", "rule": "pattern"}
    entry = admin.list_requests()[-1]
    assert entry["request_id"] == violation["request_id"]
    assert entry["answered_by"] == "emulator"
    assert entry["violations"] == [{k: violation[k]
                                    for k in ("location", "field", "rule", "message", "side")}]


def test_a_request_that_keeps_to_the_spec_has_no_violation(client, admin):
    admin.set_strict("record")
    r = client.post(PHONEXIA_START, data={"file": (io.BytesIO(media.wav(4)), "call.wav")})
    assert r.status_code == 202
    r = client.get(f"{HIYA_SPACE}/audios?page=1&page-size=10", headers=HIYA)
    assert r.status_code == 200
    assert admin.list_violations() == []


def test_requests_refused_before_strict_mode_are_not_checked(client, admin):
    admin.set_strict("reject")
    r = client.post(f"{HIYA_SPACE}/verifications/message", json={"audio": 1})
    assert r.status_code == 401  # the vendor's own authentication comes first
    assert admin.list_violations() == []


def test_reject_answers_phonexia_422_with_a_detail_per_violation(client, admin):
    admin.set_strict("reject")
    r = client.post(PHONEXIA_START, data={"config": "{}"}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert r.json["message"] == "Request validation error."
    assert {"location": ["body", "file"], "message": "'file' is required", "type": "value_error",
            "context": {}} in r.json["detail"]
    assert admin.list_jobs("phonexia") == []


def test_reject_answers_hiya_400_invalid_request_and_creates_nothing(client, admin):
    admin.set_strict("reject")
    r = client.post(f"{HIYA_SPACE}/audios", headers=HIYA, json={"alias": "x" * 101})
    assert r.status_code == 400
    assert r.json["message"] == "Invalid request"
    assert list(r.json["errors"]) == ["alias"]
    assert client.get(f"{HIYA_SPACE}/audios", headers=HIYA).json == []


def test_reject_answers_resemble_400_naming_the_field(client, admin):
    admin.set_strict("reject")
    r = client.post("/resemble/api/v2/detect", headers=RESEMBLE,
                    data={"file": (io.BytesIO(media.wav(4)), "a.wav"), "frame_length": "9"})
    assert r.status_code == 400
    assert r.json["success"] is False
    assert r.json["message"].startswith("frame_length ")
    assert list(r.json["errors"]) == ["frame_length"]
    assert client.get("/resemble/api/v2/detect?page=1", headers=RESEMBLE).json["total_count"] == 0


def test_reject_answers_glair_with_its_documented_bodies(client, admin):
    admin.set_strict("reject")
    frames = json.dumps({"frames": "not a list"})
    r = client.post("/glair/face/v1/deepfake/images", headers=GLAIR, data=frames,
                    content_type="application/json")
    assert (r.status_code, r.json) == (400, {"reason": "Invalid JSON body", "status": "ERROR"})
    assert r.headers["Request-Id"]
    r = client.post("/glair/face/v1/deepfake/images", headers=GLAIR, data="{}",
                    content_type="application/json")
    assert (r.status_code, r.json) == (400, {"reason": "No file in request body", "status": "ERROR"})


def test_reject_answers_finauth_from_its_catalogue(client, admin):
    """FinAuth's sign is checked by its own authentication first, so a signed request with an
    out-of-range data_type reaches strict mode: BAD_ARGUMENTS."""
    from deepfake_mock.contracts.auth_finauth import FinAuthAuth
    admin.set_strict("reject")
    signer = FinAuthAuth("TESTKEY_abcdefghijklmnopqrstuvwx", "TESTSECRET_0123456789abcdefghijk",
                         now=admin.get_clock)
    r = client.post("/finauth/finauth/v5/anti_deepfake",
                    data={**signer.fields(), "data_type": "7",
                          "image": (io.BytesIO(media.image("jpeg", 320, 240)), "a.jpg")})
    assert r.status_code == 400
    assert r.json["error"] == "BAD_ARGUMENTS"


def test_reset_returns_to_the_setting_and_modes_are_a_closed_set(client, admin, settings):
    admin.set_strict("record")
    admin.reset()
    assert admin.get_strict() == "off"
    r = client.put("/_admin/strict", json={"mode": "loud"})
    assert (r.status_code, r.json) == (400, {"error": "mode must be one of off, record, reject"})
    with pytest.raises(ValueError, match="^setting strict: 'always' given; input should be "
                                         "'off', 'record' or 'reject'$"):
        create_app({**settings, "strict": "always"})


def test_the_setting_turns_strict_mode_on_at_start(settings):
    client = create_app({**settings, "strict": "record"}).test_client()
    assert client.get("/_admin/strict").json == {"mode": "record"}
    off_contract_message_verification(client)
    assert len(client.get("/_admin/violations").json["violations"]) == 1


def test_violations_filter_by_vendor_and_clear(client, admin):
    admin.set_strict("record")
    off_contract_message_verification(client)
    client.post(PHONEXIA_START, data={"config": "{}"}, content_type="multipart/form-data")
    assert {v["vendor"] for v in admin.list_violations()} == {"hiya", "phonexia"}
    assert {v["vendor"] for v in admin.list_violations("phonexia")} == {"phonexia"}
    assert client.get("/_admin/violations?vendor=nope").status_code == 404
    admin.clear_violations()
    assert admin.list_violations() == []
