"""Hiya Audio Intelligence credentials for the contract suite: ``Authorization: Bearer <token>``.

Against the emulator the first API key of its default settings is used (``HiyaConfig``:
``hiya-key-user-a``, user ``user-a``, space ``main``). Against the real service (``--base-url
https://api.hiya.com/audiointel/eu --vendor hiya``) the token is ``HIYA_API_KEY``, or one signed in
with ``HIYA_USERNAME`` / ``HIYA_PASSWORD`` as the vendor's scripts do; ``HIYA_OWNER`` (default: the
username) and ``HIYA_SPACE`` (default ``main``) name the space the flows work in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import requests

from deepfake_mock.vendors.hiya.config import HiyaConfig

DEFAULT_SPACE = "main"


class HiyaAuth:
    def __init__(self, token: str, owner: str, space: str = DEFAULT_SPACE,
                 username: str | None = None, password: str | None = None):
        self.token = token
        self.owner = owner
        self.space = space
        self.username = username or owner
        self.password = password

    @classmethod
    def defaults(cls) -> HiyaAuth:
        config = HiyaConfig()
        api_key, handle = next(iter(config.api_keys.items()))
        return cls(api_key, handle, DEFAULT_SPACE, handle,
                   config.users_by_handle[handle]["password"])

    @classmethod
    def from_env(cls, base_url: str, env: Mapping[str, str] | None = None) -> HiyaAuth:
        env = os.environ if env is None else env
        username, password = env.get("HIYA_USERNAME"), env.get("HIYA_PASSWORD")
        owner = env.get("HIYA_OWNER") or username
        space = env.get("HIYA_SPACE") or DEFAULT_SPACE
        token = env.get("HIYA_API_KEY")
        if not token and username and password:
            token = sign_in(base_url, username, password)["token"]
        if not token or not owner:
            raise RuntimeError("the real Hiya service needs HIYA_API_KEY and HIYA_OWNER, "
                               "or HIYA_USERNAME and HIYA_PASSWORD")
        return cls(token, owner, space, username, password)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def __call__(self, request: dict) -> dict:
        request.setdefault("headers", {}).update(self.headers())
        return request


def sign_in(base_url: str, handle: str, password: str) -> dict:
    r = requests.post(f"{base_url}/v1/auth/credentials", json={"handle": handle, "password": password},
                      timeout=30)
    r.raise_for_status()
    return r.json()


def hiya_auth(target) -> HiyaAuth:
    return HiyaAuth.defaults() if target.is_emulator else HiyaAuth.from_env(target.url("hiya"))
