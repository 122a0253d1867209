"""Hiya Audio Intelligence invariants checked on every response of the property-based run."""

from __future__ import annotations

from .checks_base import documented, fail, header, json_body, not_envelope

PAGE_HEADERS = ("Page-Total", "Page-Size", "Page-Current", "Item-Total")
# Error messages the spec documents, by status (400's are listed in its BadRequest note).
MESSAGES = {
    400: {"Invalid request", "Audio file not available", "Model requirements not met",
          "Voiceprint not computed", "Voiceprint not computable",
          "Audio belongs to another identity"},
    401: {"Unauthorized"},
    403: {"Forbidden"},
    404: {"Resource not found"},
    409: {"Resource collision"},
    413: {"Payload too large"},
    415: {"Unsupported media type"},
    429: {"Not enough credits", "Too many requests"},
}


def hiya_error_envelope(ctx, response, case):
    """A non-2xx answer is a JSON object with a ``message`` string (or Hiya's ``{"error": {}}``)."""
    if response.status_code < 400:
        return None
    body = json_body(response)
    ok = isinstance(body, dict) and (isinstance(body.get("message"), str)
                                      or isinstance(body.get("error"), dict))
    if not ok:
        not_envelope(case, "Hiya", response, body)
    return None


def hiya_error_messages(ctx, response, case):
    """An error's ``message`` is one the spec documents for its status."""
    documented(case, response, "message", MESSAGES, "Error message not documented")
    return None


def hiya_page_headers(ctx, response, case):
    """A 200 list carries ``Page-*`` / ``Item-Total`` headers that agree with its items."""
    if response.status_code != 200 or case.method.upper() != "GET":
        return None
    body = json_body(response)
    if not isinstance(body, list):
        return None
    raw = {name: header(response, name) for name in PAGE_HEADERS}
    try:
        values = {name: int(value) for name, value in raw.items()}
    except (TypeError, ValueError):
        fail(case, "Pagination headers missing", f"list answered with {raw}")
    size, total, pages = values["Page-Size"], values["Item-Total"], values["Page-Total"]
    if len(body) > size or pages * size < total or (total and (pages - 1) * size >= total):
        fail(case, "Pagination headers disagree", f"{len(body)} items with {values}")
    return None
