"""The contract suite's own checks fail when a server breaks the documented behaviour, and their
catalogues hold exactly what the specs document."""

import json
from types import SimpleNamespace

import pytest
import yaml

from deepfake_mock.contracts import checks_phonexia
from deepfake_mock.contracts.checks import (CHECKS, finauth_error_codes, finauth_plain_text_errors,
                              glair_error_strings, hiya_error_messages, phonexia_error_envelope,
                              phonexia_error_type, phonexia_location_reaches_terminal_state,
                              rate_limit_headers, resemble_error_messages)
from deepfake_mock.contracts.checks_finauth import ERRORS as FINAUTH_ERRORS
from deepfake_mock.contracts.checks_glair import GATEWAY_ERRORS, REASONS
from deepfake_mock.contracts.checks_hiya import MESSAGES as HIYA_MESSAGES
from deepfake_mock.contracts.checks_phonexia import ERROR_TYPES
from deepfake_mock.contracts.checks_resemble import MESSAGES as RESEMBLE_MESSAGES
from deepfake_mock.contracts.test_specs import _resolved, operations
from deepfake_mock.app import SPEC_DIR
from deepfake_mock.core.redaction import Redaction
from deepfake_mock.testing import media

CATALOGUE_CHECKS = {"phonexia": phonexia_error_type, "glair": glair_error_strings,
                    "hiya": hiya_error_messages, "resemble": resemble_error_messages,
                    "finauth": finauth_error_codes}


def response(status, body, headers=None, request=None):
    text = body if isinstance(body, str) else json.dumps(body)

    def parsed():
        return json.loads(text)
    return SimpleNamespace(status_code=status, json=parsed, text=text, request=request,
                           headers={k.lower(): [v] for k, v in (headers or {}).items()})


def case_of(slug, label):
    return next(o for o in operations(slug) if o.label == label).Case()


def any_case(slug):
    return operations(slug)[0].Case()


@pytest.mark.parametrize("body", [{"error": "x"}, {"type": "request.invalid"}, ["x"], None,
                                  {"type": 1, "message": "m"}])
def test_phonexia_envelope_check_rejects_other_bodies(body):
    with pytest.raises(AssertionError, match="not Phonexia's envelope"):
        phonexia_error_envelope(None, response(422, body), any_case("phonexia"))


def test_phonexia_envelope_check_accepts_the_envelope_and_successes():
    ok = {"type": "request.invalid", "message": "Invalid request.", "detail": []}
    assert phonexia_error_envelope(None, response(400, ok), any_case("phonexia")) is None
    assert phonexia_error_envelope(None, response(200, {"anything": 1}), None) is None


def test_redaction_survives_unnamed_form_parts():
    assert Redaction({"sign"}).redact({None: "x", "sign": "s"}) == {None: "x", "sign": "[redacted]"}


RATE_HEADERS = ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]


def test_rate_limit_check_fails_on_a_429_without_the_documented_headers():
    bare = response(429, {}, {"Content-Type": "application/json"})
    with pytest.raises(AssertionError, match="retry-after"):
        rate_limit_headers(None, bare, case_of("phonexia", "GET /api/system/info"))


def test_rate_limit_check_passes_with_the_documented_headers():
    full = response(429, {}, {h: "1" for h in RATE_HEADERS})
    assert rate_limit_headers(None, full, case_of("phonexia", "GET /api/system/info")) is None


# ---- documented error strings ------------------------------------------------------------------

def error_examples(slug, operations_of_slug):
    """(operation label, status, body) for every example of an error response in the spec; an
    example of one string field counts as a body with that field alone."""
    spec = yaml.safe_load((SPEC_DIR / f"{slug}.yaml").read_text())
    for operation in operations_of_slug:
        for status, definition in operation.definition.raw["responses"].items():
            if int(status) >= 400:
                for body in _examples(_resolved(definition, spec, set())):
                    yield operation.label, int(status), body


def _examples(node, field=None):
    if isinstance(node, list):
        for item in node:
            yield from _examples(item, field)
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("example", "examples"):
            values = [value] if key == "example" else (
                value if isinstance(value, list) else [v.get("value") for v in value.values()])
            for example in values:
                if isinstance(example, dict):
                    yield example
                elif field and isinstance(example, str):
                    yield {field: example}
        elif key == "properties":
            for name, schema in value.items():
                yield from _examples(schema, name)
        else:
            yield from _examples(value, field)


@pytest.mark.parametrize("slug", sorted(set(CATALOGUE_CHECKS) - {"phonexia"}))
def test_every_documented_error_example_passes_the_catalogue_check(slug):
    ops = operations(slug)
    cases = {operation.label: operation.Case() for operation in ops}
    examples = list(error_examples(slug, ops))
    failing = []
    for label, status, body in examples:
        try:
            CATALOGUE_CHECKS[slug](None, response(status, body), cases[label])
        except AssertionError as failure:
            failing.append((label, status, body, str(failure)))
    assert examples and failing == []


