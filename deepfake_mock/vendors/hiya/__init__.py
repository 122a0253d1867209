"""Hiya Audio Intelligence (formerly Loccus.ai): spaces, audios and verifications."""

from __future__ import annotations

from ...core.conformance import by_field
from ...core.errors import VendorError
from ...core.jobs import Progression
from ...web.vendor import Vendor
from . import models
from .routes import admin, blueprint

DEFAULTS = {
    # users sign in with handle + password; each owns the spaces "main" and "demo"
    "users": [
        {"handle": "user-a", "alias": "User A", "email": "user.a@email.com",
         "password": "correct-horse-1", "orgs": ["org-a"]},
        {"handle": "user-b", "alias": "User B", "email": "user.b@email.com",
         "password": "correct-horse-2", "orgs": []},
    ],
    "orgs": [{"handle": "org-a", "alias": "Org A"}],       # each owns "main" and "demo" too
    "api_keys": {"hiya-key-user-a": "user-a", "hiya-key-user-b": "user-b"},  # key -> user
    "spaces": [],                          # more spaces: [{"owner": h, "handle": h, "alias": a}]
    "credits": 1000,                       # verifications each owner may perform
    "credits_by_owner": {},                # {owner handle: credits}, overriding `credits`
    "token_ttl_seconds": 86400.0,          # DOCUMENTED: short-lived tokens last 24 hours
    "max_file_bytes": 32 * 1024 * 1024,    # largest audio file accepted (413 past it)
    "foreign_space_status": 403,           # 403 Forbidden, or 404 Resource not found
    "stream_idle_seconds": 30.0,           # a streaming verification silent this long ends
    "rate_limit": None,                    # {"limit": n, "window": seconds}; none documented
}


def render_error(err: VendorError):
    body = {"message": err.message}
    if err.detail:
        body["errors"] = err.detail
    return err.status, body, {}


def authenticate(request, operation, runtime, settings) -> dict:
    return models.authenticate(request.headers.get("Authorization"), runtime, settings)


def invalid_request(violations) -> VendorError:
    return models.invalid(by_field(violations))


def rate_limited(decision) -> VendorError:
    err = models.error(429, "Too many requests")
    err.headers = {"Retry-After": str(decision.retry_after)}
    return err


def max_body_bytes(settings) -> int:
    """A base64 file inside JSON is 4/3 of the file, plus room for the other fields."""
    return settings["max_file_bytes"] * 4 // 3 + (1 << 20)


VENDOR = Vendor(
    slug="hiya",
    title="Hiya Audio Intelligence (formerly Loccus.ai): verifications",
    spec="hiya.yaml",
    blueprint=blueprint,
    render_error=render_error,
    status_error=models.error,
    progression=Progression("after_polls", 1),
    defaults=DEFAULTS,
    authenticate=authenticate,
    public_operations=frozenset({"sign_in"}),
    rate_limited=rate_limited,
    bootstrap=models.bootstrap,
    max_body_bytes=max_body_bytes,
    admin=admin,
    invalid_request=invalid_request,
)
