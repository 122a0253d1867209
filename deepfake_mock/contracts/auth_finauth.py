"""FinAuth credentials for the contract suite: every request gets a fresh ``hmac_sha1`` signature.

FinAuth authenticates with form fields (``sign``, ``sign_version``) inside the multipart body, so
signing means rewriting the body. Two ways in, one signer:

- ``finauth_auth(target)``: the suite's ``Apply`` (contracts/auth.py). It adds a ``requests``
  auth object that re-signs the prepared multipart body just before it is sent, replacing any
  ``sign`` / ``sign_version`` parts the generator made up.
- ``FinAuthAuth``: a schemathesis ``AuthProvider`` (``get`` / ``set``) that puts the two fields
  into ``case.body``, for ``schema.auth(FinAuthAuth.from_env())``.

Credentials: ``FINAUTH_API_KEY`` / ``FINAUTH_API_SECRET`` for the real service; the emulator's
default test pair otherwise. Signatures are made on the target's clock (the admin clock for the
emulator), so a suite works while the emulator's clock is set to any instant.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping

import requests

from deepfake_mock.vendors.finauth.config import FinAuthConfig
from deepfake_mock.vendors.finauth.signing import SIGN_VERSION, make_sign

# the emulator's first default key pair (the fact sheet's fixture pair)
_FIRST_KEY = next(iter(FinAuthConfig().api_keys.values()))
DEFAULT_API_KEY, DEFAULT_API_SECRET = _FIRST_KEY.api_key, _FIRST_KEY.secret

_NAME = re.compile(rb'name="([^"]*)"')


class FinAuthAuth(requests.auth.AuthBase):
    """Signs requests for one key pair; valid ``valid_seconds`` from ``now()``."""

    def __init__(self, api_key: str, api_secret: str, *, valid_seconds: int = 100,
                 now: Callable[[], float] = time.time):
        self.api_key = api_key
        self.api_secret = api_secret
        self.valid_seconds = valid_seconds
        self.now = now

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, required: bool = False,
                 **kwargs) -> FinAuthAuth:
        env = os.environ if env is None else env
        key, secret = env.get("FINAUTH_API_KEY"), env.get("FINAUTH_API_SECRET")
        if required and not (key and secret):
            raise RuntimeError("the real FinAuth service needs FINAUTH_API_KEY and FINAUTH_API_SECRET")
        return cls(key or DEFAULT_API_KEY, secret or DEFAULT_API_SECRET, **kwargs)

    def fields(self) -> dict[str, str]:
        """A fresh ``sign`` / ``sign_version`` pair, for hand-written requests."""
        return {"sign": make_sign(self.api_key, self.api_secret, self.valid_seconds, now=self.now()),
                "sign_version": SIGN_VERSION}

    # ---- requests: re-sign the prepared body ---------------------------------------------------

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        boundary = _boundary(prepared.headers.get("Content-Type", ""))
        if boundary is None:
            return prepared
        body = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
        prepared.body = resign_multipart(body, boundary, self.fields())
        prepared.headers["Content-Length"] = str(len(prepared.body))
        return prepared

    # ---- schemathesis AuthProvider -------------------------------------------------------------

    def get(self, case, ctx) -> dict[str, str]:
        return self.fields()

    def set(self, case, data: dict[str, str], ctx) -> None:
        body = dict(case.body) if isinstance(case.body, dict) else {}
        body.update(data)
        case.body = body


def _boundary(content_type: str) -> bytes | None:
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    return match.group(1).encode() if match else None


def resign_multipart(body: bytes, boundary: bytes, fields: Mapping[str, str]) -> bytes:
    """``body`` without its parts named like ``fields``, followed by those fields, re-closed."""
    delimiter = b"--" + boundary
    chunks = body.split(delimiter)
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head = chunk.split(b"\r\n\r\n", 1)[0]
        name = _NAME.search(head)
        if name is not None and name.group(1).decode("latin-1") in fields:
            continue
        parts.append(chunk)
    for name, value in fields.items():
        parts.append(f'\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    return b"".join(delimiter + part for part in parts) + delimiter + b"--\r\n"


def finauth_auth(target) -> Callable[[dict], dict]:
    """The suite's ``Apply`` for FinAuth: sign on the emulator's clock, or with env credentials."""
    if target.is_emulator:
        signer = FinAuthAuth(DEFAULT_API_KEY, DEFAULT_API_SECRET, now=target.admin.get_clock)
    else:
        signer = FinAuthAuth.from_env(required=True)

    def apply(request: dict) -> dict:
        request["auth"] = signer
        return request

    return apply
