"""Vendor invariants checked on every response the property-based run gets, beyond schemathesis's
defaults. Listed explicitly: nothing is registered by import. ``CHECKS`` has one entry per vendor
of the registry, in its order (the report's); tests/test_vendor_contract.py keeps the two equal."""

from __future__ import annotations

from .checks_base import fail, header
from .checks_finauth import (finauth_error_codes, finauth_error_envelope,
                             finauth_plain_text_errors, finauth_result_rule)
from .checks_glair import glair_error_envelope, glair_error_strings, glair_request_id
from .checks_hiya import hiya_error_envelope, hiya_error_messages, hiya_page_headers
from .checks_phonexia import (phonexia_error_envelope, phonexia_error_type,
                              phonexia_location_reaches_terminal_state)
from .checks_resemble import (resemble_envelope, resemble_error_messages, resemble_retry_after,
                              resemble_visualisation_urls, resemble_watermark_error)


def rate_limit_headers(ctx, response, case):
    """A 429 carries every header the spec documents for the operation's 429."""
    if response.status_code != 429:
        return None
    documented = case.operation.responses.find_by_status_code(429)
    names = (documented.definition or {}).get("headers", {}) if documented else {}
    missing = [name for name in names if header(response, name) is None]
    if missing:
        fail(case, "Rate-limit headers missing", f"429 without {', '.join(missing)}")
    return None


CHECKS = {
    "phonexia": [phonexia_error_envelope, phonexia_error_type,
                 phonexia_location_reaches_terminal_state, rate_limit_headers],
    "glair": [glair_error_envelope, glair_error_strings, glair_request_id, rate_limit_headers],
    "hiya": [hiya_error_envelope, hiya_error_messages, hiya_page_headers, rate_limit_headers],
    "resemble": [resemble_envelope, resemble_error_messages, resemble_retry_after,
                 resemble_watermark_error, resemble_visualisation_urls, rate_limit_headers],
    "finauth": [finauth_error_envelope, finauth_plain_text_errors, finauth_error_codes,
                finauth_result_rule],
}
