"""What happens to every vendor request, in order, on one screen:

    request id -> body size -> fault -> auth -> acquire -> rate limit -> strict mode
    -> resume deliveries -> view (or the answer it settled, ``web.answers``) -> vendor headers
    -> malformed-body fault -> journal (+ violations, coverage) -> release

Each step takes the request's RequestContext (``web.vendor``); the vendor's hooks are the
descriptor's, handed the same context, and the view gets it as its ``ctx`` argument. Every error,
from any step or view, is a VendorError rendered by the vendor's own envelope; unknown paths and
methods under a vendor's prefix get that vendor's 404/405.
"""

from __future__ import annotations

import json
import logging
import socket
import time

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, abort

from ..core.conformance import Violation
from ..core.coverage import Coverage
from ..core.errors import VendorError
from ..core.journal import shorten
from .answers import SettledAnswers
from .conformance import check_contract
from .deliveries import worker_of
from .methods import allowed_methods
from .request_head import head_problem
from .uploads import discard_unkept
from .vendor import RequestContext, Vendor, runtime

log = logging.getLogger("deepfake_mock")
BODY_PREVIEW = 2048      # bytes of a body the journal keeps


# ---- the steps before the view -------------------------------------------------------------

def check_body_size(ctx: RequestContext) -> None:
    """Refuse an oversized body from Content-Length before reading it; werkzeug enforces the
    same limit while streaming a body that has no Content-Length."""
    limit = ctx.config.max_body_bytes
    request.max_content_length = limit
    length = request.content_length
    if length is not None and length > limit:
        ctx.reason = f"body over {limit} bytes"
        raise ctx.vendor.status_error(413, ctx)


def apply_fault(ctx: RequestContext) -> Response | None:
    rule = ctx.runtime.faults.take(ctx.vendor.slug, ctx.operation)
    if rule is None:
        return
    kind = rule["fault"]
    ctx.reason = f"fault: {kind}" + {"status": f" {rule.get('status')}",
                                     "delay": f" {rule.get('delay_ms')} ms"}.get(kind, "")
    if kind == "status":
        raise ctx.vendor.status_error(rule["status"], ctx)
    if kind == "delay":
        time.sleep(rule["delay_ms"] / 1000)
    elif kind == "malformed":
        ctx.malformed = True
    elif kind == "drop":
        ctx.dropped = True
        return _drop_connection()
    return None


def authenticate(ctx: RequestContext) -> None:
    if ctx.vendor.authenticate is not None and ctx.operation not in ctx.vendor.public_operations:
        ctx.principal = ctx.vendor.authenticate(ctx)


def acquire(ctx: RequestContext) -> None:
    """The vendor's per-request resource (FinAuth's concurrency slot), released at the end."""
    if ctx.vendor.acquire is not None:
        ctx.vendor.acquire(ctx)


def rate_limit(ctx: RequestContext) -> None:
    rule = ctx.runtime.rate_limit(ctx.vendor.slug)
    if rule is None:
        return
    credential = (ctx.principal or {}).get("credential") or request.remote_addr or "anonymous"
    decision = ctx.runtime.limiter.hit(f"{ctx.vendor.slug}:{credential}", rule["limit"],
                                       rule["window"])
    if not decision.allowed:
        ctx.reason = f"rate limit: {rule['limit']} per {rule['window']} s"
        raise ctx.vendor.rate_limited(decision, ctx)


def resume_deliveries(ctx: RequestContext) -> None:
    """A restarted or forked worker process picks up the vendor's callbacks left open."""
    if ctx.vendor.deliveries is not None:
        worker_of(current_app, ctx.vendor.slug,
                  lambda: ctx.vendor.deliveries(ctx.runtime, ctx.config)).resume(ctx.version)


STEPS = (check_body_size, apply_fault, authenticate, acquire, rate_limit, check_contract,
         resume_deliveries)


# ---- the steps after the view --------------------------------------------------------------

