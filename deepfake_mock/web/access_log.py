"""The access log: one line per request on the ``deepfake_mock.access`` logger.

    2026-12-02T10:15:03.120 6f0c2e... phonexia get_technology_info GET /phonexia/api/... 503 1.4ms fault: status 503

Fields: time, request id (the journal's; ``-`` outside the vendors), vendor (``-`` for the
admin API and the specs), operation, method, path, status (``-`` when the connection was
dropped), duration, and, when the emulator itself made the answer an error, why: a fault, strict
mode, a rate limit, the body limit, an unknown path, a crash of the emulator. Never the query
string, a header or a body, and the path through the redaction policy, so no credential reaches
it. ``deepfake-mock serve`` sends it to stdout; ``--quiet`` or the ``access_log`` setting turns
it off.
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, Response, g, request

from .vendor import runtime

LOGGER = "deepfake_mock.access"


def install(app: Flask) -> None:
    """Time every request and log it once answered. Install before the pipeline: Flask runs
    after-request functions in reverse order, so the line sees the pipeline's final answer."""
    log = logging.getLogger(LOGGER)

    @app.before_request
    def start_clock():
        g.access_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        if log.isEnabledFor(logging.INFO):
            log.info("%s", line(g.get("ctx"), response.status_code, g.get("access_started")))
        return response


def line(ctx, status: int, started: float | None) -> str:
    """The request's line (without the time, which the formatter adds)."""
    duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    if ctx is None:
        fields = ["-", "-", request.endpoint or "-"]
    else:
        fields = [ctx.request_id, ctx.vendor.slug, ctx.operation or "-"]
        status = "-" if ctx.dropped else status
    path = runtime().redaction.redact_text(request.path)  # a path segment may hold a credential
    text = " ".join([*fields, request.method, path, str(status), f"{duration:.1f}ms"])
    why = reason(ctx, status) if ctx is not None else None
    return f"{text} {why}" if why else text


def reason(ctx, status) -> str | None:
    """What the emulator did to this answer (recorded by the pipeline): a fault, a limit, strict
    mode's findings (recorded or rejected), or the path that is no operation of the spec."""
    if ctx.reason:
        return ctx.reason
    if ctx.violations:
        first = ctx.violations[0]
        where = f"{first.location} {first.field}" if first.field else first.location
        more = f" (+{len(ctx.violations) - 1} more)" if len(ctx.violations) > 1 else ""
        return f"strict: {where} {first.rule}{more}"
    if ctx.operation is None and status != "-" and status >= 400:
        return "unknown path"
    return None


class StdoutHandler(logging.StreamHandler):
    """Writes to ``sys.stdout`` as it is when a line is logged (it may be replaced after set-up)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def to_stdout(enabled: bool) -> None:
    """serve's set-up (in the master, before the workers fork): lines on stdout, or none."""
    log = logging.getLogger(LOGGER)
    log.propagate = False
    log.handlers.clear()
    if not enabled:
        log.setLevel(logging.CRITICAL + 1)
        return
    handler = StdoutHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s.%(msecs)03d %(message)s",
                                           datefmt="%Y-%m-%dT%H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
