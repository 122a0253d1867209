"""GLAIR Vision face deepfake detection (api.vision.glair.ai/face/v1/deepfake)."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from flask import request

from ...core.errors import VendorError
from ...web.vendor import Vendor
from . import errors, models
from .config import GlairConfig
from .models import Config
from .routes import blueprint

FRAMES_OPERATION = "detect_deepfake_frames"


def _settings(ctx) -> Config:
    return Config.from_settings(asdict(ctx.config))


def render_error(err: VendorError, ctx):
    body = errors.envelope(err.code, err.message)
    headers = {"Content-Type": "text/html"} if err.code == errors.HTML else {}
    return err.status, body, headers


def status_error(status: int, ctx) -> VendorError:
    config = _settings(ctx)
    return errors.for_status(status, frames=ctx.operation == FRAMES_OPERATION,
                             error_status=config.error_status,
                             oversize_status=config.oversize_status)


def invalid_request(violations, ctx) -> VendorError:
    """No media at all is the seed's "No file in request body"; anything else the proposed
    "Invalid JSON body" (both 400 with the ``glair_error_status`` setting's status)."""
    config = _settings(ctx)
    if any(v.rule == "required" and v.field in ("video", "frames", None) for v in violations):
        return errors.no_file(config.error_status)
    return errors.invalid_json(config.error_status)


def authenticate(ctx) -> dict:
    config = _settings(ctx)
    api_key = request.headers.get("x-api-key")
    user = models.authenticate(api_key, request.headers.get("Authorization"), config)
    return {"credential": models.strip_bearer(api_key), "user": user}


def rate_limited(decision, ctx) -> VendorError:
    return errors.gateway(429, errors.RATE_LIMITED)


def bootstrap(rt, config) -> None:
    Config.from_settings(asdict(config))  # refuse to start with unusable settings


def decorate(ctx, response) -> None:
    """``Request-Id`` on every answer: the request's UUID, or the caller's x-request-id."""
    generated = str(uuid.UUID(hex=ctx.request_id))
    response.headers["Request-Id"] = models.response_request_id(
        request.headers.get("x-request-id"), generated, _settings(ctx))


VENDOR = Vendor(
    slug="glair",
    title="GLAIR Vision: Face Deepfake Detection",
    spec="glair.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=status_error,
    config=GlairConfig,
    authenticate=authenticate,
    rate_limited=rate_limited,
    bootstrap=bootstrap,
    max_body_bytes=lambda config: Config.from_settings(asdict(config)).max_body_bytes,
    decorate=decorate,
    invalid_request=invalid_request,
)
