"""FinAuth StarScope ``anti_deepfake``: deepfake detection behind ``hmac_sha1`` signed form-data.

The signing helper for clients is ``deepfake_mock.vendors.finauth.signing``.
"""

from __future__ import annotations

from flask import g

from ...core.errors import VendorError
from ...web.vendor import Vendor
from . import errors, models
from .models import FinAuthSettings
from .routes import admin_blueprint, blueprint, time_used_ms
from .routes import request_id as new_request_id

DEFAULTS = models.DEFAULT_SETTINGS


def _config() -> FinAuthSettings:
    from ...web.vendor import runtime

    return FinAuthSettings.from_mapping(runtime().settings.vendor_settings("finauth"))


def render_error(err: VendorError):
    config = _config()
    status, _content_type, body = errors.render_error(
        err, request_id=new_request_id(), time_used=time_used_ms(),
        separator=config.error_separator, bad_arguments_key=config.bad_arguments_key,
        error_fields=config.error_fields)
    return status, body, {}


def status_error(status: int) -> VendorError:
    """The vendor's answer to a bare status (faults, routing, oversized bodies, crashes)."""
    return errors.for_status(status)


def invalid_request(violations) -> VendorError:
    """The catalogue's first applicable row: a missing field is ``MISSING_ARGUMENTS:<key>``,
    anything else ``BAD_ARGUMENTS`` (with the key when the setting shows keys)."""
    first = violations[0]
    if first.rule == "required" and first.field:
        return errors.missing_arguments(first.field)
    return errors.bad_arguments(first.field)


def authenticate(req, operation, rt, settings) -> dict:
    """The form's ``sign`` and ``sign_version``, the signature, the key, then a concurrency slot."""
    config = models.current_settings(settings, rt.store)
    sign = models.check_sign_fields(req.form, config)
    now = rt.clock.now()
    key = models.authenticate(sign, config, now, req.remote_addr, models.store_hooks(rt.store, now))
    holder = g.ctx.request_id
    if not models.acquire_slot(models.concurrency_slots(rt), key.api_key, holder,
                               config.concurrency_limit_for(key)):
        raise errors.concurrency_limit_exceeded()
    g.finauth_slot = (key.api_key, holder)  # released when the request ends (routes.py)
    return {"credential": key.api_key}


def rate_limited(decision) -> VendorError:
    """Over the call frequency: FinAuth's ``AUTHENTICATION_ERROR:<reason>`` covers it."""
    return errors.authentication_error(errors.LIMIT_REACHED)


def bootstrap(rt, settings) -> None:
    FinAuthSettings.from_mapping(settings)  # refuse to start with unusable settings


VENDOR = Vendor(
    slug="finauth",
    title="FinAuth StarScope: anti_deepfake",
    spec="finauth.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=status_error,
    defaults=DEFAULTS,
    authenticate=authenticate,
    rate_limited=rate_limited,
    bootstrap=bootstrap,
    max_body_bytes=lambda settings: FinAuthSettings.from_mapping(settings).max_request_bytes,
    admin=admin_blueprint,
    invalid_request=invalid_request,
)
