"""Strict mode in the pipeline: the request as core.conformance sees it, and the step that
records (and in ``reject`` mode answers) what breaks the vendor's spec."""

from __future__ import annotations

from flask import request

from ..core.conformance import IncomingRequest

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def incoming() -> IncomingRequest:
    """The current request; a form body is parsed (and its files spooled) as the view would,
    a JSON body is read (and cached for the view), any other body is left unread."""
    mimetype = request.mimetype
    has_body = request.content_length is not None or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()  # an empty body is still a body
    shaped = IncomingRequest(method=request.method, host_url=request.host_url,
                             path=request.path, query=request.args, headers=request.headers,
                             content_type=request.content_type or "", has_body=has_body)
    if mimetype in FORM_TYPES:
        shaped.form = request.form
        shaped.files = tuple(name for name, _ in request.files.items(multi=True))
        shaped.has_body = has_body or bool(shaped.form) or bool(shaped.files)
    elif mimetype == "application/json" or mimetype.endswith("+json"):
        shaped.body = request.get_data(cache=True)
    return shaped


def request_violations(ctx) -> list:
    """What the current request breaks of its operation in the vendor's spec."""
    return ctx.runtime.checker(ctx.vendor.slug).check(ctx.operation, incoming())


def check_contract(ctx) -> None:
    """Strict mode's pipeline step (after auth and rate limits, before the view)."""
    mode = ctx.runtime.strict_mode()
    if mode == "off":
        return
    ctx.violations = request_violations(ctx)
    if ctx.violations and mode == "reject":
        raise ctx.vendor.invalid_request(ctx.violations, ctx)
