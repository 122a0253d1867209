"""The server a test talks to: the emulator (every vendor under ``/<slug>``, or one vendor at the
root) or one vendor's real service. The ``mockserver`` fixture, ``deepfake_mock.running()`` and
the contract suite all hand out this one object.

    base = target.url("phonexia")          # where the vendor's real paths start
    if target.is_emulator:
        target.admin.add_verdict_rule("phonexia", label="fake", times=1)
"""

from __future__ import annotations

from dataclasses import dataclass

from deepfake_mock.admin.client import AdminClient


@dataclass(frozen=True)
class Target:
    base_url: str
    admin: AdminClient | None = None  # None: a vendor's real service, no admin API
    vendor: str | None = None         # set: the one vendor served, or the one under test
    at_root: bool = False             # that vendor's real paths are at base_url (not /<slug>)

    @classmethod
    def emulator(cls, admin: AdminClient) -> Target:
        """The emulator behind ``admin``, asked whether it serves one vendor at the root."""
        single = admin.get_settings().get("vendor")
        return cls(admin.base_url, admin, single, at_root=single is not None)

    @property
    def is_emulator(self) -> bool:
        return self.admin is not None

    def url(self, slug: str) -> str:
        """Base URL of ``slug``'s real paths (``/<slug>`` but for the vendor at the root)."""
        return self.base_url if self.at_root and slug == self.vendor else f"{self.base_url}/{slug}"

    @property
    def journal(self) -> list[dict]:
        """The emulator's request journal (``admin.list_requests()``)."""
        return self.admin.list_requests()

    def selects(self, slug: str) -> bool:
        return self.vendor in (None, slug)

    @property
    def slugs(self) -> list[str]:
        """The vendors under test, in the registry's order."""
        from deepfake_mock.registry import BY_SLUG  # every vendor: not on `import deepfake_mock`

        return [slug for slug in BY_SLUG if self.selects(slug)]
