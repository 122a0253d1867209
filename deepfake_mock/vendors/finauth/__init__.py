"""FinAuth StarScope ``anti_deepfake``: deepfake detection behind ``hmac_sha1`` signed form-data.

The signing helper for clients is ``deepfake_mock.vendors.finauth.signing``.
"""

from __future__ import annotations

from ...web.vendor import Vendor
from . import errors, models
from .config import FinAuthConfig
from .routes import admin_blueprint, authenticate, blueprint

VENDOR = Vendor(
    slug="finauth",
    title="FinAuth StarScope: anti_deepfake",
    spec="finauth.yaml",
    blueprint=blueprint,
    config=FinAuthConfig,
    render_error=errors.render_error,
    status_error=errors.status_error,
    invalid_request=errors.invalid_request,
    rate_limited=errors.rate_limited,
    authenticate=authenticate,
    acquire=models.acquire,
    release=models.release,
    max_body_bytes=lambda config: config.max_request_bytes,
    admin=admin_blueprint,
)
