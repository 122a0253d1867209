"""Resemble Detect invariants checked on every response of the property-based run."""

from __future__ import annotations

from .checks_base import documented, fail, header, json_body, not_envelope

# Error messages the spec documents, by status; 400's name the offending field (no closed set).
MESSAGES = {
    401: {"Invalid or missing API token"},
    402: {"insufficient_balance"},
    404: {"Detect not found", "Question not found", "Not found", "Batch not found"},
    422: {"Detection must be completed before asking questions"},
    429: {"Rate limit exceeded"},
}


def resemble_envelope(ctx, response, case):
    """Every JSON answer has ``success`` (false on errors, with a ``message`` and string ``errors``)."""
    body = json_body(response)
    ok = isinstance(body, dict) and body.get("success") is (response.status_code < 400)
    if ok and response.status_code >= 400:
        errors = body.get("errors")
        ok = isinstance(body.get("message"), str) and (errors is None or (
            isinstance(errors, dict) and all(isinstance(v, list) and all(isinstance(s, str)
                                                                         for s in v)
                                             for v in errors.values())))
    if not ok:
        not_envelope(case, "Resemble", response, body)
    return None


def resemble_error_messages(ctx, response, case):
    """An error's ``message`` is one the spec documents for its status."""
    documented(case, response, "message", MESSAGES, "Error message not documented")
    return None


def resemble_retry_after(ctx, response, case):
    """A 429 says when to come back: ``Retry-After`` in whole seconds."""
    if response.status_code != 429:
        return None
    value = header(response, "Retry-After")
    if not (value and value.isdigit()):
        fail(case, "429 without Retry-After", f"headers: {dict(response.headers)}")
    return None


def resemble_watermark_error(ctx, response, case):
    """The watermark endpoints' errors carry the vendor's ``error`` (its documented envelope)."""
    if "/watermark/" not in case.operation.path or response.status_code not in (400, 404):
        return None
    body = json_body(response)
    if not (isinstance(body, dict) and isinstance(body.get("error"), str)):
        fail(case, "Watermark error without `error`", f"body: {body!r}")
    return None


VISUALS = (("metrics", "image"), ("image_metrics", "image"), ("video_metrics", "treeview"))


def resemble_visualisation_urls(ctx, response, case):
    """Visualisations are URLs ("URL to heatmap visualization"), never inline data."""
    body = json_body(response)
    items = (body.get("items") or [body.get("item")]) if isinstance(body, dict) else []
    for item in filter(lambda i: isinstance(i, dict), items):
        values = [(item.get(group) or {}).get(key) for group, key in VISUALS]
        values.append(((item.get("image_metrics") or {}).get("ifl") or {}).get("heatmap"))
        for value in filter(None, values):
            if not (isinstance(value, str) and value.startswith(("http://", "https://"))):
                fail(case, "Visualisation is not a URL", f"{str(value)[:80]!r}")
    return None
