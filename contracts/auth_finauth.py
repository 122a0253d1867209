"""FinAuth authentication for the contract suite: every generated request gets a fresh signature.

An ``AuthProvider`` in schemathesis's sense (``get`` / ``set``), without importing schemathesis,
so the generic suite can register it with ``schema.auth(FinAuthAuth.from_env(...))``.

Credentials: ``FINAUTH_API_KEY`` / ``FINAUTH_API_SECRET`` from the environment (needed for the
real service), else the emulator's default test pair. The signature is made on the *target's*
clock: pass ``now`` (for the emulator, the admin clock) when it differs from the local one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from mockserver.vendors.finauth.signing import SIGN_VERSION, make_sign

DEFAULT_API_KEY = "TESTKEY_abcdefghijklmnopqrstuvwx"
DEFAULT_API_SECRET = "TESTSECRET_0123456789abcdefghijk"


class FinAuthAuth:
    """Signs each case: puts ``sign`` and ``sign_version`` into its multipart form body."""

    def __init__(self, api_key: str, api_secret: str, *, valid_seconds: int = 100,
                 now: Callable[[], float] = time.time):
        self.api_key = api_key
        self.api_secret = api_secret
        self.valid_seconds = valid_seconds
        self.now = now

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs) -> FinAuthAuth:
        env = os.environ if env is None else env
        return cls(env.get("FINAUTH_API_KEY") or DEFAULT_API_KEY,
                   env.get("FINAUTH_API_SECRET") or DEFAULT_API_SECRET, **kwargs)

    def fields(self) -> dict[str, str]:
        """A fresh ``sign`` / ``sign_version`` pair, for hand-written requests."""
        return {"sign": make_sign(self.api_key, self.api_secret, self.valid_seconds, now=self.now()),
                "sign_version": SIGN_VERSION}

    # schemathesis AuthProvider protocol
    def get(self, case, ctx) -> dict[str, str]:
        return self.fields()

    def set(self, case, data: dict[str, str], ctx) -> None:
        body = case.body if isinstance(case.body, dict) else {}
        body.update(data)
        case.body = body
