"""FinAuth invariants checked on every response of the property-based run."""

from __future__ import annotations

import re

from .checks_base import documented, fail, header, json_body, not_envelope

REQUEST_ID = re.compile(r"^\d+,[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TEXT_BODIES = {413: "Request Entity Too Large", 504: "504 Gateway Timeout"}
# The StarScope error table as the spec lists it, by status.
ERRORS = {
    400: {"MISSING_ARGUMENTS:sign", "MISSING_ARGUMENTS:sign_version",
          "MISSING_ARGUMENTS:data_type", "MISSING_ARGUMENTS:image", "MISSING_ARGUMENTS:video",
          "BAD_ARGUMENTS", "NO_FACE_FOUND", "INVALID_IMAGE_SIZE", "INVALID_IMAGE_SIZE:image",
          "INTERNAL_TIMEOUT"},
    403: {"AUTHENTICATION_ERROR", "AUTHENTICATION_ERROR:INVALID_SIGN",
          "AUTHENTICATION_ERROR:EXPIRED_SIGN", "AUTHENTICATION_ERROR:API_KEY_BE_DISCONTINUED",
          "AUTHENTICATION_ERROR:IP_NOT_ALLOWED", "AUTHENTICATION_ERROR:DENIED",
          "AUTHENTICATION_ERROR:LIMIT_REACHED", "CONCURRENCY_LIMIT_EXCEEDED"},
    404: {"API_NOT_FOUND"},
    500: {"INTERNAL_ERROR"},
}
BAD_ARGUMENTS_KEY = re.compile(r"^BAD_ARGUMENTS:[a-z_]+$")


def finauth_error_envelope(ctx, response, case):
    """A JSON error is ``{request_id: "<seconds>,<uuid4>", time_used, error}``; 404 ``{error}`` only."""
    status = response.status_code
    if status < 400 or status in TEXT_BODIES:
        return None
    body = json_body(response)
    if status == 404:
        ok = isinstance(body, dict) and set(body) == {"error"}
    else:
        ok = (isinstance(body, dict) and set(body) == {"request_id", "time_used", "error"}
              and isinstance(body["request_id"], str) and REQUEST_ID.match(body["request_id"])
              and isinstance(body["time_used"], int) and not isinstance(body["time_used"], bool)
              and isinstance(body["error"], str))
    if not ok:
        not_envelope(case, "FinAuth", response, body)
    return None


def finauth_plain_text_errors(ctx, response, case):
    """413 and 504 are ``text/plain`` pages with the documented text, not JSON."""
    expected = TEXT_BODIES.get(response.status_code)
    if expected is None:
        return None
    if not (header(response, "Content-Type") or "").startswith("text/plain") or response.text != expected:
        fail(case, "Plain-text error expected",
             f"{response.status_code} answered {header(response, 'Content-Type')!r} "
             f"{response.text[:200]!r}")
    return None


def _catalogue_form(error: str) -> str:
    """``CODE: key`` as ``CODE:key``; ``BAD_ARGUMENTS:<key>`` (setting ``bad_arguments_key``) as
    ``BAD_ARGUMENTS``."""
    error = error.replace(": ", ":", 1)
    return "BAD_ARGUMENTS" if BAD_ARGUMENTS_KEY.match(error) else error


def finauth_error_codes(ctx, response, case):
    """An ``error`` is a row of the documented error table for its status."""
    documented(case, response, "error", ERRORS, "Error not in FinAuth's table", _catalogue_form)
    return None


def finauth_result_rule(ctx, response, case):
    """A 200's ``result`` is ``score >= threshold``, both in [0, 1], with a well-formed request_id."""
    if response.status_code != 200:
        return None
    body = response.json()
    score, threshold = body.get("score"), body.get("threshold")
    if not (0 <= score <= 1 and 0 <= threshold <= 1) or body.get("result") is not (score >= threshold):
        fail(case, "result is not score >= threshold", str(body)[:300])
    if not REQUEST_ID.match(str(body.get("request_id"))):
        fail(case, "request_id is not <unix seconds>,<uuid4>", str(body)[:300])
    return None
