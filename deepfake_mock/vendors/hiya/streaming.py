"""Hiya's streaming authenticity verification (VerificationMode ``websocket``), spoken as the
vendor's streaming example (``streaming-verification/verify.mjs``) speaks it:

    client: {"model": "phone", "config": {"synthesisSources": false}, "audioFormat"?: "wav"}
    client: binary messages, the audio file's bytes in order
    client: {"type": "close"}
    server: {"type": "chunk", "chunk": {...}} per analysed chunk
    server: {"type": "verification", "verification": {...}}, then closes the connection
    or, at any point: {"type": "error", "message": "..."}, then closes the connection

The audio is spooled to disk as it arrives and analysed once the client closes it, exactly as an
uploaded file is; the verification is stored with mode ``websocket`` and no audio resource, so
the REST views (get, list, usage records) show it.
"""

from __future__ import annotations

import json

from marshmallow import ValidationError

from ...core import jsonbody
from ...core.errors import VendorError
from ...core.spool import SpoolWriter, TooLarge
from . import schemas as s
from .errors import error
from .models import verifications

init_message = s.StreamAuthenticityInit()
with_chunks = s.AuthenticityVerificationWithChunks()
verification_resource = s.AuthenticityVerification()
CLOSE = {"type": "close"}


def verify(ws, ctx, space: dict) -> None:
    """Run one streaming verification on the open WebSocket ``ws``, for the request ``ctx``
    that opened it, in ``space``."""
    try:
        model = verifications.authenticity_model(_init(_receive(ws, ctx))["model"])
        doc = _verify_stream(ws, ctx, space, model)
    except VendorError as err:
        _send(ws, {"type": "error", "message": err.message})
        return
    shown = verifications.shown(ctx.runtime, doc)
    for chunk in with_chunks.dump(shown)["chunks"]:
        _send(ws, {"type": "chunk", "chunk": chunk})
    _send(ws, {"type": "verification", "verification": verification_resource.dump(shown)})


def _verify_stream(ws, ctx, space: dict, model) -> dict:
    """Spool the binary messages until the client's close, then verify what arrived."""
    writer = SpoolWriter(ctx.runtime.spool_dir, limit=ctx.config.max_file_bytes)
    try:
        while not _is_close(message := _receive(ws, ctx)):
            if not isinstance(message, bytes):
                raise error(400)
            writer.write(message)
        return verifications.stream_authenticity(ctx.runtime, ctx.config, ctx.principal["user"],
                                                 space, model, writer.finish())
    except TooLarge:
        raise error(413) from None
    finally:
        writer.discard()


def _receive(ws, ctx) -> str | bytes:
    message = ws.receive(timeout=ctx.config.stream_idle_seconds)
    if message is None:
        raise error(408)
    return message


def _init(message) -> dict:
    """The init message: a text message holding the init object, else "Invalid request"."""
    try:
        if isinstance(message, bytes):
            raise ValueError("the init message is text")
        return init_message.load(jsonbody.loads(message))
    except (ValueError, ValidationError):
        raise error(400) from None


def _is_close(message) -> bool:
    if isinstance(message, bytes):
        return False
    try:
        return jsonbody.loads(message) == CLOSE
    except ValueError:
        return False


def _send(ws, message: dict) -> None:
    ws.send(json.dumps(message))
