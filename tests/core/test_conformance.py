"""Strict mode's checker against the real vendor specs, without Flask."""

from __future__ import annotations

import json

import pytest
from werkzeug.datastructures import Headers, MultiDict

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.core.conformance import IncomingRequest, Violation, by_field
from deepfake_mock.core.request_checker import RequestChecker
from deepfake_mock.core.specs import Specs
from deepfake_mock.registry import VENDORS

SPECS = Specs(SPEC_DIR, {v.slug: v.spec for v in VENDORS})
HIYA_SPACE = "/hiya/v1/spaces/user-a/main"


@pytest.fixture(scope="module")
def checkers():
    return {slug: RequestChecker(SPECS[slug]) for slug in SPECS}


def request(method, path, *, query=None, headers=None, json_body=None, body=None,
            content_type=None, form=None, files=()):
    if json_body is not None:
        body, content_type = json.dumps(json_body).encode(), content_type or "application/json"
    has_body = body is not None or form is not None or bool(files)
    return IncomingRequest(method=method, host_url="http://127.0.0.1:8080/", path=path,
                           query=MultiDict(query or {}), headers=Headers(headers or {}),
                           content_type=content_type or "", has_body=has_body, body=body,
                           form=None if form is None else MultiDict(form), files=tuple(files))


def found(violations):
    return {(v.location, v.field, v.rule) for v in violations}


def test_a_json_body_is_checked_field_by_field(checkers):
    r = request("POST", f"{HIYA_SPACE}/verifications/message",
                json_body={"audio": "Not-A-Handle", "model": 1, "extra": True})
    violations = checkers["hiya"].check("create_message_verification", r)
    assert found(violations) == {
        ("body", "language", "required"), ("body", "message", "required"),
        ("body", "extra", "additionalProperties"), ("body", "audio", "pattern"),
        ("body", "model", "type")}
    assert len(violations) == len(set(violations))


def test_a_valid_json_body_has_no_violation(checkers):
    r = request("POST", f"{HIYA_SPACE}/verifications/message",
                json_body={"audio": "a-1", "model": "phone", "language": "en", "message": "hi"})
    assert checkers["hiya"].check("create_message_verification", r) == []


def test_query_parameters_are_read_as_the_spec_declares_them(checkers):
    r = request("GET", f"{HIYA_SPACE}/audios", query={"page": "x", "page-size": "9999"})
    assert found(checkers["hiya"].check("list_audios", r)) == {
        ("query", "page", "type"), ("query", "page-size", "maximum")}
    ok = request("GET", f"{HIYA_SPACE}/audios", query={"page": "2", "page-size": "50", "search": ""})
    assert checkers["hiya"].check("list_audios", ok) == []  # ``search=`` is an empty string


def test_the_regional_base_path_matches_too(checkers):
    r = request("GET", "/hiya/audiointel/eu/v1/spaces/user-a/main/audios", query={"page": "0"})
    assert found(checkers["hiya"].check("list_audios", r)) == {("query", "page", "minimum")}


def test_form_fields_are_cast_like_the_vendor_reads_them(checkers):
    path = "/finauth/finauth/v5/anti_deepfake"
    ok = request("POST", path, content_type="multipart/form-data; boundary=x",
                 form={"sign": "s", "sign_version": "hmac_sha1", "data_type": "0"}, files=["image"])
    assert checkers["finauth"].check("anti_deepfake", ok) == []
    bad = request("POST", path, content_type="multipart/form-data; boundary=x",
                  form={"sign_version": "hmac_sha1", "data_type": "3"}, files=["image"])
    assert {("body", "sign", "required"), ("body", "data_type", "enum")} <= found(
        checkers["finauth"].check("anti_deepfake", bad))


def test_form_fields_are_found_through_allof_and_named_once(checkers):
    """Resemble's upload schema is an allOf: a bad documented field is reported for its value
    only, an unknown one as undocumented."""
    r = request("POST", "/resemble/api/v2/detect", content_type="multipart/form-data; boundary=x",
                form={"frame_length": "9", "visualize": "true", "zzz": "1"}, files=["file"])
    assert found(checkers["resemble"].check("create_detection", r)) == {
        ("body", "frame_length", "maximum"), ("body", "zzz", "unevaluatedProperties")}
    ok = request("POST", "/resemble/api/v2/detect", content_type="multipart/form-data; boundary=x",
                 form={"frame_length": "3", "visualize": "true"}, files=["file"])
    assert checkers["resemble"].check("create_detection", ok) == []


def test_an_undocumented_content_type_is_a_header_violation(checkers):
    r = request("POST", "/glair/face/v1/deepfake/images", body=b'{"frames": []}',
                content_type="application/x-www-form-urlencoded")
    [violation] = checkers["glair"].check("detect_deepfake_frames", r)
    assert (violation.location, violation.field, violation.rule) == ("header", "Content-Type", "content-type")
    assert "application/x-www-form-urlencoded is not a documented content type" in violation.message


def test_a_body_that_is_not_json_is_a_syntax_violation(checkers):
    r = request("POST", "/glair/face/v1/deepfake/images", body=b"{frames",
                content_type="application/json")
    assert found(checkers["glair"].check("detect_deepfake_frames", r)) == {("body", None, "syntax")}


def test_a_required_body_must_be_sent(checkers):
    r = request("POST", "/phonexia/api/technology/experimental/authenticity-verification")
    violations = checkers["phonexia"].check("start_authenticity_verification", r)
    assert found(violations) == {("body", None, "required")}


def test_a_binary_body_is_checked_for_presence_only(checkers):
    path = f"{HIYA_SPACE}/audios/a-1/file"
    sent = request("POST", path, content_type="application/octet-stream", body=b"")
    sent.body = None  # streamed: never read by strict mode
    assert checkers["hiya"].check("upload_audio_file", sent) == []
    missing = request("POST", path, content_type="application/octet-stream")
    assert found(checkers["hiya"].check("upload_audio_file", missing)) == {("body", None, "required")}


def test_problems_are_grouped_by_field_for_vendor_envelopes():
    violations = [Violation("body", "audio", "pattern", "bad"), Violation("body", "audio", "type", "worse"),
                  Violation("header", "Content-Type", "content-type", "nope"),
                  Violation("body", None, "syntax", "not JSON")]
    assert by_field(violations) == {"audio": ["bad", "worse"], "Content-Type": ["nope"],
                                    "body": ["not JSON"]}
