"""Resemble AI Detect (api/v2): deepfake detection of audio, image and video, secure uploads,
batches, detect intelligence questions, audio source tracings, intelligence and watermarks."""

from __future__ import annotations

from dataclasses import asdict

from flask import request

from ...core.conformance import by_field
from ...core.errors import VendorError
from ...core.jobs import Progression
from ...core.ratelimit import retry_headers
from ...web.vendor import Vendor
from . import models
from .config import ResembleConfig
from .routes import admin_blueprint, blueprint, delivery_worker
from .schemas import InvalidParams

def render_error(err: VendorError, ctx):
    extra = err.detail if isinstance(err.detail, dict) else {}
    body = {"success": False}
    if "item" in extra:
        body["item"] = None
    body["message"] = err.message
    if "error" in extra:  # the watermark endpoints' envelope
        body["error"] = extra["error"]
    if extra.get("errors"):
        body["errors"] = extra["errors"]
    if extra.get("cost"):
        body["cost"] = extra["cost"]
    return err.status, body, {}


def status_error(status: int, ctx) -> VendorError:
    return models.error(status)


def authenticate(ctx) -> dict:
    return models.authenticate(request.headers.get("Authorization"), asdict(ctx.config))


def invalid_request(violations, ctx) -> VendorError:
    """400 naming the first offending field, every problem under ``errors``."""
    problems = InvalidParams(by_field(violations))
    return models.bad_request(problems.message, errors=problems.errors)


def rate_limited(decision, ctx) -> VendorError:
    err = models.error(429)
    err.headers = retry_headers(decision)
    return err


def check_settings(rt, config) -> None:
    """Refuse to start with an allow-list entry ``core.outbound`` cannot read."""
    models.fetch_policy(asdict(config))
    models.callback_policy(asdict(config))


def max_body_bytes(config) -> int:
    return max(config.max_upload_bytes, config.max_secure_upload_bytes,
               config.batch_max_bytes) + (1 << 20)


VENDOR = Vendor(
    slug="resemble",
    title="Resemble AI Detect",
    spec="resemble.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=status_error,
    progression=Progression("after_seconds", 3),
    config=ResembleConfig,
    deliveries=delivery_worker,
    authenticate=authenticate,
    rate_limited=rate_limited,
    max_body_bytes=max_body_bytes,
    bootstrap=check_settings,
    admin=admin_blueprint,
    invalid_request=invalid_request,
    public_operations=frozenset({"get_file"}),   # visualisations and watermarked media
)
