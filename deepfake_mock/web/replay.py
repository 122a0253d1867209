"""``serve --replay DIR``: a request that matches a recording of the validation proxy is answered
with it, before the emulator's own logic (a pipeline step after strict mode); anything else is
emulated. Recordings of the same request are answered in the order recorded (``core.recordings``),
counted in the store so that every worker agrees; a reset starts them over."""

from __future__ import annotations

from flask import Response, current_app, request

from ..core.recordings import decode_body
from .exchange import LINK_HEADERS, NOT_RETURNED, request_summary

EXTENSION = "deepfake_mock.recordings"


def answer_from_recording(ctx) -> Response | None:
    """The pipeline step: the recording that answers this request, if there is one."""
    recordings = current_app.extensions.get(EXTENSION)
    if recordings is None:
        return None
    mount = "" if ctx.runtime.settings.vendor else f"/{ctx.vendor.slug}"
    summary = ctx.runtime.redaction.redact(request_summary(request.path[len(mount):]))
    key, found = recordings.matching(ctx.vendor.slug, ctx.operation, summary)
    if not found:
        return None
    used = ctx.runtime.store.incr(f"replay:{key}")
    name, recording = found[min(used, len(found)) - 1]
    ctx.answered_by, ctx.answered_from = "replay", name
    return _response(recording["response"], mount)


def _response(recorded: dict, mount: str) -> Response:
    """The recorded answer; its links (recorded as the vendor's paths) under this server's
    mount of the vendor."""
    response = Response(decode_body(recorded.get("body")), status=recorded["status"])
    response.headers.remove("Content-Type")
    for name, value in recorded["headers"].items():
        lower = name.lower()
        if lower in NOT_RETURNED:
            continue
        if lower in LINK_HEADERS and value.startswith("/"):
            value = mount + value
        response.headers.add(name, value)
    return response
