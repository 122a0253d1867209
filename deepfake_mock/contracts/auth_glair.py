"""GLAIR Vision credentials for the contract suite: ``x-api-key`` plus HTTP Basic on every request.

Against the emulator the defaults of its settings are used (``GlairConfig``: ``test-key``,
``user`` / ``pass``); against the real service (``--base-url https://api.vision.glair.ai
--vendor glair``) they come from ``GLAIR_API_KEY``, ``GLAIR_USERNAME`` and ``GLAIR_PASSWORD``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from deepfake_mock.vendors.glair.config import GlairConfig


class GlairAuth:
    def __init__(self, api_key: str, username: str, password: str):
        self.api_key = api_key
        self.username = username
        self.password = password

    @classmethod
    def defaults(cls) -> GlairAuth:
        """The emulator's first default key and user."""
        config = GlairConfig()
        username, password = config.users[0].split(":")
        return cls(config.api_keys[0], username, password)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GlairAuth:
        env = os.environ if env is None else env
        missing = [n for n in ("GLAIR_API_KEY", "GLAIR_USERNAME", "GLAIR_PASSWORD") if not env.get(n)]
        if missing:
            raise RuntimeError(f"the real GLAIR service needs {', '.join(missing)}")
        return cls(env["GLAIR_API_KEY"], env["GLAIR_USERNAME"], env["GLAIR_PASSWORD"])

    def headers(self) -> dict[str, str]:
        """What the vendor's curl samples send: ``printf "%s" "USERNAME:PASSWORD" | base64``."""
        pair = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        return {"x-api-key": self.api_key, "Authorization": f"Basic {pair}"}

    def __call__(self, request: dict) -> dict:
        request.setdefault("headers", {}).update(self.headers())
        return request


def glair_auth(target) -> GlairAuth:
    return GlairAuth.defaults() if target.is_emulator else GlairAuth.from_env()
