"""FinAuth ``anti_deepfake``: settings, authentication decisions, field rules, result shape.

Plain Python: no Flask. Shared state (single-use signatures, quotas, requests in flight) is
reached through small callables the web layer passes in, so the same logic runs over the
memory store in tests and the SQLite store across gunicorn workers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ...core.leases import Leases
from . import errors, signing
from .media import MB, MediaLimits

OPERATION = "anti_deepfake"  # the permission a key needs for this API

DATA_TYPE_FIELD = {0: "image", 1: "video"}

_INTEGER = re.compile(r"-?[0-9]+")

DEFAULT_KEYS: dict[str, dict] = {
    # The fact sheet's fixture pair (section 9).
    "TESTKEY_abcdefghijklmnopqrstuvwx": {"secret": "TESTSECRET_0123456789abcdefghijk"},
    # FaceID's published sample pair, so its published signature (test vector #0) verifies.
    "ICVvC_xUs6177WEtyUNwIH8J6NfGu50t": {"secret": "UjYGdN9CBZKsDBLB5-5v3DykPXY6dw3q"},
}

DEFAULT_SETTINGS: dict = {
    "keys": DEFAULT_KEYS,
    "concurrency_limit": 10,  # requests in flight per key; a key may override it
    "error_separator": ":",  # or ": "
    "bad_arguments_key": False,  # True: BAD_ARGUMENTS:<key> (FaceID style)
    "error_fields": True,  # request_id and time_used in JSON error bodies
    "replay_reason": signing.INVALID_SIGN,  # reason for a reused b=0 signature
    "future_skew_s": 300,  # how far current_time (c) may be ahead of the server clock
    "threshold": 0.5,
    "max_request_bytes": 20 * MB,  # over it: 413 plain text, before the body is read
    "max_field_chars": 1024,  # a longer text field: BAD_ARGUMENTS
    "image_max_bytes": 10 * MB,
    "image_max_side": 4096,
    "image_strict_720p": False,
    "video_max_base64_bytes": 10 * MB,
    "video_max_duration_s": None,
    "rate_limit": None,  # {"limit": n, "window": s}: calls per key, AUTHENTICATION_ERROR:LIMIT_REACHED
}


@dataclass(frozen=True)
class ApiKey:
    """A key pair and what it may do."""

    api_key: str
    secret: str
    disabled: bool = False
    permissions: frozenset[str] = frozenset({OPERATION})
    quota: int | None = None  # accepted calls in total; None: unlimited
    allowed_ips: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None = None
    concurrency_limit: int | None = None  # None: the global setting

    @classmethod
    def from_mapping(cls, api_key: str, value: Mapping | str) -> ApiKey:
        if isinstance(value, str):
            value = {"secret": value}
        unknown = set(value) - {"secret", "disabled", "permissions", "quota", "allowed_ips",
                                "concurrency_limit"}
        if unknown:
            raise ValueError(f"finauth key {api_key!r}: unknown settings {sorted(unknown)}")
        if not api_key or "&" in api_key or "=" in api_key:
            raise ValueError(f"finauth key {api_key!r}: not a usable api_key")
        secret = value.get("secret")
        if not isinstance(secret, str) or not secret:
            raise ValueError(f"finauth key {api_key!r}: secret must be a non-empty string")
        permissions = value.get("permissions", [OPERATION])
        if not isinstance(permissions, (list, tuple)) or not all(isinstance(p, str) for p in permissions):
            raise ValueError(f"finauth key {api_key!r}: permissions must be a list of API names")
        ips = value.get("allowed_ips")
        if ips is not None and (not isinstance(ips, (list, tuple)) or not all(isinstance(i, str) for i in ips)):
            raise ValueError(f"finauth key {api_key!r}: allowed_ips must be a list of addresses or networks")
        if not isinstance(value.get("disabled", False), bool):
            raise ValueError(f"finauth key {api_key!r}: disabled must be true or false")
        return cls(
            api_key=api_key,
            secret=secret,
            disabled=bool(value.get("disabled", False)),
            permissions=frozenset(permissions),
            quota=_optional_int(value.get("quota"), f"finauth key {api_key!r}: quota"),
            allowed_ips=None if ips is None else tuple(ipaddress.ip_network(ip, strict=False) for ip in ips),
            concurrency_limit=_optional_int(value.get("concurrency_limit"),
                                            f"finauth key {api_key!r}: concurrency_limit"),
        )

    def ip_allowed(self, client_ip: str | None) -> bool:
        if self.allowed_ips is None:
            return True
        if not client_ip:
            return False
        try:
            address = ipaddress.ip_address(client_ip)
        except ValueError:
            return False
        return any(address in network for network in self.allowed_ips)


def _optional_int(value, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer or null")
    return value


@dataclass(frozen=True)
class FinAuthSettings:
    keys: Mapping[str, ApiKey]
    concurrency_limit: int = 10
    error_separator: str = ":"
    bad_arguments_key: bool = False
    error_fields: bool = True
    replay_reason: str = signing.INVALID_SIGN
    future_skew_s: int | None = 300
    threshold: float = 0.5
    max_request_bytes: int = 20 * MB
    max_field_chars: int = 1024
    media: MediaLimits = field(default_factory=MediaLimits)

    @classmethod
    def from_mapping(cls, mapping: Mapping | None = None) -> FinAuthSettings:
        merged = {**DEFAULT_SETTINGS, **(mapping or {})}
        unknown = set(merged) - set(DEFAULT_SETTINGS)  # rate_limit is read by the shared limiter
        if unknown:
            raise ValueError(f"finauth: unknown settings {sorted(unknown)}")
        if merged["error_separator"] not in errors.SEPARATORS:
            raise ValueError(f"finauth: error_separator must be one of {errors.SEPARATORS!r}")
        if not merged["replay_reason"]:
            raise ValueError("finauth: replay_reason must be non-empty")
        threshold = float(merged["threshold"])
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("finauth: threshold must be within [0, 1]")
        keys = {k: ApiKey.from_mapping(k, v) for k, v in (merged["keys"] or {}).items()}
        return cls(
            keys=keys,
            concurrency_limit=_optional_int(merged["concurrency_limit"], "finauth: concurrency_limit"),
            error_separator=merged["error_separator"],
            bad_arguments_key=bool(merged["bad_arguments_key"]),
            error_fields=bool(merged["error_fields"]),
            replay_reason=str(merged["replay_reason"]),
            future_skew_s=_optional_int(merged["future_skew_s"], "finauth: future_skew_s"),
            threshold=threshold,
            max_request_bytes=int(merged["max_request_bytes"]),
            max_field_chars=int(merged["max_field_chars"]),
            media=MediaLimits(
                image_max_bytes=int(merged["image_max_bytes"]),
                image_max_side=int(merged["image_max_side"]),
                image_strict_720p=bool(merged["image_strict_720p"]),
                video_max_base64_bytes=int(merged["video_max_base64_bytes"]),
                video_max_duration_s=(None if merged["video_max_duration_s"] is None
                                      else float(merged["video_max_duration_s"])),
            ),
        )

    def concurrency_limit_for(self, key: ApiKey) -> int | None:
        return key.concurrency_limit if key.concurrency_limit is not None else self.concurrency_limit


# Keys changed at run time over the admin API, kept in the store (shared by every worker, cleared
# by a reset): {api_key: {field: value, ...}} merged over the settings, or {api_key: None} removed.
KEY_OVERRIDES = "finauth:keys"


def current_settings(mapping: Mapping | None, store) -> FinAuthSettings:
    """The vendor settings with the admin API's key changes applied."""
    overrides = store.get_meta(KEY_OVERRIDES) or {}
    if not overrides:
        return FinAuthSettings.from_mapping(mapping)
    return FinAuthSettings.from_mapping({**(mapping or {}), "keys": merged_keys(mapping, overrides)})


