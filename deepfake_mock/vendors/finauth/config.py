"""FinAuth's settings (``vendors.finauth``): their defaults, the checks that refuse start-up, and
the configured keys parsed once into ``ApiKey``s."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ...settings import RateLimit
from .errors import SEPARATORS
from .signing import INVALID_SIGN

MB = 1024 * 1024
OPERATION = "anti_deepfake"  # the permission a key needs for this API

DEFAULT_KEYS: dict[str, dict] = {
    # The fact sheet's fixture pair (section 9).
    "TESTKEY_abcdefghijklmnopqrstuvwx": {"secret": "TESTSECRET_0123456789abcdefghijk"},
    # FaceID's published sample pair, so its published signature (test vector #0) verifies.
    "ICVvC_xUs6177WEtyUNwIH8J6NfGu50t": {"secret": "UjYGdN9CBZKsDBLB5-5v3DykPXY6dw3q"},
}

KEY_FIELDS = ("secret", "disabled", "permissions", "quota", "allowed_ips", "concurrency_limit")


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
        """A key from its settings: the secret alone, or a mapping of KEY_FIELDS."""
        value = key_mapping(value)
        unknown = set(value) - set(KEY_FIELDS)
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
            disabled=value.get("disabled", False),
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


def key_mapping(value: Mapping | str | None) -> dict:
    """A key's settings as a mapping (a bare string is its secret)."""
    if value is None:
        return {}
    return {"secret": value} if isinstance(value, str) else dict(value)


def _optional_int(value, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer or null")
    return value


@dataclass(frozen=True)
class FinAuthConfig:
    # api_key -> its secret, or {secret, disabled, permissions, quota, allowed_ips,
    # concurrency_limit}; configured keys stand beside the two default ones (proposed)
    keys: Mapping[str, str | Mapping[str, Any]] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    concurrency_limit: int = 10       # requests in flight per key; a key may override it (documented error)
    error_separator: str = ":"        # ":" or ": " between code and key/reason (proposed ":")
    bad_arguments_key: bool = False   # True: BAD_ARGUMENTS:<key> (FaceID style)
    error_fields: bool = True         # request_id and time_used in JSON error bodies
    replay_reason: str = INVALID_SIGN  # reason for a reused b=0 signature (proposed)
    future_skew_s: int = 300          # how far current_time (c) may be ahead of the server clock
    threshold: float = 0.5            # result is score >= threshold
    max_request_bytes: int = 20 * MB  # over it: 413 plain text, before the body is read
    max_field_chars: int = 1024       # a longer text field: BAD_ARGUMENTS
    image_max_bytes: int = 10 * MB    # a larger image file: INVALID_IMAGE_SIZE:image (documented)
    image_max_side: int = 4096        # a longer image side: INVALID_IMAGE_SIZE:image (documented)
    image_strict_720p: bool = False   # True: images over 1280x720 are INVALID_IMAGE_SIZE too
    video_max_base64_bytes: int = 10 * MB  # a video longer once Base64-encoded: BAD_ARGUMENTS
    video_max_duration_s: float | None = None  # a longer video: BAD_ARGUMENTS (vendor's value unknown)
    rate_limit: RateLimit | None = None  # calls per key: AUTHENTICATION_ERROR:LIMIT_REACHED

    def __post_init__(self) -> None:
        if self.error_separator not in SEPARATORS:
            raise ValueError(f"finauth: error_separator must be one of {SEPARATORS!r}")
        if not self.replay_reason:
            raise ValueError("finauth: replay_reason must be non-empty")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("finauth: threshold must be within [0, 1]")
        self.api_keys  # an unusable key refuses start-up
        _optional_int(self.concurrency_limit, "finauth: concurrency_limit")
        _optional_int(self.future_skew_s, "finauth: future_skew_s")

    @property
    def max_body_bytes(self) -> int:
        return self.max_request_bytes

    @cached_property
    def api_keys(self) -> Mapping[str, ApiKey]:
        """The configured keys, parsed (the admin API's changes: ``models.keys_in_effect``)."""
        return {api_key: ApiKey.from_mapping(api_key, value) for api_key, value in self.keys.items()}

    def concurrency_limit_for(self, key: ApiKey) -> int:
        return key.concurrency_limit if key.concurrency_limit is not None else self.concurrency_limit
