"""GLAIR Vision face deepfake detection (api.vision.glair.ai/face/v1/deepfake)."""

from __future__ import annotations

from ...web.vendor import Vendor
from . import errors, routes
from .config import GlairConfig

VENDOR = Vendor(
    slug="glair",
    title="GLAIR Vision: Face Deepfake Detection",
    spec="glair.yaml",
    blueprint=routes.blueprint,
    config=GlairConfig,
    render_error=errors.render_error,
    status_error=errors.status_error,
    invalid_request=errors.invalid_request,
    rate_limited=errors.rate_limited,
    authenticate=routes.authenticate,
    decorate=routes.decorate,
)