def merged_keys(mapping: Mapping | None, overrides: Mapping[str, Mapping | None]) -> dict[str, dict]:
    configured = (mapping or {}).get("keys", DEFAULT_KEYS) or {}
    keys = {k: ({"secret": v} if isinstance(v, str) else dict(v)) for k, v in configured.items()}
    for api_key, change in overrides.items():
        if change is None:
            keys.pop(api_key, None)
        else:
            keys[api_key] = {**keys.get(api_key, {}), **change}
    return keys


def change_key(store, mapping: Mapping | None, api_key: str, change: Mapping | None) -> ApiKey | None:
    """Add or change a key (``change``: fields to set), or remove it (``None``); atomically.

    Raises ``ValueError`` when the result would not be a usable key.
    """
    if change is not None:
        current = store.get_meta(KEY_OVERRIDES) or {}
        merged = merged_keys(mapping, {**current, api_key: {**(current.get(api_key) or {}), **change}})
        key = ApiKey.from_mapping(api_key, merged[api_key])
    else:
        key = None

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


def check_sign_fields(form: Mapping[str, str], settings: FinAuthSettings) -> str:
    """Presence of ``sign`` and ``sign_version``, then the version value; return ``sign``."""
    sign = _text(form, "sign")
    if sign is None:
        raise errors.missing_arguments("sign")
    version = _text(form, "sign_version")
    if version is None:
        raise errors.missing_arguments("sign_version")
    if version != signing.SIGN_VERSION:
        raise errors.bad_arguments("sign_version")
    if len(sign) > settings.max_field_chars:
        raise errors.bad_arguments("sign")
    return sign


