"""FinAuth StarScope ``anti_deepfake``: deepfake detection behind ``hmac_sha1`` signed form-data.

The signing helper for clients is ``deepfake_mock.vendors.finauth.signing``.
"""

from __future__ import annotations

from ...web.vendor import Vendor
from . import errors, models, routes
from .config import FinAuthConfig

VENDOR = Vendor(
    slug="finauth",
    title="FinAuth StarScope: anti_deepfake",
    spec="finauth.yaml",
    blueprint=routes.blueprint,
    config=FinAuthConfig,
    render_error=errors.render_error,
    status_error=errors.status_error,
    invalid_request=errors.invalid_request,
    rate_limited=errors.rate_limited,
    authenticate=routes.authenticate,
    acquire=models.acquire,
    release=models.release,
    admin=routes.admin_blueprint,
)
