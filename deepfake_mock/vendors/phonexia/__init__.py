"""Phonexia Speech Platform 4 (virtual appliance REST API): authenticity verification."""

from __future__ import annotations

from ...core.errors import VendorError
from ...core.jobs import Progression
from ...web.vendor import Vendor
from .models import error, problem
from .routes import blueprint

DEFAULTS = {
    "api_version": "3.x",                     # "3.x" (the seed) or "4.0" (extra operations, null)
    "location_header": True,                  # 4.0 adds Location beside the deprecated X-Location
    "licensed": True,                         # False: every start answers 403 request.forbidden
    "max_upload_bytes": 500 * 1000 * 1000,    # singleFileUploadSize, 500 MB
    "input_storage_bytes": 1 << 30,           # inputStorageSize, 1 GiB of retained uploads
    "max_audio_seconds": 7200.0,              # maxAudioLength, 2 h
    "min_audio_seconds": 3.0,                 # below this a channel's score is null
    "retention_seconds": 86400.0,             # tasks are forgotten (404) this long after creation
    "reject_unreadable_media": "on_submit",   # "on_submit": 422; "in_task": 202 then rejected
    "version": None,                          # /api/system/info version (default: ours)
    "rate_limit": None,                       # {"limit": n, "window": seconds}
}


def render_error(err: VendorError):
    return err.status, {"type": err.code, "message": err.message, "detail": err.detail or []}, {}


def invalid_request(violations) -> VendorError:
    """422 "Request validation error." with FastAPI-style ``detail`` (location path, message)."""
    return error(422, detail=[problem([v.location, *(v.field.split(".") if v.field else [])],
                                      v.message) for v in violations])


def rate_limited(decision) -> VendorError:
    err = error(429)
    err.headers = {"retry-after": str(decision.retry_after),
                   "x-ratelimit-limit": str(decision.limit),
                   "x-ratelimit-remaining": str(decision.remaining),
                   "x-ratelimit-reset": str(decision.reset_at)}
    return err


VENDOR = Vendor(
    slug="phonexia",
    title="Phonexia Speech Platform 4: Authenticity Verification",
    spec="phonexia.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=error,
    progression=Progression("after_polls", 2),
    defaults=DEFAULTS,
    rate_limited=rate_limited,
    max_body_bytes=lambda settings: settings["max_upload_bytes"],
    invalid_request=invalid_request,
)