def check_data_type(form: Mapping[str, str], settings: FinAuthSettings) -> int:
    """``data_type``: present, an integer, 0 (image) or 1 (video)."""
    raw = _text(form, "data_type")
    if raw is None:
        raise errors.missing_arguments("data_type")
    if len(raw) > settings.max_field_chars or not _INTEGER.fullmatch(raw) or len(raw) > 18:
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
    settings: FinAuthSettings,
    now: float,
    client_ip: str | None,
    hooks: AuthHooks,
) -> ApiKey:
    """Verify the signature, then the key's status; return the key or raise ``FinAuthError``.

    Order: decoding and parsing (``INVALID_SIGN``), known key and HMAC (bare
    ``AUTHENTICATION_ERROR``), expiry (``EXPIRED_SIGN``), ``c < b`` and clock skew
    (``INVALID_SIGN``), reuse of a single-use signature (``replay_reason``), then the key:
    disabled (``API_KEY_BE_DISCONTINUED``), caller IP (``IP_NOT_ALLOWED``), permission for
    ``anti_deepfake`` (``DENIED``), quota (``LIMIT_REACHED``).
    """

    def secret_for(api_key: str) -> str | None:
        key = settings.keys.get(api_key)
        return None if key is None else key.secret

    try:
        parsed = signing.verify_sign(sign, secret_for, now, future_skew=settings.future_skew_s)
    except signing.SignError as exc:
        raise errors.authentication_error(exc.reason) from None
    if parsed.single_use and not hooks.claim_single_use(parsed.api_key, single_use_token(parsed)):
        raise errors.authentication_error(settings.replay_reason)
    key = settings.keys[parsed.api_key]
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


def acquire_slot(slots: Leases, api_key: str, holder: str, limit: int | None) -> bool:
    """Lease one of the key's ``limit`` in-flight slots to ``holder`` (a request); False past it.
    A slot whose worker died or whose lease ran out is free again."""
    return slots.acquire(slot_name(api_key), holder, limit)


def release_slot(slots: Leases, api_key: str, holder: str) -> None:
    slots.release(slot_name(api_key), holder)


def in_flight(slots: Leases, api_key: str) -> int:
    """Requests in flight for the key now."""
    return slots.held(slot_name(api_key))


def key_state(store, slots: Leases, settings: FinAuthSettings, key: ApiKey) -> dict:
    """What the admin API shows of a key: never its secret."""
    return {
        "api_key": key.api_key,
        "disabled": key.disabled,
        "permissions": sorted(key.permissions),
        "quota": key.quota,
        "calls": store.incr(quota_key(key.api_key), 0),
        "allowed_ips": None if key.allowed_ips is None else [str(n) for n in key.allowed_ips],
        "concurrency_limit": settings.concurrency_limit_for(key),
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


def request_id(now: float, uuid4: str) -> str:
    """``<unix seconds>,<uuid4>``, FaceID's format."""
    return f"{int(now)},{uuid4}"


def success_body(request_id_: str, time_used_ms: int, score: float, threshold: float) -> dict:
    """The 200 body; ``result`` is ``score >= threshold`` (true: judged a deepfake)."""
    score = round(min(max(float(score), 0.0), 1.0), 4)
    return {
        "request_id": request_id_,
        "time_used": int(time_used_ms),
        "result": score >= threshold,
        "score": score,
        "threshold": threshold,
    }
