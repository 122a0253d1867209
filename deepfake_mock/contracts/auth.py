"""Each vendor's credentials, applied to every request the suite sends (generated or hand-written).

Against the emulator the defaults of its settings are used; against a real vendor they come from
the environment variables named here. ``AUTH[slug](target)`` returns a function that completes a
``requests``-style keyword dict (``headers``, ``data``...) for one request.

``AUTH`` names each vendor's function explicitly (nothing is looked up by name), one entry per
vendor of the registry, in its order; tests/test_vendor_contract.py keeps the two equal.
"""

from __future__ import annotations

from typing import Callable

from deepfake_mock.testing.target import Target

from .auth_finauth import finauth_auth
from .auth_glair import glair_auth
from .auth_hiya import hiya_auth
from .auth_resemble import resemble_auth

Apply = Callable[[dict], dict]


def no_auth(target: Target) -> Apply:
    return lambda request: request


AUTH: dict[str, Callable[[Target], Apply]] = {
    "phonexia": no_auth,  # the virtual appliance documents no authentication
    "glair": glair_auth,  # x-api-key + Basic; GLAIR_* env for the real service
    "hiya": hiya_auth,  # Bearer API key (emulator); HIYA_* env for the real service
    "resemble": resemble_auth,  # Bearer token (emulator default); RESEMBLE_API_TOKEN for the real one
    "finauth": finauth_auth,  # hmac_sha1 sign in the form body; FINAUTH_API_KEY/SECRET for the real one
}


def for_vendor(slug: str, target: Target) -> Apply:
    return AUTH[slug](target)