def test_phonexia_error_types_are_the_spec_enum():
    spec = yaml.safe_load((SPEC_DIR / "phonexia.yaml").read_text())
    enum = spec["components"]["schemas"]["Error"]["properties"]["type"]["enum"]
    assert sorted(t for types in ERROR_TYPES.values() for t in types) == sorted(enum)


@pytest.mark.parametrize("slug,strings", [
    ("hiya", [m for ms in HIYA_MESSAGES.values() for m in ms]),
    ("resemble", [m for ms in RESEMBLE_MESSAGES.values() for m in ms]),
    ("glair", [*REASONS, *GATEWAY_ERRORS]),
    ("finauth", [e.split(":")[-1] for es in FINAUTH_ERRORS.values() for e in es]),
])
def test_every_catalogue_string_stands_in_the_spec(slug, strings):
    text = " ".join((SPEC_DIR / f"{slug}.yaml").read_text().split())  # folded lines joined
    assert [s for s in strings if s not in text] == []


@pytest.mark.parametrize("check,slug,status,body", [
    (phonexia_error_type, "phonexia", 404, {"type": "request.invalid", "message": "m"}),
    (glair_error_strings, "glair", 403, {"error": "Forbidden"}),
    (glair_error_strings, "glair", 415, {"reason": "Invalid file format", "status": "FAILED"}),
    (hiya_error_messages, "hiya", 404, {"message": "Not found"}),
    (resemble_error_messages, "resemble", 401, {"success": False, "message": "Unauthorized"}),
    (finauth_error_codes, "finauth", 403, {"error": "AUTHENTICATION_ERROR:WRONG"}),
    (finauth_error_codes, "finauth", 400, {"error": "MISSING_ARGUMENTS:file"}),
])
def test_undocumented_error_strings_fail(check, slug, status, body):
    with pytest.raises(AssertionError, match="documented|table"):
        check(None, response(status, body), any_case(slug))


@pytest.mark.parametrize("error", ["MISSING_ARGUMENTS: sign", "BAD_ARGUMENTS:data_type",
                                   "BAD_ARGUMENTS: image"])
def test_finauth_separator_and_bad_arguments_key_are_documented_variants(error):
    assert finauth_error_codes(None, response(400, {"error": error}), any_case("finauth")) is None


def test_finauth_413_must_be_plain_text():
    case = any_case("finauth")
    text = response(413, "Request Entity Too Large", {"Content-Type": "text/plain"})
    assert finauth_plain_text_errors(None, text, case) is None
    as_json = response(413, "Request Entity Too Large", {"Content-Type": "application/json"})
    with pytest.raises(AssertionError, match="Plain-text"):
        finauth_plain_text_errors(None, as_json, case)


def test_every_vendor_has_an_envelope_check_and_a_catalogue_check():
    for slug, listed in CHECKS.items():
        names = [check.__name__ for check in listed]
        assert any("envelope" in name for name in names), slug
        assert CATALOGUE_CHECKS[slug] in listed, slug


# ---- Phonexia X-Location -------------------------------------------------------------------------

START = "/api/technology/experimental/authenticity-verification"


def accepted(mockserver):
    """A real 202 from the emulator, in the shape schemathesis hands to checks."""
    import requests

    r = requests.post(mockserver.url("phonexia") + START,
                      files={"file": ("a.wav", media.wav(4), "audio/wav")}, timeout=30)
    assert r.status_code == 202
    return response(202, r.json(), dict(r.headers), request=r.request)


def test_x_location_is_polled_to_done(mockserver):
    check = phonexia_location_reaches_terminal_state
    assert check(None, accepted(mockserver), case_of("phonexia", "POST " + START)) is None
    assert mockserver.admin.count_requests(vendor="phonexia",
                                           operation="get_authenticity_verification") == 2


def test_x_location_that_does_not_resolve_fails(mockserver):
    given = accepted(mockserver)
    given.headers["x-location"] = [START + "/00000000-0000-4000-8000-000000000000"]
    with pytest.raises(AssertionError, match="X-Location does not resolve"):
        phonexia_location_reaches_terminal_state(None, given, case_of("phonexia", "POST " + START))


def test_a_task_that_never_finishes_fails_after_the_bounded_polls(mockserver, monkeypatch):
    monkeypatch.setattr(checks_phonexia, "MAX_POLLS", 3)
    monkeypatch.setattr(checks_phonexia, "WAIT_SECONDS", 0)
    mockserver.admin.set_progression("phonexia", "manual")
    with pytest.raises(AssertionError, match="never finished"):
        phonexia_location_reaches_terminal_state(None, accepted(mockserver),
                                                 case_of("phonexia", "POST " + START))


def test_a_202_without_x_location_fails(mockserver):
    given = accepted(mockserver)
    del given.headers["x-location"]
    with pytest.raises(AssertionError, match="without X-Location"):
        phonexia_location_reaches_terminal_state(None, given, case_of("phonexia", "POST " + START))
