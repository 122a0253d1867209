"""The validation proxy (``deepfake-mock proxy``): the vendor's paths at the root, every request
forwarded to the upstream (the real vendor, or another emulator) and both sides checked.

    client -> proxy: request checked against the spec (strict mode's checker)
           -> upstream: forwarded as sent (credentials included, never recorded)
           <- answer checked: documented status, content type, headers, body schema, fields the
              spec does not have, and the contract suite's vendor checks (error strings...)
           -> journal (answered_by: upstream) and /_admin/violations (side: request|response);
              with ``record``, one file per exchange (``core.recordings``)

An upstream that cannot be reached is answered with the vendor's own gateway-style error in its
envelope (``gateway_status``). Links the upstream returns in Location headers are made the
proxy's, so a client polling ``X-Location`` keeps talking to the proxy.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, g, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from ..core import recordings
from ..core.conformance import Violation
from ..core.specs import Spec
from .conformance import request_violations
from .exchange import HOP_BY_HOP, LINK_HEADERS, NOT_RETURNED, request_summary
from .pipeline import journal, render_error
from .uploads import discard_unkept, spool_raw_body
from .vendor import RequestContext, Vendor, runtime

log = logging.getLogger("deepfake_mock")

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
GATEWAY_STATUSES = (504, 503, 502, 500)  # the first one the vendor documents answers an outage
NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "accept-encoding"}
CONNECT_SECONDS = 10


def gateway_status(spec: Spec, operation: str | None) -> int:
    """The status an unreachable upstream is answered with: the first of GATEWAY_STATUSES the
    operation documents, else the first any operation of the vendor documents, else 502."""
    ops = spec.operations
    for candidates in ([ops[operation]] if operation in ops else [], list(ops.values())):
        for status in GATEWAY_STATUSES:
            if any(op.documents(status) for op in candidates):
                return status
    return 502


def operation_map(spec: Spec) -> Map:
    """The spec's paths as werkzeug rules, their endpoint the operationId."""
    rules = []
    for op in spec.operations.values():
        path = op.path.replace("{", "<").replace("}", ">")
        rules.append(Rule(path, methods=[op.method], endpoint=op.operation_id))
    return Map(rules, strict_slashes=False, merge_slashes=False)


class Upstream:
    """Where requests go: ``base`` (scheme, host and any base path) and one HTTP session."""

    def __init__(self, base: str, read_seconds: float):
        self.base = base.rstrip("/")
        self.base_path = urlsplit(self.base).path
        self.read_seconds = read_seconds
        self.session = requests.Session()
        self.session.trust_env = False  # the upstream given, never an environment's proxy

    def send(self, body) -> requests.Response:
        """The current request, as it came, to the same path under ``base``."""
        url = self.base + request.path
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in NOT_FORWARDED}
        headers["Accept-Encoding"] = "identity"  # the bytes are passed on as they come
        if body.size:
            headers["Content-Length"] = str(body.size)
        body.seek(0)
        return self.session.request(request.method, url, headers=headers,
                                    data=body if body.size else None, allow_redirects=False,
                                    timeout=(CONNECT_SECONDS, self.read_seconds))

    def own_link(self, value: str) -> str:
        """A link to the upstream made the proxy's (absolute links keep the proxy's host)."""
        if value.startswith(self.base + "/") or value == self.base:
            return request.host_url.rstrip("/") + value[len(self.base):]
        if self.base_path and value.startswith(self.base_path + "/"):
            return value[len(self.base_path):]
        return value


def install(app: Flask, vendor: Vendor, upstream: Upstream, record_dir: str | None) -> None:
    """Serve ``vendor``'s paths at the root of ``app`` as a proxy to ``upstream``."""
    from ..contracts.watch import vendor_violations  # the [contract] extra (cli checks it)
    from ..core.response_checker import ResponseChecker

    rt = app.extensions["deepfake_mock"]
    spec = rt.specs[vendor.slug]
    operations = operation_map(spec)
    response_checker = ResponseChecker(spec)

    def answer_violations(operation: str, response: Response) -> list[Violation]:
        headers, body = dict(response.headers), response.get_data()
        return [*response_checker.check(operation, response.status_code, headers, body),
                *vendor_violations(vendor.slug, spec.operations[operation], request.method,
                                   response.status_code, headers, body)]

    def forward(path: str = ""):
        operation = _operation(operations, request.environ)
        ctx = g.ctx = RequestContext.new(vendor, rt, operation)
        ctx.answered_by = "upstream"
        body = spool_raw_body()
        sent = request_summary(request.path)
        ctx.violations = (request_violations(ctx) if operation else
                          [Violation("path", None, "undocumented",
                                     f"{request.method} {request.path} is no operation of the "
                                     f"{vendor.title} spec")])
        try:
            answer = upstream.send(body)
        except requests.RequestException as error:
            ctx.reason = f"upstream unreachable: {type(error).__name__}"
            log.warning("proxy: %s %s: %s", request.method, request.path, error)
            return render_error(vendor.status_error(gateway_status(spec, operation), ctx), ctx)
        response = _returned(answer, upstream)
        if operation is not None:
            ctx.violations += answer_violations(operation, response)
        if record_dir is not None:
            _record(rt, record_dir, ctx, sent, response)
        return response

    app.add_url_rule("/", "proxy_root", forward, methods=METHODS)
    app.add_url_rule("/<path:path>", "proxy", forward, methods=METHODS)

    @app.after_request
    def journal_exchange(response: Response) -> Response:
        ctx = g.get("ctx")
        if ctx is not None:
            journal(ctx, response)
        return response

    @app.teardown_request
    def end_exchange(exc):
        discard_unkept()


def _operation(operations: Map, environ: dict) -> str | None:
    try:
        endpoint, _ = operations.bind_to_environ(environ).match()
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


def _returned(answer: requests.Response, upstream: Upstream) -> Response:
    """The upstream's answer as the client gets it."""
    response = Response(answer.content, status=answer.status_code)
    response.headers.remove("Content-Type")
    for name, value in answer.raw.headers.items():
        lower = name.lower()
        if lower in NOT_RETURNED:
            continue
        response.headers.add(name, upstream.own_link(value) if lower in LINK_HEADERS else value)
    return response


def _record(rt, directory: str, ctx: RequestContext, sent: dict, response: Response) -> None:
    """One file for the exchange, secrets masked; links to the proxy kept as paths."""
    now = datetime.now(timezone.utc)
    own = request.host_url.rstrip("/")
    headers = {name: value[len(own):] if name.lower() in LINK_HEADERS and value.startswith(own + "/")
               else value for name, value in response.headers.items()}
    recording = {"vendor": ctx.vendor.slug, "operation": ctx.operation,
                 "recorded_at": recordings.recorded_at(now),
                 # masked alone, as replay masks the request it looks up
                 "request": rt.redaction.redact(sent),
                 **rt.redaction.redact({
                     "response": {"status": response.status_code, "headers": headers,
                                  "body": recordings.encode_body(response.get_data(),
                                                                 response.content_type)},
                     "violations": [v.as_dict() for v in ctx.violations]})}
    name = recordings.file_name(ctx.vendor.slug, ctx.operation, ctx.request_id, now)
    recordings.write(directory, recording, name)
