"""Hiya Audio Intelligence (formerly Loccus.ai): spaces, audios and verifications."""

from __future__ import annotations

from dataclasses import asdict

from flask import request

from ...core.conformance import by_field
from ...core.errors import VendorError
from ...core.jobs import Progression
from ...core.ratelimit import retry_headers
from ...web.vendor import Vendor
from . import models
from .config import HiyaConfig
from .routes import admin, blueprint

def render_error(err: VendorError, ctx):
    body = {"message": err.message}
    if err.detail:
        body["errors"] = err.detail
    return err.status, body, {}


def authenticate(ctx) -> dict:
    return models.authenticate(request.headers.get("Authorization"), ctx.runtime,
                               asdict(ctx.config))


def invalid_request(violations, ctx) -> VendorError:
    return models.invalid(by_field(violations))


def rate_limited(decision, ctx) -> VendorError:
    err = models.error(429, "Too many requests")
    err.headers = retry_headers(decision)
    return err


def max_body_bytes(config) -> int:
    """A base64 file inside JSON is 4/3 of the file, plus room for the other fields."""
    return config.max_file_bytes * 4 // 3 + (1 << 20)


VENDOR = Vendor(
    slug="hiya",
    title="Hiya Audio Intelligence (formerly Loccus.ai): verifications",
    spec="hiya.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=lambda status, ctx: models.error(status),
    progression=Progression("after_polls", 1),
    config=HiyaConfig,
    authenticate=authenticate,
    public_operations=frozenset({"sign_in"}),
    rate_limited=rate_limited,
    bootstrap=lambda rt, config: models.bootstrap(rt, asdict(config)),
    max_body_bytes=max_body_bytes,
    admin=admin,
    invalid_request=invalid_request,
)
