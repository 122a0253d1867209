"""The contract suite's own checks fail when a server breaks the documented behaviour."""

from types import SimpleNamespace

import pytest

from contracts.checks import EnvelopeMismatch, phonexia_error_envelope, rate_limit_headers
from contracts.test_specs import operations
from mockserver.core.journal import redact_fields


def response(status, body):
    return SimpleNamespace(status_code=status, headers={}, json=lambda: body)


@pytest.mark.parametrize("body", [{"error": "x"}, {"type": "request.invalid"}, ["x"], None,
                                  {"type": 1, "message": "m"}])
def test_phonexia_envelope_check_rejects_other_bodies(body):
    with pytest.raises(EnvelopeMismatch):
        phonexia_error_envelope(None, response(422, body), None)


def test_phonexia_envelope_check_accepts_the_envelope_and_successes():
    ok = {"type": "request.invalid", "message": "Invalid request.", "detail": []}
    assert phonexia_error_envelope(None, response(400, ok), None) is None
    assert phonexia_error_envelope(None, response(200, {"anything": 1}), None) is None


def test_redaction_survives_unnamed_form_parts():
    assert redact_fields({None: "x", "sign": "s"}, frozenset({"sign"})) == {None: "x", "sign": "[redacted]"}


RATE_HEADERS = ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]


def system_info_case():
    op = next(o for o in operations("phonexia") if o.label == "GET /api/system/info")
    return op.Case()


def test_rate_limit_check_fails_on_a_429_without_the_documented_headers():
    bare = SimpleNamespace(status_code=429, headers={"content-type": ["application/json"]})
    with pytest.raises(AssertionError, match="retry-after"):
        rate_limit_headers(None, bare, system_info_case())


def test_rate_limit_check_passes_with_the_documented_headers():
    full = SimpleNamespace(status_code=429, headers={h: ["1"] for h in RATE_HEADERS})
    assert rate_limit_headers(None, full, system_info_case()) is None
