"""FinAuth ``anti_deepfake``: keys in effect, field rules, authentication decisions, results.

Plain Python: no Flask. Shared state (single-use signatures, quotas, requests in flight) is
reached through small callables the web layer passes in, so the same logic runs over the
memory store in tests and the SQLite store across gunicorn workers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ...core.leases import Leases
from . import errors, signing
from .config import OPERATION, ApiKey, FinAuthConfig, key_mapping

DATA_TYPE_FIELD = {0: "image", 1: "video"}

_INTEGER = re.compile(r"-?[0-9]+")


# --- keys changed at run time ----------------------------------------------------------------

# Keys changed over the admin API, kept in the store (shared by every worker, cleared by a
# reset): {api_key: {field: value, ...}} merged over the configured key, or {api_key: None}.
KEY_OVERRIDES = "finauth:keys"


def keys_in_effect(config: FinAuthConfig, store) -> Mapping[str, ApiKey]:
    """The configured keys with the admin API's changes applied (only changed keys re-parsed)."""
    overrides = store.get_meta(KEY_OVERRIDES)
    if not overrides:
        return config.api_keys
    keys = dict(config.api_keys)
    for api_key, change in overrides.items():
        if change is None:
            keys.pop(api_key, None)
        else:
            keys[api_key] = changed_key(config, api_key, change)
    return keys


def changed_key(config: FinAuthConfig, api_key: str, change: Mapping) -> ApiKey:
    """The configured key (if any) with the fields of ``change``; ``ValueError`` if unusable."""
    return ApiKey.from_mapping(api_key, {**key_mapping(config.keys.get(api_key)), **change})


def change_key(store, config: FinAuthConfig, api_key: str, change: Mapping | None) -> ApiKey | None:
    """Add or change a key (``change``: fields to set), or remove it (``None``); atomically.

    Raises ``ValueError`` when the result would not be a usable key.
    """
    key = None
    if change is not None:
        current = (store.get_meta(KEY_OVERRIDES) or {}).get(api_key) or {}
        key = changed_key(config, api_key, {**current, **change})

    def apply(doc):
        doc = dict(doc or {})
        doc[api_key] = None if change is None else {**(doc.get(api_key) or {}), **change}
        return doc

    store.update_meta(KEY_OVERRIDES, apply)
    return key


# --- request fields ------------------------------------------------------------------------


def _text(form: Mapping[str, str], name: str) -> str | None:
    value = form.get(name)
    return value if value else None


def check_sign_fields(form: Mapping[str, str], config: FinAuthConfig) -> str:
    """Presence of ``sign`` and ``sign_version``, then the version value; return ``sign``."""
    sign = _text(form, "sign")
    if sign is None:
        raise errors.missing_arguments("sign")
    version = _text(form, "sign_version")
    if version is None:
        raise errors.missing_arguments("sign_version")
    if version != signing.SIGN_VERSION:
        raise errors.bad_arguments("sign_version")
    if len(sign) > config.max_field_chars:
        raise errors.bad_arguments("sign")
    return sign


def check_data_type(form: Mapping[str, str], config: FinAuthConfig) -> int:
    """``data_type``: present, an integer, 0 (image) or 1 (video)."""
    raw = _text(form, "data_type")
    if raw is None:
        raise errors.missing_arguments("data_type")
    if len(raw) > config.max_field_chars or not _INTEGER.fullmatch(raw) or len(raw) > 18:
        raise errors.bad_arguments("data_type")
    value = int(raw)
    if value not in DATA_TYPE_FIELD:
        raise errors.bad_arguments("data_type")
    return value


def upload_field(data_type: int) -> str:
    """The file field ``data_type`` asks for; the other one, if sent, is ignored."""
    return DATA_TYPE_FIELD[data_type]


# --- authentication --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthHooks:
    """Shared-state operations authentication needs (atomic across workers).

    ``claim_single_use(api_key, token)`` records a b=0 signature and returns False if it was
    already recorded; ``take_quota(api_key, quota)`` counts one call and returns False once the
    key has used ``quota`` calls.
    """

    claim_single_use: Callable[[str, str], bool]
    take_quota: Callable[[str, int], bool]


def authenticate(
    sign: str,
    keys: Mapping[str, ApiKey],
    config: FinAuthConfig,
    now: float,
    client_ip: str | None,
    hooks: AuthHooks,
) -> ApiKey:
    """Verify the signature against ``keys`` (those in effect), then the key's status; return
    the key or raise ``FinAuthError``.

    Order: decoding and parsing (``INVALID_SIGN``), known key and HMAC (bare
    ``AUTHENTICATION_ERROR``), expiry (``EXPIRED_SIGN``), ``c < b`` and clock skew
    (``INVALID_SIGN``), reuse of a single-use signature (``replay_reason``), then the key:
    disabled (``API_KEY_BE_DISCONTINUED``), caller IP (``IP_NOT_ALLOWED``), permission for
    ``anti_deepfake`` (``DENIED``), quota (``LIMIT_REACHED``).
    """

    def secret_for(api_key: str) -> str | None:
        key = keys.get(api_key)
        return None if key is None else key.secret

    try:
        parsed = signing.verify_sign(sign, secret_for, now, future_skew=config.future_skew_s)
    except signing.SignError as exc:
        raise errors.authentication_error(exc.reason) from None
    if parsed.single_use and not hooks.claim_single_use(parsed.api_key, single_use_token(parsed)):
        raise errors.authentication_error(config.replay_reason)
    key = keys[parsed.api_key]
    if key.disabled:
        raise errors.authentication_error(errors.API_KEY_BE_DISCONTINUED)
    if not key.ip_allowed(client_ip):
        raise errors.authentication_error(errors.IP_NOT_ALLOWED)
    if OPERATION not in key.permissions:
        raise errors.authentication_error(errors.DENIED)
    if key.quota is not None and not hooks.take_quota(key.api_key, key.quota):
        raise errors.authentication_error(errors.LIMIT_REACHED)
    return key


