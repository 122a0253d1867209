"""FinAuth / FaceID ``hmac_sha1`` request signatures: sign, parse, verify.

A public helper: the emulator verifies with it, and a client's test suite can sign its requests
with it, for the emulator and for the real service alike. It depends on the standard library only.

The scheme (FaceID "App-Authentication", which FinAuth's v5 platform reuses)::

    raw  = "a=<api_key>&b=<expire_time>&c=<current_time>&d=<random>"
    sign = Base64( HMAC-SHA1(api_secret, raw) || raw )     # standard alphabet, '=' padded

``b`` is the Unix second until which the signature may be reused; ``b = 0`` asks for a
single-use signature. ``c`` is the Unix second of signing, ``d`` a random decimal of at most ten
digits. The request carries ``sign`` and ``sign_version=hmac_sha1`` as form fields.

    >>> make_sign("TESTKEY_abcdefghijklmnopqrstuvwx", "TESTSECRET_0123456789abcdefghijk",
    ...           100, now=1700000000, rnd="1234567890")[:24]
    '+k143km/JRMx9A3Hpx1IVfWM'
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ...core import base64text

__all__ = [
    "SIGN_VERSION",
    "DIGEST_SIZE",
    "INVALID_SIGN",
    "EXPIRED_SIGN",
    "SignError",
    "ParsedSign",
    "canonical_string",
    "random_digits",
    "sign_raw",
    "make_sign",
    "signed_fields",
    "parse_sign",
    "verify_sign",
]

SIGN_VERSION = "hmac_sha1"
DIGEST_SIZE = 20  # bytes of an HMAC-SHA1 digest

# The reasons a signature can fail with, as they appear after ``AUTHENTICATION_ERROR:``.
INVALID_SIGN = "INVALID_SIGN"
EXPIRED_SIGN = "EXPIRED_SIGN"

_NUMBER = re.compile(r"[0-9]+")
_RANDOM = re.compile(r"[0-9]{1,10}")


class SignError(Exception):
    """A signature that does not verify.

    ``reason`` is the text after ``AUTHENTICATION_ERROR:`` (``INVALID_SIGN`` or ``EXPIRED_SIGN``),
    or ``None`` for the bare ``AUTHENTICATION_ERROR`` (unknown key or digest mismatch).
    """

    def __init__(self, reason: str | None, why: str):
        super().__init__(why)
        self.reason = reason
        self.why = why


@dataclass(frozen=True)
class ParsedSign:
    """A decoded ``sign``: the digest it carries and the fields of its raw string."""

    digest: bytes
    raw: bytes
    api_key: str
    expire_time: int
    current_time: int
    random: str

    @property
    def single_use(self) -> bool:
        return self.expire_time == 0


def canonical_string(api_key: str, expire_time: int, current_time: int, random: str | int) -> str:
    """The raw string ``a=..&b=..&c=..&d=..`` exactly as it is signed."""
    return f"a={api_key}&b={int(expire_time)}&c={int(current_time)}&d={random}"


def random_digits(n: int = 10) -> str:
    """``n`` random decimal digits (leading zeros kept), like the vendor's Python sample."""
    return "".join(secrets.choice("0123456789") for _ in range(n))


def sign_raw(api_secret: str, raw: str | bytes) -> str:
    """Sign an already built raw string: Base64(HMAC-SHA1(secret, raw) || raw)."""
    raw_bytes = raw.encode() if isinstance(raw, str) else raw
    digest = hmac.new(api_secret.encode(), raw_bytes, hashlib.sha1).digest()
    return binascii.b2a_base64(digest + raw_bytes, newline=False).decode("ascii")


def make_sign(
    api_key: str,
    api_secret: str,
    valid_seconds: int = 100,
    now: int | float | None = None,
    rnd: str | int | None = None,
) -> str:
    """A ``sign`` for ``api_key``, valid ``valid_seconds`` from ``now``; 0 means single use.

    ``now`` defaults to the local clock; pass the target's clock when it is not the local one
    (the emulator's manual clock, for instance).
    """
    if valid_seconds < 0:
        raise ValueError("valid_seconds must be >= 0")
    c = int(time.time() if now is None else now)
    b = 0 if valid_seconds == 0 else c + int(valid_seconds)
    d = random_digits() if rnd is None else str(rnd)
    if not _RANDOM.fullmatch(d):
        raise ValueError("rnd must be 1 to 10 decimal digits")
    return sign_raw(api_secret, canonical_string(api_key, b, c, d))


