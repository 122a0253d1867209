"""Phonexia Speech Platform 4 (virtual appliance REST API): authenticity verification."""

from __future__ import annotations

from ...core.jobs import Progression
from ...web.vendor import Vendor
from .config import PhonexiaConfig
from .errors import invalid_request, rate_limited, render_error, status_error
from .routes import blueprint

VENDOR = Vendor(
    slug="phonexia",
    title="Phonexia Speech Platform 4: Authenticity Verification",
    spec="phonexia.yaml",
    blueprint=blueprint,
    config=PhonexiaConfig,
    render_error=render_error,
    status_error=status_error,
    invalid_request=invalid_request,
    rate_limited=rate_limited,
    progression=Progression("after_polls", 2),
    max_body_bytes=lambda config: config.max_upload_bytes,
)
