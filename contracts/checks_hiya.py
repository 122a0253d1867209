"""Hiya Audio Intelligence invariants checked on every response of the property-based run."""

from __future__ import annotations

from schemathesis.core.failures import Failure

PAGE_HEADERS = ("Page-Total", "Page-Size", "Page-Current", "Item-Total")


def _header(response, name: str) -> str | None:
    """schemathesis keeps response headers with lower-case names and list values."""
    values = response.headers.get(name.lower())
    return values[0] if values else None


def hiya_error_envelope(ctx, response, case):
    """A non-2xx answer is a JSON object with a ``message`` string (the shape Loccus clients read;
    Hiya's general ``{"error": {...}}`` shape is accepted too)."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    ok = isinstance(body, dict) and (isinstance(body.get("message"), str)
                                      or isinstance(body.get("error"), dict))
    if not ok:
        raise Failure(operation=case.operation.label, title="Error body is not Hiya's envelope",
                      message=f"hiya answered {response.status_code} with {str(body)[:300]}",
                      code="vendor_envelope")
    return None


def hiya_page_headers(ctx, response, case):
    """A 200 list carries consistent pagination headers: the items fit the page size, and the
    page count covers the item count."""
    if response.status_code != 200 or case.method.upper() != "GET":
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, list):
        return None
    raw = {name: _header(response, name) for name in PAGE_HEADERS}
    try:
        values = {name: int(value) for name, value in raw.items()}
    except (TypeError, ValueError):
        raise Failure(operation=case.operation.label, title="Pagination headers missing",
                      message=f"list answered with {raw}", code="hiya_page_headers")
    size, total, pages = values["Page-Size"], values["Item-Total"], values["Page-Total"]
    if len(body) > size or pages * size < total or (total and (pages - 1) * size >= total):
        raise Failure(operation=case.operation.label, title="Pagination headers disagree",
                      message=f"{len(body)} items with {values}", code="hiya_page_headers")
    return None


CHECKS = [hiya_error_envelope, hiya_page_headers]
