"""GLAIR invariants checked on every response of the property-based run."""

from __future__ import annotations

from schemathesis.core.failures import Failure

STATUSES = {"SUCCESS", "NO_FILE", "FILE_INVALID_FORMAT", "FAILED", "ERROR"}


def _header(response, name: str) -> str:
    """schemathesis keeps response headers with lower-case names and list values."""
    values = response.headers.get(name.lower()) or [""]
    return values[0]


def glair_error_envelope(ctx, response, case):
    """A non-2xx answer is the service's ``{reason, status}``, the gateway's ``{error}``, or (a
    gateway 5xx other than 500) an HTML page."""
    if response.status_code < 400:
        return None
    if response.status_code > 500 and "html" in _header(response, "Content-Type"):
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    service = (isinstance(body, dict) and set(body) == {"reason", "status"}
               and isinstance(body["reason"], str) and body["status"] in STATUSES - {"SUCCESS"})
    gateway = isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], str)
    if not (service or gateway):
        raise Failure(operation=case.operation.label, title="Error body is not GLAIR's envelope",
                      message=f"glair answered {response.status_code} with {str(body)[:300]}")
    return None


def glair_request_id(ctx, response, case):
    """The docs: a ``Request-Id`` response header for every request to these endpoints."""
    if not _header(response, "Request-Id"):
        raise Failure(operation=case.operation.label, title="Request-Id header missing",
                      message=f"{response.status_code} without Request-Id")
    return None


CHECKS = [glair_error_envelope, glair_request_id]
