"""Hiya's settings (``vendors.hiya``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...settings import RateLimit


@dataclass(frozen=True)
class HiyaConfig:
    # users sign in with handle + password; each owns the spaces "main" and "demo"
    users: list = field(default_factory=lambda: [
        {"handle": "user-a", "alias": "User A", "email": "user.a@email.com",
         "password": "correct-horse-1", "orgs": ["org-a"]},
        {"handle": "user-b", "alias": "User B", "email": "user.b@email.com",
         "password": "correct-horse-2", "orgs": []},
    ])
    orgs: list = field(default_factory=lambda: [{"handle": "org-a", "alias": "Org A"}])  # each owns "main" and "demo" too
    api_keys: dict = field(default_factory=lambda: {"hiya-key-user-a": "user-a",
                                                    "hiya-key-user-b": "user-b"})  # key -> user
    spaces: list = field(default_factory=list)  # more: [{"owner": h, "handle": h, "alias": a}]
    credits: int = 1000                    # verifications each owner may perform
    credits_by_owner: dict = field(default_factory=dict)  # {owner: credits}, over `credits`
    token_ttl_seconds: float = 86400.0     # DOCUMENTED: short-lived tokens last 24 hours
    max_file_bytes: int = 32 * 1024 * 1024  # largest audio file accepted (413 past it)
    foreign_space_status: int = 403        # 403 Forbidden, or 404 Resource not found
    stream_idle_seconds: float = 30.0      # a streaming verification silent this long ends
    rate_limit: RateLimit | None = None    # {"limit": n, "window": seconds}; none documented
