"""Secure-upload media tokens: HS256 JSON Web Tokens, valid one hour on the emulator clock.

The vendor documents the token as a JWT that expires one hour after issue, tied to one uploaded
file and private to the team. The emulator signs its own with a setting-held secret; the claims
are ``sub`` (the upload id), ``team``, ``iat`` and ``exp``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

LIFETIME = 3600
HEADER = {"alg": "HS256", "typ": "JWT"}


class InvalidToken(Exception):
    """Malformed, badly signed or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(doc: dict) -> bytes:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def _sign(secret: str, signing_input: str) -> str:
    return _b64(hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest())


def issue(secret: str, *, upload_id: str, team: str, now: float,
          lifetime: int = LIFETIME) -> str:
    iat = int(now)
    claims = {"sub": upload_id, "team": team, "iat": iat, "exp": iat + lifetime}
    signing_input = f"{_b64(_json(HEADER))}.{_b64(_json(claims))}"
    return f"{signing_input}.{_sign(secret, signing_input)}"


def verify(secret: str, token: object, now: float) -> dict:
    """The claims of a well-formed, correctly signed, unexpired token."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidToken("malformed")
    head, body, signature = token.split(".")
    if not hmac.compare_digest(_sign(secret, f"{head}.{body}"), signature):
        raise InvalidToken("bad signature")
    try:
        header = json.loads(_unb64(head))
        claims = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("malformed") from exc
    if header.get("alg") != "HS256" or not isinstance(claims, dict):
        raise InvalidToken("malformed")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool) or now >= exp:
        raise InvalidToken("expired")
    if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("team"), str):
        raise InvalidToken("malformed")
    return claims
