"""Resemble AI Detect (api/v2): deepfake detection of audio, image and video, secure uploads,
batches, detect intelligence questions, audio source tracings, intelligence and watermarks."""

from __future__ import annotations

from ...core.jobs import Progression
from ...web.vendor import Vendor
from . import errors, routes
from .config import ResembleConfig

VENDOR = Vendor(
    slug="resemble",
    title="Resemble AI Detect",
    spec="resemble.yaml",
    blueprint=routes.blueprint,
    config=ResembleConfig,
    render_error=errors.render_error,
    status_error=errors.status_error,
    invalid_request=errors.invalid_request,
    rate_limited=errors.rate_limited,
    progression=Progression("after_seconds", 3),
    authenticate=routes.authenticate,
    public_operations=frozenset({"get_file"}),   # visualisations and watermarked media
    deliveries=routes.delivery_worker,
    admin=routes.admin_blueprint,
)