def signed_fields(
    api_key: str,
    api_secret: str,
    valid_seconds: int = 100,
    now: int | float | None = None,
) -> dict[str, str]:
    """The two form fields an ``anti_deepfake`` request carries for authentication."""
    return {"sign": make_sign(api_key, api_secret, valid_seconds, now), "sign_version": SIGN_VERSION}


def parse_sign(sign: str) -> ParsedSign:
    """Decode ``sign`` strictly and split its raw string; raises ``SignError(INVALID_SIGN)``.

    Strict means: standard Base64 alphabet only, correct padding, no whitespace, nothing after
    the padding; at least one byte of raw string after the 20-byte digest; the raw string is
    ASCII and has exactly the fields ``a``, ``b``, ``c``, ``d`` in that order, with a non-empty
    ``a``, decimal ``b`` and ``c``, and a ``d`` of 1 to 10 decimal digits.
    """
    if not isinstance(sign, str) or not sign.isascii():
        raise SignError(INVALID_SIGN, "sign is not ASCII")
    try:
        blob = base64text.decode(sign, allow_empty=True)
    except ValueError:
        raise SignError(INVALID_SIGN, "sign is not well-formed standard Base64") from None
    if len(blob) <= DIGEST_SIZE:
        raise SignError(INVALID_SIGN, "sign is too short to hold a digest and a raw string")
    digest, raw = blob[:DIGEST_SIZE], blob[DIGEST_SIZE:]
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise SignError(INVALID_SIGN, "raw string is not ASCII") from None
    parts = text.split("&")
    if len(parts) != 4:
        raise SignError(INVALID_SIGN, "raw string does not have the four fields a, b, c, d")
    values: list[str] = []
    for letter, part in zip("abcd", parts):
        name, sep, value = part.partition("=")
        if name != letter or not sep:
            raise SignError(INVALID_SIGN, f"raw string field {letter} is missing or out of order")
        values.append(value)
    api_key, b, c, d = values
    if not api_key:
        raise SignError(INVALID_SIGN, "api_key (a) is empty")
    if not _NUMBER.fullmatch(b) or not _NUMBER.fullmatch(c):
        raise SignError(INVALID_SIGN, "expire_time (b) and current_time (c) must be decimal")
    if not _RANDOM.fullmatch(d):
        raise SignError(INVALID_SIGN, "random (d) must be 1 to 10 decimal digits")
    if len(b) > 12 or len(c) > 12:
        raise SignError(INVALID_SIGN, "expire_time (b) or current_time (c) is out of range")
    return ParsedSign(digest, raw, api_key, int(b), int(c), d)


def verify_sign(
    sign: str,
    secrets_by_key: Mapping[str, str] | Callable[[str], str | None],
    now: int | float,
    *,
    future_skew: int | None = 300,
) -> ParsedSign:
    """Verify ``sign`` at Unix time ``now``; return it parsed, or raise ``SignError``.

    Checks, in order: strict decoding and parsing (``INVALID_SIGN``); the key is known and the
    HMAC matches (bare ``AUTHENTICATION_ERROR``); a reusable signature is not past its expiry,
    ``now >= b`` (``EXPIRED_SIGN``); it was signed before it expires, ``c < b``
    (``INVALID_SIGN``); ``c`` is not more than ``future_skew`` seconds ahead of ``now``
    (``INVALID_SIGN``; ``None`` disables the check). Single use of ``b = 0`` signatures is not
    checked here: it needs shared state (see the emulator's models).
    """
    parsed = parse_sign(sign)
    if callable(secrets_by_key):
        secret = secrets_by_key(parsed.api_key)
    else:
        secret = secrets_by_key.get(parsed.api_key)
    if secret is None:
        raise SignError(None, "api_key is unknown")
    expected = hmac.new(secret.encode(), parsed.raw, hashlib.sha1).digest()
    if not hmac.compare_digest(expected, parsed.digest):
        raise SignError(None, "digest does not match (wrong secret or tampered raw string)")
    now_s = int(now)
    if not parsed.single_use:
        if now_s >= parsed.expire_time:
            raise SignError(EXPIRED_SIGN, "signature has expired")
        if parsed.current_time >= parsed.expire_time:
            raise SignError(INVALID_SIGN, "current_time (c) is not before expire_time (b)")
    if future_skew is not None and parsed.current_time > now_s + future_skew:
        raise SignError(INVALID_SIGN, "current_time (c) is too far in the future")
    return parsed
