"""The contract suite's own checks fail when a server breaks the documented behaviour."""

from types import SimpleNamespace

import pytest

from contracts.checks import EnvelopeMismatch, phonexia_error_envelope
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
