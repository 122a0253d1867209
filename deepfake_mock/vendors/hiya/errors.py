"""Hiya's error catalogue and its renderers: every error is ``{"message": ...}``, an invalid
request adding ``errors`` (field -> messages)."""

from __future__ import annotations

from typing import Mapping

from werkzeug.http import HTTP_STATUS_CODES

from ...core.conformance import by_field
from ...core.errors import VendorError
from ...core.ratelimit import retry_headers

# Status -> (code, message). 404 / 409 / 429 are DOCUMENTED; the others are the emulator's.
ERRORS = {
    400: ("invalid_request", "Invalid request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Resource not found"),
    405: ("method_not_allowed", "Method not allowed"),
    408: ("timeout", "Request timeout"),
    409: ("collision", "Resource collision"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    429: ("not_enough_credits", "Not enough credits"),
    500: ("internal", "Internal server error"),
    503: ("overloaded", "Service temporarily overloaded"),
}

# The documented messages of a 400 besides "Invalid request".
AUDIO_NOT_AVAILABLE = "Audio file not available"
REQUIREMENTS_NOT_MET = "Model requirements not met"
VOICEPRINT_NOT_COMPUTED = "Voiceprint not computed"
VOICEPRINT_NOT_COMPUTABLE = "Voiceprint not computable"
AUDIO_OF_ANOTHER_IDENTITY = "Audio belongs to another identity"
TOO_MANY_REQUESTS = "Too many requests"


def error(status: int, message: str | None = None, detail: dict | None = None) -> VendorError:
    code, default = ERRORS.get(status, (None, None))
    if code is None:
        code = HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")
        default = HTTP_STATUS_CODES.get(status, "Error").capitalize()
    return VendorError(status, code, message or default, detail)


def invalid(errors: Mapping[str, list[str]]) -> VendorError:
    """400 "Invalid request" naming the offending fields."""
    return error(400, detail=dict(errors))


def unauthorized() -> VendorError:
    err = error(401)
    err.headers = {"WWW-Authenticate": "Bearer"}
    return err


def render_error(err: VendorError, ctx):
    body = {"message": err.message}
    if err.detail:
        body["errors"] = err.detail
    return err.status, body, {}


def status_error(status: int, ctx) -> VendorError:
    return error(status)


def invalid_request(violations, ctx) -> VendorError:
    return invalid(by_field(violations))


def rate_limited(decision, ctx) -> VendorError:
    err = error(429, TOO_MANY_REQUESTS)
    err.headers = retry_headers(decision)
    return err
