"""GLAIR Vision face deepfake detection (api.vision.glair.ai/face/v1/deepfake)."""

from __future__ import annotations

from ...web.vendor import Vendor
from .config import GlairConfig
from .errors import invalid_request, rate_limited, render_error, status_error
from .routes import authenticate, blueprint, decorate

VENDOR = Vendor(
    slug="glair",
    title="GLAIR Vision: Face Deepfake Detection",
    spec="glair.yaml",
    blueprint=blueprint,
    config=GlairConfig,
    render_error=render_error,
    status_error=status_error,
    invalid_request=invalid_request,
    rate_limited=rate_limited,
    authenticate=authenticate,
    decorate=decorate,
    max_body_bytes=lambda config: config.max_body_bytes,
)
