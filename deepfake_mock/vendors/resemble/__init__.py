"""Resemble AI Detect (api/v2): deepfake detection of audio, image and video, secure uploads,
batches, detect intelligence questions, audio source tracings, intelligence and watermarks."""

from __future__ import annotations

from ...core.jobs import Progression
from ...web.vendor import Vendor
from .config import ResembleConfig
from .errors import invalid_request, rate_limited, render_error, status_error
from .routes import admin_blueprint, authenticate, blueprint, delivery_worker


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
    max_body_bytes=lambda config: config.max_body_bytes,
    admin=admin_blueprint,
    invalid_request=invalid_request,
    public_operations=frozenset({"get_file"}),   # visualisations and watermarked media
)