def single_use_token(parsed: signing.ParsedSign) -> str:
    """What identifies a single-use signature: its digest (one per secret and raw string)."""
    return parsed.digest.hex()


# --- shared state: single use, quotas, requests in flight ----------------------------------

SINGLE_USE = "finauth_single_use"  # collection of b=0 signatures already used


def slot_name(api_key: str) -> str:
    return f"finauth:{api_key}"


def quota_key(api_key: str) -> str:
    return f"finauth:calls:{api_key}"


def store_hooks(store, now: float) -> AuthHooks:
    """AuthHooks over the runtime store: atomic in one process and across workers."""

    def claim_single_use(api_key: str, token: str) -> bool:
        return store.insert(SINGLE_USE, f"{api_key}:{token}", {"api_key": api_key, "at": now})

    def take_quota(api_key: str, quota: int) -> bool:
        if store.incr(quota_key(api_key)) <= quota:
            return True
        store.incr(quota_key(api_key), -1)
        return False

    return AuthHooks(claim_single_use=claim_single_use, take_quota=take_quota)


def concurrency_slots(rt) -> Leases:
    """In-flight slots as leases, which run out after the longest a request may run."""
    return Leases(rt.store, rt.settings.worker_timeout)


def acquire(ctx) -> None:
    """One of the key's in-flight slots (the limit its principal carries), leased to the request
    until it ends; a slot whose worker died or whose lease ran out is free again."""
    api_key = ctx.principal["credential"]
    if not concurrency_slots(ctx.runtime).acquire(slot_name(api_key), ctx.request_id,
                                                  ctx.principal["concurrency_limit"]):
        raise errors.concurrency_limit_exceeded()
    ctx.held = api_key


def release(ctx) -> None:
    concurrency_slots(ctx.runtime).release(slot_name(ctx.held), ctx.request_id)


def in_flight(slots: Leases, api_key: str) -> int:
    """Requests in flight for the key now."""
    return slots.held(slot_name(api_key))


def key_state(store, slots: Leases, config: FinAuthConfig, key: ApiKey) -> dict:
    """What the admin API shows of a key: never its secret."""
    return {
        "api_key": key.api_key,
        "disabled": key.disabled,
        "permissions": sorted(key.permissions),
        "quota": key.quota,
        "calls": store.incr(quota_key(key.api_key), 0),
        "allowed_ips": None if key.allowed_ips is None else [str(n) for n in key.allowed_ips],
        "concurrency_limit": config.concurrency_limit_for(key),
        "in_flight": in_flight(slots, key.api_key),
    }


# --- verdict outcomes ------------------------------------------------------------------------

# What a verdict rule's ``outcome`` may ask for, and the error it answers with.
OUTCOMES: dict[str, Callable[[], errors.FinAuthError]] = {
    errors.NO_FACE_FOUND: errors.no_face_found,
    errors.INTERNAL_TIMEOUT: errors.internal_timeout,
    errors.BAD_ARGUMENTS: errors.bad_arguments,
    errors.INVALID_IMAGE_SIZE: errors.invalid_image_size,
    errors.CONCURRENCY_LIMIT_EXCEEDED: errors.concurrency_limit_exceeded,
    errors.INTERNAL_ERROR: errors.internal_error,
    errors.GATEWAY_TIMEOUT: errors.gateway_timeout,
    "GATEWAY_TIMEOUT": errors.gateway_timeout,
}


def outcome_error(outcome: str) -> errors.FinAuthError:
    """The error a verdict rule's ``outcome`` names; ``AUTHENTICATION_ERROR[:<reason>]`` too."""
    if outcome in OUTCOMES:
        return OUTCOMES[outcome]()
    code, _, reason = outcome.partition(":")
    if code == errors.AUTHENTICATION_ERROR:
        return errors.authentication_error(reason.strip() or None)
    return errors.internal_error()


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """The 200 answer (schemas.AntiDeepfakeResponse): ``result`` is ``score >= threshold``
    (true: judged a deepfake)."""

    request_id: str
    time_used: int
    score: float
    threshold: float

    @property
    def result(self) -> bool:
        return self.score >= self.threshold


def analysis(request_id: str, time_used_ms: int, score: float, threshold: float) -> Analysis:
    """The answer for a verdict's score: clamped to [0, 1] and rounded to four places."""
    return Analysis(request_id, int(time_used_ms), round(min(max(float(score), 0.0), 1.0), 4),
                    threshold)
