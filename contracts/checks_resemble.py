"""Resemble Detect invariants checked on every response of the property-based run."""

from __future__ import annotations

from schemathesis.core.failures import Failure


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def resemble_envelope(ctx, response, case):
    """Every JSON answer starts with ``success``: true on 2xx; on an error false, with a
    ``message`` string and, when present, ``errors`` as {field: [strings]}."""
    body = _json(response)
    ok = isinstance(body, dict) and body.get("success") is (response.status_code < 400)
    if ok and response.status_code >= 400:
        errors = body.get("errors")
        ok = isinstance(body.get("message"), str) and (errors is None or (
            isinstance(errors, dict) and all(isinstance(v, list) and all(isinstance(s, str)
                                                                         for s in v)
                                             for v in errors.values())))
    if not ok:
        raise Failure(operation=case.operation.label, title="Body is not Resemble's envelope",
                      message=f"resemble answered {response.status_code} with {str(body)[:300]}",
                      code="vendor_envelope")
    return None


def resemble_retry_after(ctx, response, case):
    """A 429 says when to come back: ``Retry-After`` in whole seconds."""
    if response.status_code != 429:
        return None
    values = response.headers.get("retry-after") or []
    if not values or not values[0].isdigit():
        raise Failure(operation=case.operation.label, title="429 without Retry-After",
                      message=f"headers: {dict(response.headers)}", code="resemble_retry_after")
    return None


CHECKS = [resemble_envelope, resemble_retry_after]
