"""Phonexia Speech Platform 4 (virtual appliance REST API): authenticity verification."""

from __future__ import annotations

from ...core.jobs import Progression
from ...web.vendor import Vendor
from . import errors, routes
from .config import PhonexiaConfig

VENDOR = Vendor(
    slug="phonexia",
    title="Phonexia Speech Platform 4: Authenticity Verification",
    spec="phonexia.yaml",
    blueprint=routes.blueprint,
    config=PhonexiaConfig,
    render_error=errors.render_error,
    status_error=errors.status_error,
    invalid_request=errors.invalid_request,
    rate_limited=errors.rate_limited,
    progression=Progression("after_polls", 2),
)
