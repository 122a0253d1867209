"""What the contract suite runs against: the in-process emulator (default), a running emulator
(``--base-url URL``), or one vendor's real service (``--base-url URL --vendor SLUG``)."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.admin.client import AdminClient


@dataclass
class Target:
    base_url: str
    admin: AdminClient | None        # None: a real vendor, no admin API
    vendor: str | None = None        # set: base_url is that vendor's own root

    @property
    def is_emulator(self) -> bool:
        return self.admin is not None

    def url(self, slug: str) -> str:
        if self.vendor is not None:
            return self.base_url
        return f"{self.base_url}/{slug}"

    def selects(self, slug: str) -> bool:
        return self.vendor in (None, slug)
