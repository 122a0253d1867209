"""FinAuth StarScope ``anti_deepfake``: deepfake detection behind ``hmac_sha1`` signed form-data.

The signing helper for clients is ``deepfake_mock.vendors.finauth.signing``.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import request

from ...core.errors import VendorError
from ...web.vendor import Vendor
from . import errors, models
from .config import FinAuthConfig
from .models import FinAuthSettings
from .routes import admin_blueprint, blueprint, request_id


def _config(ctx) -> FinAuthSettings:
    return FinAuthSettings.from_mapping(asdict(ctx.config))


def render_error(err: VendorError, ctx):
    config = _config(ctx)
    status, _content_type, body = errors.render_error(
        err, request_id=request_id(ctx), time_used=ctx.elapsed_ms(),
        separator=config.error_separator, bad_arguments_key=config.bad_arguments_key,
        error_fields=config.error_fields)
    return status, body, {}


def status_error(status: int, ctx) -> VendorError:
    """The vendor's answer to a bare status (faults, routing, oversized bodies, crashes)."""
    return errors.for_status(status)


def invalid_request(violations, ctx) -> VendorError:
    """The catalogue's first applicable row: a missing field is ``MISSING_ARGUMENTS:<key>``,
    anything else ``BAD_ARGUMENTS`` (with the key when the setting shows keys)."""
    first = violations[0]
    if first.rule == "required" and first.field:
        return errors.missing_arguments(first.field)
    return errors.bad_arguments(first.field)


def authenticate(ctx) -> dict:
    """The form's ``sign`` and ``sign_version``, the signature, then the key."""
    rt = ctx.runtime
    config = models.current_settings(asdict(ctx.config), rt.store)
    sign = models.check_sign_fields(request.form, config)
    now = rt.clock.now()
    key = models.authenticate(sign, config, now, request.remote_addr,
                              models.store_hooks(rt.store, now))
    return {"credential": key.api_key}


def acquire(ctx) -> None:
    """One of the key's concurrency slots, held until the request ends."""
    config = models.current_settings(asdict(ctx.config), ctx.runtime.store)
    key = config.keys[ctx.principal["credential"]]
    if not models.acquire_slot(models.concurrency_slots(ctx.runtime), key.api_key,
                               ctx.request_id, config.concurrency_limit_for(key)):
        raise errors.concurrency_limit_exceeded()
    ctx.held = key.api_key


def release(ctx) -> None:
    models.release_slot(models.concurrency_slots(ctx.runtime), ctx.held, ctx.request_id)


def rate_limited(decision, ctx) -> VendorError:
    """Over the call frequency: FinAuth's ``AUTHENTICATION_ERROR:<reason>`` covers it."""
    return errors.authentication_error(errors.LIMIT_REACHED)


def bootstrap(rt, config) -> None:
    FinAuthSettings.from_mapping(asdict(config))  # refuse to start with unusable settings


VENDOR = Vendor(
    slug="finauth",
    title="FinAuth StarScope: anti_deepfake",
    spec="finauth.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=status_error,
    config=FinAuthConfig,
    authenticate=authenticate,
    acquire=acquire,
    release=release,
    rate_limited=rate_limited,
    bootstrap=bootstrap,
    max_body_bytes=lambda config: config.max_request_bytes,
    admin=admin_blueprint,
    invalid_request=invalid_request,
)
