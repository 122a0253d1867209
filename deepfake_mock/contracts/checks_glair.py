"""GLAIR invariants checked on every response of the property-based run."""

from __future__ import annotations

from .checks_base import fail, header, json_body, not_envelope

STATUSES = {"SUCCESS", "NO_FILE", "FILE_INVALID_FORMAT", "FAILED", "ERROR"}
# The service's documented reasons, each with the ``status`` values it comes with.
REASONS = {
    "No file in request body": {"ERROR", "NO_FILE"},
    "Invalid JSON body": {"ERROR", "NO_FILE"},
    "File size exceeds the maximum of 6MB": {"FAILED"},
    "Total frames size exceeds the maximum of 6MB": {"FAILED"},
    "Invalid file format, only .mp4 is supported": {"FILE_INVALID_FORMAT"},
    "Invalid file format": {"FILE_INVALID_FORMAT"},
    "Failed to process the input": {"FAILED"},
}
# The gateway's documented ``error`` messages.
GATEWAY_ERRORS = {
    "Attempted access with malformed header, header not in basic auth format",
    "Attempted access with malformed header, auth data not encoded correctly",
    "Attempted access with malformed header, values not in basic auth format",
    "Authorization field missing",
    "User not authorised",
    "Access to this API has been disallowed",
    "Rate limit exceeded",
}


def _is_gateway_page(response) -> bool:
    """A gateway 5xx other than 500 may be an HTML page."""
    return response.status_code > 500 and "html" in (header(response, "Content-Type") or "")


def glair_error_envelope(ctx, response, case):
    """A non-2xx answer is the service's ``{reason, status}`` or the gateway's ``{error}``."""
    if response.status_code < 400 or _is_gateway_page(response):
        return None
    body = json_body(response)
    service = (isinstance(body, dict) and set(body) == {"reason", "status"}
               and isinstance(body["reason"], str) and body["status"] in STATUSES - {"SUCCESS"})
    gateway = isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], str)
    if not (service or gateway):
        not_envelope(case, "GLAIR", response, body)
    return None


def glair_error_strings(ctx, response, case):
    """An error's ``reason`` and ``status``, or the gateway's ``error``, are documented ones."""
    body = json_body(response)
    if response.status_code < 400 or not isinstance(body, dict):
        return None
    if "error" in body and body["error"] not in GATEWAY_ERRORS:
        fail(case, "Gateway error not documented",
             f"{response.status_code} answered {body['error']!r}; the spec documents "
             f"{sorted(GATEWAY_ERRORS)}")
    if "reason" in body and body.get("status") not in REASONS.get(body["reason"], ()):
        fail(case, "Error reason not documented",
             f"{response.status_code} answered {body.get('status')!r} {body['reason']!r}; the spec "
             f"documents {sorted(REASONS.items())}")
    return None


def glair_request_id(ctx, response, case):
    """Every answer carries a ``Request-Id`` header, as the docs say."""
    if not header(response, "Request-Id"):
        fail(case, "Request-Id header missing", f"{response.status_code} without Request-Id")
    return None
