"""Hiya Audio Intelligence (formerly Loccus.ai): spaces, audios, voiceprints and verifications."""

from __future__ import annotations

from ...core.jobs import Progression
from ...web.vendor import Vendor
from . import errors, models, routes
from .config import HiyaConfig

VENDOR = Vendor(
    slug="hiya",
    title="Hiya Audio Intelligence (formerly Loccus.ai): verifications",
    spec="hiya.yaml",
    blueprint=routes.blueprint,
    config=HiyaConfig,
    render_error=errors.render_error,
    status_error=errors.status_error,
    invalid_request=errors.invalid_request,
    rate_limited=errors.rate_limited,
    progression=Progression("after_polls", 1),
    authenticate=routes.authenticate,
    public_operations=frozenset({"sign_in"}),
    bootstrap=models.bootstrap,
    admin=routes.admin_blueprint,
)
