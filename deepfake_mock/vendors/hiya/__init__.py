"""Hiya Audio Intelligence (formerly Loccus.ai): spaces, audios, voiceprints and verifications."""

from __future__ import annotations

from ...core.jobs import Progression
from ...web.vendor import Vendor
from . import errors, models
from .config import HiyaConfig
from .routes import admin, authenticate, blueprint, max_body_bytes

VENDOR = Vendor(
    slug="hiya",
    title="Hiya Audio Intelligence (formerly Loccus.ai): verifications",
    spec="hiya.yaml",
    blueprint=blueprint,
    config=HiyaConfig,
    render_error=errors.render_error,
    status_error=errors.status_error,
    invalid_request=errors.invalid_request,
    rate_limited=errors.rate_limited,
    progression=Progression("after_polls", 1),
    authenticate=authenticate,
    public_operations=frozenset({"sign_in"}),
    bootstrap=models.bootstrap,
    max_body_bytes=max_body_bytes,
    admin=admin,
)
