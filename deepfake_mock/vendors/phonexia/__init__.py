"""Phonexia Speech Platform 4 (virtual appliance REST API): authenticity verification."""

from __future__ import annotations

from ...core.errors import VendorError
from ...core.jobs import Progression
from ...core.ratelimit import retry_headers
from ...web.vendor import Vendor
from .config import PhonexiaConfig
from .models import error, problem
from .routes import blueprint

def render_error(err: VendorError, ctx):
    return err.status, {"type": err.code, "message": err.message, "detail": err.detail or []}, {}


def invalid_request(violations, ctx) -> VendorError:
    """422 "Request validation error." with FastAPI-style ``detail`` (location path, message)."""
    return error(422, detail=[problem([v.location, *(v.field.split(".") if v.field else [])],
                                      v.message) for v in violations])


def rate_limited(decision, ctx) -> VendorError:
    """429 with the window's headers, named in lower case as Phonexia's server sends them."""
    err = error(429)
    err.headers = {name.lower(): value
                   for name, value in retry_headers(decision, window=True).items()}
    return err


VENDOR = Vendor(
    slug="phonexia",
    title="Phonexia Speech Platform 4: Authenticity Verification",
    spec="phonexia.yaml",
    blueprint=blueprint,
    render_error=render_error,
    config=PhonexiaConfig,
    status_error=lambda status, ctx: error(status),
    progression=Progression("after_polls", 2),
    rate_limited=rate_limited,
    max_body_bytes=lambda config: config.max_upload_bytes,
    invalid_request=invalid_request,
)
