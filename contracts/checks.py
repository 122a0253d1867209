"""Vendor invariants checked on every response the property-based run gets, beyond schemathesis's
defaults. Listed explicitly: nothing is registered by import."""

from __future__ import annotations

from schemathesis.core.failures import Failure

from .checks_finauth import CHECKS as FINAUTH_CHECKS
from .checks_glair import CHECKS as GLAIR_CHECKS
from .checks_hiya import CHECKS as HIYA_CHECKS
from .checks_resemble import CHECKS as RESEMBLE_CHECKS


class EnvelopeMismatch(Failure):
    def __init__(self, slug: str, status: int, body):
        super().__init__(operation=slug, title="Error body is not the vendor's envelope",
                         message=f"{slug} answered {status} with {str(body)[:300]}")


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def phonexia_error_envelope(ctx, response, case):
    """Every non-2xx answer is ``{type, message, detail[]}``."""
    if response.status_code < 400:
        return None
    body = _json(response)
    if not (isinstance(body, dict) and isinstance(body.get("type"), str)
            and isinstance(body.get("message"), str) and isinstance(body.get("detail", []), list)):
        raise EnvelopeMismatch("phonexia", response.status_code, body)
    return None


def rate_limit_headers(ctx, response, case):
    """A 429 carries the vendor's documented rate-limit headers."""
    if response.status_code != 429:
        return None
    documented = case.operation.responses.find_by_status_code(429)
    headers = (documented.definition or {}).get("headers", {}) if documented else {}
    missing = [name for name in headers if name.lower() not in {h.lower() for h in response.headers}]
    if missing:
        raise Failure(operation=case.operation.label, title="Rate-limit headers missing",
                      message=f"429 without {', '.join(missing)}")
    return None


CHECKS = {
    "phonexia": [phonexia_error_envelope, rate_limit_headers],
    "glair": GLAIR_CHECKS,
    "hiya": HIYA_CHECKS,
    "finauth": FINAUTH_CHECKS,
    "resemble": RESEMBLE_CHECKS,
}
