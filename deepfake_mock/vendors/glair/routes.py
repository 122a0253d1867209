"""GLAIR Vision face deepfake: one thin view per operation of openapi/glair.yaml, and the
gateway's hooks (credentials, Request-Id)."""

from __future__ import annotations

import uuid

from flask import Blueprint, request

from ...web.uploads import spooled_file
from . import errors, models
from .schemas import (DemoDetectDeepfakeResponse, DetectDeepfakeFramesResponse,
                      DetectDeepfakeVideoResponse)

blueprint = Blueprint("glair", __name__)

video_response = DetectDeepfakeVideoResponse()
frames_response = DetectDeepfakeFramesResponse()
demo_response = DemoDetectDeepfakeResponse()


def authenticate(ctx) -> dict:
    api_key = request.headers.get("x-api-key")
    user = models.authenticate(api_key, request.headers.get("Authorization"), ctx.config)
    return {"credential": models.strip_bearer(api_key), "user": user}


def decorate(ctx, response) -> None:
    """``Request-Id`` on every answer: the request's UUID, or the caller's x-request-id."""
    generated = str(uuid.UUID(hex=ctx.request_id))
    response.headers["Request-Id"] = models.response_request_id(
        request.headers.get("x-request-id"), generated, ctx.config)


@blueprint.post("/face/v1/deepfake")
def detect_deepfake_video(ctx):
    config = ctx.config
    if config.demo and request.mimetype != "multipart/form-data":
        return _demo_frames(ctx)  # the older contract took frames here too
    upload = spooled_file("video") if request.mimetype == "multipart/form-data" else None
    if upload is None or upload.size == 0:
        raise errors.no_file(config.error_status)
    if upload.size > config.max_input_bytes:
        raise errors.too_large(errors.VIDEO_TOO_LARGE_REASON, config.oversize_status)
    models.check_video(upload.path, ctx.runtime.media_limits)
    body = models.detect(ctx.runtime, upload.digest, ctx.operation, frames=False,
                         demo=config.demo)
    return demo_response.dump(body) if config.demo else video_response.dump(body)


@blueprint.post("/face/v1/deepfake/images")
def detect_deepfake_frames(ctx):
    if ctx.config.demo:
        raise errors.gateway(404, errors.NOT_FOUND)  # the older contract had no /images path
    # The vendor's curl sample sends this JSON with curl's default form Content-Type: the raw
    # body is read as JSON whatever the header says.
    frames = models.read_frames(request.get_data(cache=False), ctx.config, ctx.runtime.media_limits)
    body = models.detect(ctx.runtime, models.frames_digest(frames), ctx.operation,
                         frames=True)
    return frames_response.dump(body)


def _demo_frames(ctx):
    frames = models.read_frames(request.get_data(cache=False), ctx.config, ctx.runtime.media_limits)
    body = models.detect(ctx.runtime, models.frames_digest(frames), ctx.operation,
                         frames=True, demo=True)
    return demo_response.dump(body)
