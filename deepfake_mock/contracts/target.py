"""What the contract suite runs against: the in-process emulator (default), or the server at
``--base-url URL``. That server is asked ``GET /_admin/health``: the emulator answers it (combined,
or serving one vendor at the root), anything else is taken for one vendor's real service, named
by ``--vendor``, whose root is the URL (no admin API: ``mock_only`` tests are skipped) and whose
credentials (``CREDENTIALS``) are checked once, before any test."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from deepfake_mock.admin.client import AdminClient, AdminClientError
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


def detect(base_url: str, vendor: str | None, admin_token: str | None = None) -> Target:
    """The target at ``base_url``: the emulator if it answers ``/_admin/health``, else ``vendor``'s
    own service (whose credentials must be in the environment)."""
    known(vendor)
    base_url = base_url.rstrip("/")
    admin = AdminClient(base_url, token=admin_token)
    if not _is_emulator(admin):
        if vendor is None:
            raise TargetError(f"{base_url} is not the emulator (no /_admin/health): name the "
                              f"vendor whose service it is with --vendor")
        missing = missing_credentials(vendor)
        if missing:
            raise TargetError(missing)
        return Target(base_url, None, vendor, at_root=True)
    try:
        single = admin.get_settings().get("vendor")
    except AdminClientError as error:
        raise (_token_error(admin, error) if _refused(error) else error) from None
    if single is not None and vendor not in (None, single):
        raise TargetError(f"{base_url} serves only {single}, not {vendor}")
    return Target(base_url, admin, vendor or single, at_root=single is not None)


def known(vendor: str | None) -> None:
    """Refuse a ``--vendor`` the registry does not list."""
    if vendor is not None and vendor not in BY_SLUG:
        raise TargetError(f"unknown vendor {vendor!r}: one of {', '.join(BY_SLUG)}")


def _is_emulator(admin: AdminClient) -> bool:
    try:
        body = admin.health()
    except AdminClientError as error:
        if _refused(error):
            raise _token_error(admin, error) from None
        return False
    except ValueError:  # a JSON content type with a body that is not JSON
        return False
    except requests.RequestException as error:
        raise TargetError(f"cannot reach {admin.base_url}: {error}") from error
    return isinstance(body, dict) and body.get("status") == "ok"


def _refused(error: AdminClientError) -> bool:
    """The emulator's admin API refused us (its ``{"error": ...}`` 401 or 403)."""
    return error.status in (401, 403) and isinstance(error.body, dict) and "error" in error.body


def _token_error(admin: AdminClient, error: AdminClientError) -> TargetError:
    return TargetError(f"{admin.base_url}/_admin answered {error.status} {error.body['error']!r}: "
                       f"give its admin token (--admin-token or MOCKSERVER_ADMIN_TOKEN)")


# Each vendor's real-service credentials: alternatives, each a set of environment variables.
CREDENTIALS: dict[str, tuple[tuple[str, ...], ...]] = {
    "phonexia": ((),),  # the virtual appliance documents no authentication
    "glair": (("GLAIR_API_KEY", "GLAIR_USERNAME", "GLAIR_PASSWORD"),),
    "hiya": (("HIYA_API_KEY", "HIYA_OWNER"), ("HIYA_USERNAME", "HIYA_PASSWORD")),
    "finauth": (("FINAUTH_API_KEY", "FINAUTH_API_SECRET"),),
    "resemble": (("RESEMBLE_API_TOKEN",),),
}


def missing_credentials(vendor: str, env: Mapping[str, str] | None = None) -> str | None:
    """Why the real ``vendor`` service cannot be tested with ``env``'s variables, or None."""
    env = os.environ if env is None else env
    unset = [[name for name in names if not env.get(name)] for names in CREDENTIALS[vendor]]
    if any(not names for names in unset):
        return None
    needs = ", or ".join(" and ".join(names) for names in CREDENTIALS[vendor])
    not_set = sorted({name for names in unset for name in names})
    return f"the real {vendor} service needs {needs}; not set: {', '.join(not_set)}"
