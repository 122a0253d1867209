"""Resemble AI Detect (api/v2): deepfake detection of audio, image and video, secure uploads,
batches, detect intelligence questions, audio source tracings, intelligence and watermarks."""

from __future__ import annotations

from ...core.conformance import by_field
from ...core.errors import VendorError
from ...core.jobs import Progression
from ...web.vendor import Vendor
from . import models
from .routes import admin_blueprint, blueprint
from .schemas import InvalidParams
from .uploads import BATCH_MAX_BYTES, BATCH_MAX_FILES, MAX_UPLOAD_BYTES, MIB

DEFAULTS = {
    # API tokens and the team each belongs to; every record is scoped to its token's team
    "tokens": {"resemble-test-token": "team-1", "resemble-other-token": "team-2"},
    # wallets: {"team-1": {"balance": 10}}; a team without a balance is never charged
    "teams": {},
    "detect_cost": 1,                           # wallet units per detect (per batch file)
    "max_upload_bytes": MAX_UPLOAD_BYTES,       # direct upload, 150 MB (MiB)
    "max_secure_upload_bytes": 2048 * MIB,      # undocumented; the emulator's choice
    "batch_max_files": BATCH_MAX_FILES,
    "batch_max_bytes": BATCH_MAX_BYTES,
    "prefer_wait_seconds": 60,                  # longest Prefer: wait, in emulator seconds
    "media_dirs": {},                           # {"https://media.example.org/": "/srv/media"}
    "url_allow_hosts": ["loopback"],            # where url media is fetched from (core.outbound)
    "url_fetch_timeout": 10,                    # seconds for a whole download, connect to last byte
    "url_max_bytes": MAX_UPLOAD_BYTES,          # a longer body is not read: the detect fails
    "callback_allow_hosts": ["loopback"],       # where callbacks are POSTed (core.outbound)
    "callback_worker": True,                    # background delivery thread in each process
    "callback_poll_interval_seconds": 0.1,      # how often it looks for work (real time)
    "callback_max_attempts": 5,
    "callback_backoff_seconds": 1.0,            # before the 2nd attempt (emulator time)
    "callback_backoff_factor": 2.0,
    "callback_max_delay_seconds": 300.0,
    "callback_timeout_seconds": 5.0,            # for a whole POST, connect to answer
    "media_token_secret": "resemble-emulator-media-token-secret",
    "media_url_base": "https://storage.resemble.mock/detect/",
    "score_format": "string",                   # "string" (seed) or "number" (List example)
    "video_default_fps": 1.0,                   # frames analysed per second without max_video_fps
    "video_max_frames": 1000,
    "rate_limit": {"limit": 40, "window": 1},   # about 40 requests per second per token
}


def render_error(err: VendorError):
    extra = err.detail if isinstance(err.detail, dict) else {}
    body = {"success": False}
    if "item" in extra:
        body["item"] = None
    body["message"] = err.message
    if "error" in extra:  # the watermark endpoints' envelope
        body["error"] = extra["error"]
    if extra.get("errors"):
        body["errors"] = extra["errors"]
    if extra.get("cost"):
        body["cost"] = extra["cost"]
    return err.status, body, {}


def status_error(status: int) -> VendorError:
    return models.error(status)


def authenticate(request, operation, runtime, settings) -> dict:
    return models.authenticate(request.headers.get("Authorization"), settings)


def invalid_request(violations) -> VendorError:
    """400 naming the first offending field, every problem under ``errors``."""
    problems = InvalidParams(by_field(violations))
    return models.bad_request(problems.message, errors=problems.errors)


def rate_limited(decision) -> VendorError:
    err = models.error(429)
    err.headers = {"Retry-After": str(decision.retry_after)}
    return err


def check_settings(rt, settings) -> None:
    """Refuse to start with an allow-list entry ``core.outbound`` cannot read."""
    models.fetch_policy(settings)
    models.callback_policy(settings)


def max_body_bytes(settings) -> int:
    return max(settings["max_upload_bytes"], settings["max_secure_upload_bytes"],
               settings["batch_max_bytes"]) + (1 << 20)


VENDOR = Vendor(
    slug="resemble",
    title="Resemble AI Detect",
    spec="resemble.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=status_error,
    progression=Progression("after_seconds", 3),
    defaults=DEFAULTS,
    authenticate=authenticate,
    rate_limited=rate_limited,
    max_body_bytes=max_body_bytes,
    bootstrap=check_settings,
    admin=admin_blueprint,
    invalid_request=invalid_request,
    public_operations=frozenset({"get_file"}),   # visualisations and watermarked media
)
