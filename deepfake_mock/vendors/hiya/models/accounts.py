"""Hiya's accounts: users and organisations (settings), sign-in tokens, and the credits each
owner's verifications spend."""

from __future__ import annotations

import base64
import hmac

from ..config import HiyaConfig, Owner
from ..errors import error, unauthorized
from ..handles import is_handle
from .documents import C_SPACES, C_TOKENS, epoch, stable_id


def authenticate(rt, config: HiyaConfig, header: str | None) -> dict:
    """The principal of an ``Authorization: Bearer`` header (an API key or a sign-in token),
    or 401."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized()
    known = config.users_by_handle
    owner = config.api_keys.get(token)
    if owner is not None and owner in known:
        return {"credential": f"user:{owner}", "user": owner, "kind": "apiKey"}
    doc = rt.store.get(C_TOKENS, token)
    if doc is None or doc["user"] not in known or rt.clock.now() >= doc["expires_at"]:
        raise unauthorized()
    return {"credential": f"user:{doc['user']}", "user": doc["user"], "kind": "token"}


def sign_in(rt, config: HiyaConfig, handle: str, password: str) -> dict:
    """A new short-lived token for the user, stored: ``token``, ``issued_at``, ``expires_at``."""
    user = config.users_by_handle.get(handle)
    if user is None or not hmac.compare_digest(user["password"].encode(), password.encode()):
        raise error(401)
    token = base64.b64encode(bytes.fromhex(rt.ids.hex("hiya-token", 64))).decode()
    now = rt.clock.now()
    doc = {"user": handle, "issued_at": now, "expires_at": now + float(config.token_ttl_seconds)}
    rt.store.put(C_TOKENS, token, doc)
    return {"token": token, **doc}


def user(rt, config: HiyaConfig, handle: str) -> dict:
    """The signed-in user as the API shows it: settings, and the spaces it owns."""
    settings = config.users_by_handle[handle]
    return {"id": stable_id("user", handle), "handle": handle, "alias": settings.get("alias"),
            "email": settings.get("email") or f"{handle}@example.com",
            "orgs": sum(1 for org in config.orgs if org["handle"] in settings.get("orgs", ())),
            "spaces": sum(1 for s in rt.store.scan(C_SPACES) if s["owner"] == handle),
            "created_at": epoch(rt)}


def org(config: HiyaConfig, user: str, handle: str) -> Owner:
    """An organisation the user belongs to: 404 when there is none, 403 when not a member."""
    owner = config.owners.get(handle) if is_handle(handle) else None
    if owner is None or owner.type != "org":
        raise error(404)
    if user not in owner.members:
        raise error(403)
    return owner


# ---- credits: one per verification, spent by the space's owner ---------------------------------

def allowance(rt, config: HiyaConfig, owner: str) -> int:
    """The owner's credits: set over the admin API, else the settings'."""
    doc = rt.store.get_meta(f"hiya:credits:{owner}")
    return doc["allowance"] if doc is not None else config.allowance(owner)


def spent(rt, owner: str) -> int:
    return rt.store.incr(f"hiya:spent:{owner}", 0)


def set_remaining(rt, owner: str, credits: int) -> None:
    """Leave the owner ``credits`` more verifications (the admin API)."""
    rt.store.put_meta(f"hiya:credits:{owner}", {"allowance": spent(rt, owner) + credits})


def require_credit(rt, config: HiyaConfig, owner: str) -> None:
    if spent(rt, owner) >= allowance(rt, config, owner):
        raise error(429)


def charge(rt, config: HiyaConfig, owner: str) -> None:
    if rt.store.incr(f"hiya:spent:{owner}", 1) > allowance(rt, config, owner):
        rt.store.incr(f"hiya:spent:{owner}", -1)
        raise error(429)
