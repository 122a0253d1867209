"""The FinAuth pieces of the contract suite: the request signer and the response checks."""

from __future__ import annotations

import io
import types

import pytest
import requests
from schemathesis.core.failures import Failure
from werkzeug.formparser import parse_form_data
from werkzeug.test import EnvironBuilder

from deepfake_mock.contracts.auth_finauth import FinAuthAuth, resign_multipart
from deepfake_mock.contracts.checks_finauth import (finauth_error_codes, finauth_error_envelope,
                                      finauth_plain_text_errors, finauth_result_rule)
from deepfake_mock.vendors.finauth.signing import verify_sign

KEY = "TESTKEY_abcdefghijklmnopqrstuvwx"
SECRET = "TESTSECRET_0123456789abcdefghijk"


def parse(body: bytes, content_type: str):
    env = EnvironBuilder(method="POST", input_stream=io.BytesIO(body), content_type=content_type,
                         content_length=len(body)).get_environ()
    _, form, files = parse_form_data(env)
    return form, files


def test_requests_signer_replaces_made_up_sign_fields():
    signer = FinAuthAuth(KEY, SECRET, now=lambda: 1700000000)
    prepared = requests.Request(
        "POST", "http://x/finauth/v5/anti_deepfake",
        files={"sign": (None, "made-up"), "data_type": (None, "0"),
               "image": ("a.jpg", b"\xff\xd8binary\r\n--not-a-boundary", "image/jpeg")},
        auth=signer).prepare()
    form, files = parse(prepared.body, prepared.headers["Content-Type"])
    assert form.getlist("sign") != ["made-up"] and len(form.getlist("sign")) == 1
    assert form["sign_version"] == "hmac_sha1" and form["data_type"] == "0"
    assert files["image"].read() == b"\xff\xd8binary\r\n--not-a-boundary"
    assert int(prepared.headers["Content-Length"]) == len(prepared.body)
    parsed = verify_sign(form["sign"], {KEY: SECRET}, 1700000001)
    assert parsed.expire_time == 1700000100


def test_non_multipart_requests_are_left_alone():
    prepared = requests.Request("POST", "http://x/", json={"a": 1}, auth=FinAuthAuth(KEY, SECRET)).prepare()
    assert prepared.body == b'{"a": 1}'


def test_resign_an_empty_multipart_body():
    body = resign_multipart(b"", b"bnd", {"sign": "S", "sign_version": "hmac_sha1"})
    form, _ = parse(body, "multipart/form-data; boundary=bnd")
    assert dict(form) == {"sign": "S", "sign_version": "hmac_sha1"}


def test_schemathesis_provider_sets_the_case_body():
    signer = FinAuthAuth(KEY, SECRET, now=lambda: 1700000000)
    case = types.SimpleNamespace(body={"data_type": 0, "sign": "junk"})
    signer.set(case, signer.get(case, None), None)
    assert case.body["data_type"] == 0 and case.body["sign_version"] == "hmac_sha1"
    assert verify_sign(case.body["sign"], {KEY: SECRET}, 1700000000).api_key == KEY


def test_real_service_needs_credentials():
    with pytest.raises(RuntimeError):
        FinAuthAuth.from_env({}, required=True)
    signer = FinAuthAuth.from_env({"FINAUTH_API_KEY": "k", "FINAUTH_API_SECRET": "s"}, required=True)
    assert (signer.api_key, signer.api_secret) == ("k", "s")


class FakeResponse:
    def __init__(self, status, body, content_type="application/json"):
        import json

        self.status_code = status
        self.text = body if isinstance(body, str) else json.dumps(body)
        self.headers = {"content-type": [content_type]}

    def json(self):
        import json

        return json.loads(self.text)


CASE = types.SimpleNamespace(operation=types.SimpleNamespace(label="POST /finauth/v5/anti_deepfake"))
RID = "1700000003,3f1c2a4e-8b7d-4e21-9a55-0c6f2d9e7b10"


@pytest.mark.parametrize("response", [
    FakeResponse(400, {"request_id": RID, "time_used": 1, "error": "BAD_ARGUMENTS"}),
    FakeResponse(404, {"error": "API_NOT_FOUND"}),
    FakeResponse(413, "Request Entity Too Large", "text/plain; charset=utf-8"),
    FakeResponse(504, "504 Gateway Timeout", "text/plain"),
    FakeResponse(200, {"request_id": RID, "time_used": 1, "result": True, "score": 0.5, "threshold": 0.5}),
])
def test_checks_accept_the_documented_shapes(response):
    for check in (finauth_error_envelope, finauth_plain_text_errors, finauth_error_codes,
                  finauth_result_rule):
        check(None, response, CASE)


@pytest.mark.parametrize("response", [
    FakeResponse(400, {"error": "BAD_ARGUMENTS"}),
    FakeResponse(403, {"request_id": "abc", "time_used": 1, "error": "AUTHENTICATION_ERROR"}),
    FakeResponse(404, {"request_id": RID, "error": "API_NOT_FOUND"}),
    FakeResponse(413, {"error": "Request Entity Too Large"}),
    FakeResponse(500, "<html>oops</html>", "text/html"),
])
def test_envelope_checks_fail_on_other_shapes(response):
    with pytest.raises(Failure):
        for check in (finauth_error_envelope, finauth_plain_text_errors):
            check(None, response, CASE)


def test_result_rule_fails_when_result_disagrees():
    response = FakeResponse(200, {"request_id": RID, "time_used": 1, "result": False, "score": 0.7,
                                  "threshold": 0.5})
    with pytest.raises(Failure):
        finauth_result_rule(None, response, CASE)
