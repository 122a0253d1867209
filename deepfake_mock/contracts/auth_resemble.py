"""Resemble Detect credentials for the contract suite: ``Authorization: Bearer <API_TOKEN>``.

Against the emulator its default token (``resemble-test-token``, team ``team-1``) is used.
Against the real service (``--base-url https://app.resemble.ai --vendor resemble``) the token is
``RESEMBLE_API_TOKEN``; ``RESEMBLE_AUTH_FORM=token`` sends it the way Resemble's Python package
does (``Token token=<key>``) instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_TOKEN = "resemble-test-token"


class ResembleAuth:
    def __init__(self, token: str, form: str = "bearer"):
        self.token = token
        self.form = form

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "ResembleAuth":
        env = os.environ if env is None else env
        token = env.get("RESEMBLE_API_TOKEN")
        if not token:
            raise RuntimeError("the real Resemble service needs RESEMBLE_API_TOKEN")
        return cls(token, env.get("RESEMBLE_AUTH_FORM", "bearer"))

    def headers(self) -> dict[str, str]:
        value = f"Token token={self.token}" if self.form == "token" else f"Bearer {self.token}"
        return {"Authorization": value}

    def __call__(self, request: dict) -> dict:
        request.setdefault("headers", {}).update(self.headers())
        return request


def resemble_auth(target) -> ResembleAuth:
    return ResembleAuth(DEFAULT_TOKEN) if target.is_emulator else ResembleAuth.from_env()
