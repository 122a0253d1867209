"""What the contract suite runs against: the in-process emulator (default), or the server at
``--base-url URL``. That server is asked ``GET /_admin/health``: the emulator answers it (combined,
or serving one vendor at the root), anything else is taken for one vendor's real service, named
by ``--vendor``, whose root is the URL (no admin API: ``mock_only`` tests are skipped)."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.registry import BY_SLUG


class TargetError(Exception):
    """The options do not name a target the suite can run against."""


@dataclass(frozen=True)
class Target:
    base_url: str
    admin: AdminClient | None        # None: a real vendor, no admin API
    vendor: str | None = None        # set: only this vendor's contracts run
    at_root: bool = False            # the vendor's real paths are at base_url (not /<vendor>)

    @property
    def is_emulator(self) -> bool:
        return self.admin is not None

    def url(self, slug: str) -> str:
        return self.base_url if self.at_root else f"{self.base_url}/{slug}"

    def selects(self, slug: str) -> bool:
        return self.vendor in (None, slug)

    @property
    def slugs(self) -> list[str]:
        """The vendors whose contracts run, in the registry's order."""
        return [slug for slug in BY_SLUG if self.selects(slug)]


def detect(base_url: str, vendor: str | None) -> Target:
    """The target at ``base_url``: the emulator if it answers ``/_admin/health``, else ``vendor``'s
    own service."""
    known(vendor)
    base_url = base_url.rstrip("/")
    if not _is_emulator(base_url):
        if vendor is None:
            raise TargetError(f"{base_url} is not the emulator (no /_admin/health): name the "
                              f"vendor whose service it is with --vendor")
        return Target(base_url, None, vendor, at_root=True)
    admin = AdminClient(base_url)
    single = admin.get_settings().get("vendor")
    if single is not None and vendor not in (None, single):
        raise TargetError(f"{base_url} serves only {single}, not {vendor}")
    return Target(base_url, admin, vendor or single, at_root=single is not None)


def known(vendor: str | None) -> None:
    """Refuse a ``--vendor`` the registry does not list."""
    if vendor is not None and vendor not in BY_SLUG:
        raise TargetError(f"unknown vendor {vendor!r}: one of {', '.join(BY_SLUG)}")


def _is_emulator(base_url: str) -> bool:
    try:
        r = requests.get(f"{base_url}/_admin/health", timeout=30)
    except requests.RequestException as error:
        raise TargetError(f"cannot reach {base_url}: {error}") from error
    try:
        body = r.json()
    except ValueError:
        return False
    return r.status_code == 200 and isinstance(body, dict) and body.get("status") == "ok"