def decorate(ctx: RequestContext, response: Response) -> None:
    """The vendor's own headers, on the emulator's answers (an override or a recording is
    answered as it is written)."""
    if ctx.vendor.decorate is not None and ctx.answered_by == "emulator":
        ctx.vendor.decorate(ctx, response)


def cut_malformed(ctx: RequestContext, response: Response) -> None:
    if ctx.malformed:
        body = response.get_data()
        response.set_data(body[: max(1, len(body) // 2)])


def journal(ctx: RequestContext, response: Response) -> None:
    """One journal entry (the journal masks its secrets by the runtime's redaction policy)."""
    rt = ctx.runtime
    status = None if ctx.dropped else response.status_code
    counted = ctx.operation is not None and not ctx.dropped  # coverage: answers to operations
    tally = Coverage.key(ctx.vendor.slug, ctx.operation, response.status_code) if counted else None
    head = {"request_id": ctx.request_id, "time": rt.clock.now(), "vendor": ctx.vendor.slug,
            "operation": ctx.operation, "status": status, "duration_ms": ctx.elapsed_ms(3),
            "answered_by": ctx.answered_by}
    if ctx.answered_from is not None:
        head["answered_from"] = ctx.answered_from
    if ctx.violations:
        entry = {"direction": "inbound", **head, **_sent_fields(),
                 "response": _answer_fields(response),
                 "violations": [v.as_dict() for v in ctx.violations]}
        entry = rt.redaction.redact(entry)  # a violation's message may quote a secret value
        rt.violations.record({key: entry[key] for key in _VIOLATION_CONTEXT},
                             [Violation(**v) for v in entry["violations"]])
        rt.journal.record(entry, tally)
        return
    sent = rt.journal.side(_sent_key(request.environ), _sent_fields, members=True)
    answer = rt.journal.side(_answer_key(response), lambda: _answer_fields(response))
    rt.journal.record_exchange(head, sent, answer, tally)


AFTER_STEPS = (decorate, cut_malformed, journal)


def release(ctx: RequestContext) -> None:
    """When the request ends, whatever happened: what ``acquire`` took goes back."""
    if ctx.held is not None and ctx.vendor.release is not None:
        ctx.vendor.release(ctx)


# ---- wiring --------------------------------------------------------------------------------

def install(app: Flask, vendors: dict[str, Vendor], single: Vendor | None) -> None:
    """Attach the pipeline to the app: one before-request, one after-request, one teardown,
    error handlers. The request's context lives in ``g.ctx``, read here and by the access log
    only: hooks and views are handed it."""
    answers = SettledAnswers()

    def vendor_for_path() -> Vendor | None:
        if single is not None:
            return single
        first = request.path.strip("/").split("/", 1)[0]
        return vendors.get(first)

    def current_context() -> RequestContext | None:
        """This request's context; for an error met before it was made (a bad request head,
        an unknown path), a new one for the vendor whose prefix the path has."""
        ctx = g.get("ctx")
        if ctx is None:
            vendor = vendor_for_path()
            ctx = RequestContext.new(vendor, runtime()) if vendor is not None else None
        return ctx

    @app.before_request
    def before_vendor_request():
        req = request._get_current_object()  # one lookup of the request, not one per use
        too_large = head_problem(req.environ)
        if too_large:
            abort(too_large)  # rendered below: the vendor's envelope, or the admin API's
        endpoint = req.endpoint
        vendor = vendors.get(req.blueprint or "") or (
            vendor_for_path() if endpoint is None else None)
        if vendor is None:
            return None
        operation = endpoint.rsplit(".", 1)[-1] if endpoint and req.method != "OPTIONS" else None
        ctx = g.ctx = RequestContext.new(vendor, runtime(), operation)
        ctx.version = ctx.runtime.store.pin_meta()  # every knob (clock, faults, limits) at once
        if operation is None:
            return None  # OPTIONS, or an unknown path (its routing error is rendered below)
        for step in STEPS:
            answer = step(ctx)
            if answer is not None:
                return answer
        req.view_args["ctx"] = ctx
        return answers.answer(ctx)

    @app.after_request
    def after_vendor_request(response: Response) -> Response:
        ctx = g.get("ctx")
        if ctx is not None:
            answers.keep(ctx, response)
            for step in AFTER_STEPS:
                step(ctx, response)
        return response

    @app.teardown_request
    def end_vendor_request(exc):
        ctx = g.get("ctx")
        if ctx is not None:
            try:
                release(ctx)
            finally:
                ctx.runtime.store.unpin_meta()
        discard_unkept()

    @app.errorhandler(VendorError)
    def vendor_error(err: VendorError):
        return _render(err, current_context())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        ctx = current_context()
        if ctx is None:
            response = app.make_response(({"error": exc.description or exc.name},
                                          exc.code or 500))
        else:
            response = _render(ctx.vendor.status_error(exc.code or 500, ctx), ctx)
        if isinstance(exc, MethodNotAllowed):
            response.headers["Allow"] = ", ".join(allowed_methods(app.url_map, request.environ))
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if runtime().settings.fail_fast:
            raise exc
        log.exception("unexpected error")
        ctx = current_context()
        if ctx is None:
            return {"error": "internal error"}, 500
        ctx.reason = f"emulator error: {type(exc).__name__}"
        return _render(ctx.vendor.status_error(500, ctx), ctx)


def _render(err: VendorError, ctx: RequestContext) -> Response:
    status, body, headers = ctx.vendor.render_error(err, ctx)
    if isinstance(body, str):
        response = Response(body, status=status, mimetype="text/plain")
    else:
        response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers.update(err.headers)
    response.headers.update(headers)
    return response


def _drop_connection() -> Response:
    """Close the client's connection without an answer (gunicorn and werkzeug expose the socket).
    The response returned only ends the request on our side: nobody is left to read it."""
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return Response(b"", status=500)


# ---- journal -------------------------------------------------------------------------------

_VIOLATION_CONTEXT = ("request_id", "time", "vendor", "operation", "method", "path", "status")


def _sent_key(environ: dict) -> tuple | None:
    """What the journal's view of a request without a body depends on (None for one with a
    body: its side is not remembered)."""
    if environ.get("CONTENT_LENGTH") not in (None, "", "0") or "HTTP_TRANSFER_ENCODING" in environ:
        return None
    return (environ.get("REQUEST_METHOD"), environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"),
            environ.get("QUERY_STRING"),
            tuple(item for item in environ.items() if item[0].startswith("HTTP_")),
            environ.get("CONTENT_TYPE"))


def _sent_fields() -> dict:
    return {"method": request.method, "path": request.path,
            "query": request.args.to_dict(flat=False), "headers": dict(request.headers),
            "body": _request_body()}


def _answer_key(response: Response) -> tuple | None:
    if response.direct_passthrough or response.is_streamed:
        return None
    return tuple(response.headers.items()), response.get_data()


def _answer_fields(response: Response) -> dict:
    return {"headers": dict(response.headers), "body": _response_body(response)}


def _request_body() -> dict | None:
    parsed = request.__dict__
    if "form" in parsed or "files" in parsed:
        form = {k: shorten(v) for k, v in request.form.items()}
        files = [{"field": name, "filename": f.filename, "content_type": f.mimetype,
                  "size": getattr(f.stream, "size", None)}
                 for name, f in request.files.items(multi=True)]
        return {"form": form, "files": files}
    if request.is_json and (request.content_length or 0) <= 1 << 20:
        return {"json": shorten(request.get_json(silent=True))}
    return {"size": request.content_length} if request.content_length else None


def _response_body(response: Response) -> str | None:
    """The body as text (the journal parses JSON bodies when it is read, not here)."""
    if response.direct_passthrough or response.is_streamed:
        return None
    return response.get_data()[:BODY_PREVIEW * 8].decode("utf-8", "replace")
