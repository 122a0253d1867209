"""GLAIR Vision face deepfake detection (api.vision.glair.ai/face/v1/deepfake)."""

from __future__ import annotations

import uuid

from flask import g, request

from ...core.errors import VendorError
from ...web.vendor import Vendor, runtime
from . import errors, models
from .models import Config
from .routes import blueprint

DEFAULTS = {
    "api_keys": ["test-key"],             # accepted x-api-key values
    "users": ["user:pass"],               # HTTP Basic "user:password" pairs
    "error_status": "ERROR",              # status of application 400s: "ERROR" (the page) or "NO_FILE"
    "oversize_status": 413,               # over 6MB: 413, or 400 (same FAILED body)
    "echo_request_id": False,             # True: Request-Id echoes the caller's x-request-id
    "max_input_bytes": models.MAX_INPUT_BYTES,  # "6MB", of the video or of all decoded frames
    "contract": "current",                # "demo": the older page (one endpoint, success/result body)
    "rate_limit": None,                   # {"limit": n, "window": seconds}: 429 past it
}

FRAMES_OPERATION = "detect_deepfake_frames"


def _settings() -> Config:
    return Config.from_settings(runtime().settings.vendor_settings("glair"))


def render_error(err: VendorError):
    body = errors.envelope(err.code, err.message)
    headers = {"Content-Type": "text/html"} if err.code == errors.HTML else {}
    return err.status, body, headers


def status_error(status: int) -> VendorError:
    ctx = g.get("ctx")
    config = _settings()
    return errors.for_status(status, frames=ctx is not None and ctx.operation == FRAMES_OPERATION,
                             error_status=config.error_status,
                             oversize_status=config.oversize_status)


def invalid_request(violations) -> VendorError:
    """No media at all is the seed's "No file in request body"; anything else the proposed
    "Invalid JSON body" (both 400 with the ``glair_error_status`` setting's status)."""
    config = _settings()
    if any(v.rule == "required" and v.field in ("video", "frames", None) for v in violations):
        return errors.no_file(config.error_status)
    return errors.invalid_json(config.error_status)


def authenticate(req, operation, rt, settings) -> dict:
    config = Config.from_settings(settings)
    api_key = req.headers.get("x-api-key")
    user = models.authenticate(api_key, req.headers.get("Authorization"), config)
    return {"credential": models.strip_bearer(api_key), "user": user}


def rate_limited(decision) -> VendorError:
    return errors.gateway(429, errors.RATE_LIMITED)


def bootstrap(rt, settings) -> None:
    Config.from_settings(settings)  # refuse to start with unusable settings


def decorate(response) -> None:
    """``Request-Id`` on every answer: the request's UUID, or the caller's x-request-id."""
    generated = str(uuid.UUID(hex=g.ctx.request_id))
    response.headers["Request-Id"] = models.response_request_id(
        request.headers.get("x-request-id"), generated, _settings())


VENDOR = Vendor(
    slug="glair",
    title="GLAIR Vision: Face Deepfake Detection",
    spec="glair.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=status_error,
    defaults=DEFAULTS,
    authenticate=authenticate,
    rate_limited=rate_limited,
    bootstrap=bootstrap,
    max_body_bytes=lambda settings: Config.from_settings(settings).max_body_bytes,
    decorate=decorate,
    invalid_request=invalid_request,
)
