"""FinAuth invariants checked on every response of the property-based run."""

from __future__ import annotations

import re

from schemathesis.core.failures import Failure

REQUEST_ID = re.compile(r"^\d+,[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TEXT_BODIES = {413: "Request Entity Too Large", 504: "504 Gateway Timeout"}


def _header(response, name: str) -> str:
    values = response.headers.get(name.lower()) or [""]
    return values[0]


def _fail(case, title: str, message: str):
    raise Failure(operation=case.operation.label, title=title, message=message)


def finauth_error_envelope(ctx, response, case):
    """413 and 504 are plain text; 404 is ``{"error": "API_NOT_FOUND"}``; every other failure is
    ``{"request_id": "<seconds>,<uuid4>", "time_used": <int>, "error": "..."}``."""
    status = response.status_code
    if status < 400:
        return None
    if status in TEXT_BODIES:
        if not _header(response, "Content-Type").startswith("text/plain") or response.text != TEXT_BODIES[status]:
            _fail(case, "Plain-text error expected", f"{status} answered {response.text[:200]!r}")
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    if status == 404:
        if body != {"error": "API_NOT_FOUND"}:
            _fail(case, "404 is not API_NOT_FOUND", str(body)[:300])
        return None
    ok = (isinstance(body, dict) and set(body) == {"request_id", "time_used", "error"}
          and isinstance(body["request_id"], str) and REQUEST_ID.match(body["request_id"])
          and isinstance(body["time_used"], int) and not isinstance(body["time_used"], bool)
          and isinstance(body["error"], str))
    if not ok:
        _fail(case, "Error body is not FinAuth's envelope", f"{status} answered {str(body)[:300]}")
    return None


def finauth_result_rule(ctx, response, case):
    """A 200's ``result`` is ``score >= threshold``, with both in [0, 1]."""
    if response.status_code != 200:
        return None
    body = response.json()
    score, threshold = body.get("score"), body.get("threshold")
    if not (0 <= score <= 1 and 0 <= threshold <= 1) or body.get("result") is not (score >= threshold):
        _fail(case, "result is not score >= threshold", str(body)[:300])
    if not REQUEST_ID.match(str(body.get("request_id"))):
        _fail(case, "request_id is not <unix seconds>,<uuid4>", str(body)[:300])
    return None


CHECKS = [finauth_error_envelope, finauth_result_rule]
