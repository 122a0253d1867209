"""The contract suite's target (a ``testing.target.Target``): the in-process emulator (default),
or the server at ``--base-url URL``. That server is asked ``GET /_admin/health``: the emulator
answers it (combined, or serving one vendor at the root), anything else is taken for one
vendor's real service, named by ``--vendor``, whose root is the URL (no admin API: ``mock_only``
tests are skipped) and whose credentials (``CREDENTIALS``) are checked once, before any test."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

import requests

from deepfake_mock.admin.client import AdminClient, AdminClientError
from deepfake_mock.registry import BY_SLUG
from deepfake_mock.testing.target import Target


class TargetError(Exception):
    """The options do not name a target the suite can run against."""


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
        found = Target.emulator(admin)
    except AdminClientError as error:
        raise (_token_error(admin, error) if _refused(error) else error) from None
    if found.at_root and vendor not in (None, found.vendor):
        raise TargetError(f"{base_url} serves only {found.vendor}, not {vendor}")
    return replace(found, vendor=vendor or found.vendor)


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
