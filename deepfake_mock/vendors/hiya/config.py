"""Hiya's settings (``vendors.hiya``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Mapping

from pydantic import ConfigDict, with_config
from typing_extensions import NotRequired, TypedDict

from ...settings import RateLimit
from .handles import is_handle


@with_config(ConfigDict(extra="allow"))  # other keys are kept, unused
class User(TypedDict):
    handle: str
    password: str
    alias: NotRequired[str | None]
    email: NotRequired[str | None]
    orgs: NotRequired[tuple[str, ...]]     # handles of the organisations the user belongs to


@with_config(ConfigDict(extra="allow"))  # other keys are kept, unused
class Org(TypedDict):
    handle: str
    alias: NotRequired[str | None]


@with_config(ConfigDict(extra="allow"))  # other keys are kept, unused
class Space(TypedDict):
    owner: str                             # a user's or an organisation's handle
    handle: str
    alias: NotRequired[str | None]


@dataclass(frozen=True)
class Owner:
    """A user or an organisation: what owns spaces, and who may reach them."""

    type: Literal["user", "org"]
    handle: str
    alias: str | None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class HiyaConfig:
    # users sign in with handle + password; each owns the spaces "main" and "demo"
    users: tuple[User, ...] = (
        {"handle": "user-a", "alias": "User A", "email": "user.a@email.com",
         "password": "correct-horse-1", "orgs": ("org-a",)},
        {"handle": "user-b", "alias": "User B", "email": "user.b@email.com",
         "password": "correct-horse-2", "orgs": ()},
    )
    orgs: tuple[Org, ...] = ({"handle": "org-a", "alias": "Org A"},)  # each owns "main" and "demo" too
    api_keys: Mapping[str, str] = field(default_factory=lambda: {"hiya-key-user-a": "user-a",
                                                                 "hiya-key-user-b": "user-b"})  # key -> user
    spaces: tuple[Space, ...] = ()         # more spaces than "main" and "demo"
    credits: int = 1000                    # verifications each owner may perform
    credits_by_owner: Mapping[str, int] = field(default_factory=dict)  # {owner: credits}, over `credits`
    token_ttl_seconds: float = 86400.0     # DOCUMENTED: short-lived tokens last 24 hours
    max_file_bytes: int = 32 * 1024 * 1024  # largest audio file accepted (413 past it)
    foreign_space_status: Literal[403, 404] = 403  # 403 Forbidden, or 404 Resource not found
    stream_idle_seconds: float = 30.0      # a streaming verification silent this long ends
    rate_limit: RateLimit | None = None    # {"limit": n, "window": seconds}; none documented

    def __post_init__(self) -> None:
        """Refuse at start-up settings the API could never serve."""
        for user in self.users:
            if not is_handle(user.get("handle")) or not isinstance(user.get("password"), str):
                raise ValueError(f"hiya: bad user in settings: {user!r}")
        for org in self.orgs:
            if not is_handle(org.get("handle")):
                raise ValueError(f"hiya: bad organisation in settings: {org!r}")
        for space in self.spaces:
            if not is_handle(space.get("handle")) or space.get("owner") not in self.owners:
                raise ValueError(f"hiya: bad space in settings: {space!r}")
        if not self.stream_idle_seconds > 0:
            raise ValueError("hiya: stream_idle_seconds must be a positive number of seconds")

    @property
    def max_body_bytes(self) -> int:
        """A base64 file inside JSON is 4/3 of the file, plus room for the other fields."""
        return self.max_file_bytes * 4 // 3 + (1 << 20)

    @cached_property
    def users_by_handle(self) -> dict[str, User]:
        return {user["handle"]: user for user in self.users}

    @cached_property
    def owners(self) -> dict[str, Owner]:
        """Every organisation (its members: the users naming it) and every user, by handle."""
        found: dict[str, Owner] = {}
        for org in self.orgs:
            members = tuple(u["handle"] for u in self.users if org["handle"] in u.get("orgs", ()))
            found[org["handle"]] = Owner("org", org["handle"], org.get("alias"), members)
        for user in self.users:
            found[user["handle"]] = Owner("user", user["handle"], user.get("alias"),
                                          (user["handle"],))
        return found

    def allowance(self, owner: str) -> int:
        """The credits ``owner`` starts with."""
        return int(self.credits_by_owner.get(owner, self.credits))
