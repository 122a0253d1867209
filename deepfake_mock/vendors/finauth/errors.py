"""The ``anti_deepfake`` error catalogue as data, and its renderers (the descriptor's hooks).

Every row of the vendor's error table is here, in the vendor's order, with the emulator's
trigger. Errors are raised as ``FinAuthError`` (a ``VendorError`` with status, code and suffix)
and rendered in one place (the vendor's error envelope), which joins ``code`` and ``suffix``
with the configured separator:
``MISSING_ARGUMENTS:sign`` by default, ``MISSING_ARGUMENTS: sign`` with ``": "``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from http import HTTPStatus

from ...core.errors import VendorError

# Error codes, verbatim.
MISSING_ARGUMENTS = "MISSING_ARGUMENTS"
BAD_ARGUMENTS = "BAD_ARGUMENTS"
NO_FACE_FOUND = "NO_FACE_FOUND"
INVALID_IMAGE_SIZE = "INVALID_IMAGE_SIZE"
INTERNAL_TIMEOUT = "INTERNAL_TIMEOUT"
AUTHENTICATION_ERROR = "AUTHENTICATION_ERROR"
CONCURRENCY_LIMIT_EXCEEDED = "CONCURRENCY_LIMIT_EXCEEDED"
API_NOT_FOUND = "API_NOT_FOUND"
REQUEST_ENTITY_TOO_LARGE = "Request Entity Too Large"
INTERNAL_ERROR = "INTERNAL_ERROR"
GATEWAY_TIMEOUT = "504 Gateway Timeout"

# Reasons after ``AUTHENTICATION_ERROR:`` (FaceID's upper-case set, those that apply here).
API_KEY_BE_DISCONTINUED = "API_KEY_BE_DISCONTINUED"
IP_NOT_ALLOWED = "IP_NOT_ALLOWED"
LIMIT_REACHED = "LIMIT_REACHED"
DENIED = "DENIED"
EXPIRED_SIGN = "EXPIRED_SIGN"
INVALID_SIGN = "INVALID_SIGN"
AUTH_REASONS = (API_KEY_BE_DISCONTINUED, IP_NOT_ALLOWED, LIMIT_REACHED, DENIED, EXPIRED_SIGN, INVALID_SIGN)

# The keys ``MISSING_ARGUMENTS:<key>`` can name.
ARGUMENT_KEYS = ("sign", "sign_version", "data_type", "image", "video")

SEPARATORS = (":", ": ")


@dataclass(frozen=True)
class CatalogueRow:
    """One row of the vendor's error table and how the emulator reaches it."""

    status: int
    code: str
    suffix: str  # "" | "<key>" | "<reason>" | "image": what may follow the separator
    body: str  # "json" (request_id, time_used, error) | "json-error-only" | "text"
    meaning: str
    trigger: str


CATALOGUE: tuple[CatalogueRow, ...] = (
    CatalogueRow(400, MISSING_ARGUMENTS, "<key>", "json", "A required parameter is missing",
                 "sign, sign_version or data_type absent or empty; image with data_type=0 or "
                 "video with data_type=1 absent"),
    CatalogueRow(400, BAD_ARGUMENTS, "", "json",
                 "Parameter parsing failed: non-numeric where a number is required, length over "
                 "the limit, or an image/video that cannot be decoded",
                 "sign_version not hmac_sha1; data_type not 0 or 1; a text field over the length "
                 "limit; image not a decodable JPEG/PNG; video not decodable or over the size rule"),
    CatalogueRow(400, NO_FACE_FOUND, "", "json", "No face detected in the input image or video",
                 "a verdict rule"),
    CatalogueRow(400, INVALID_IMAGE_SIZE, "image", "json", "Image size exceeds the limit",
                 "image file over 10 MB, or its long side over 4096 px (720P in strict mode)"),
    CatalogueRow(400, INTERNAL_TIMEOUT, "", "json", "Request timeout", "a fault rule or verdict rule"),
    CatalogueRow(403, AUTHENTICATION_ERROR, "", "json", "Invalid signature",
                 "unknown api_key or HMAC mismatch"),
    CatalogueRow(403, AUTHENTICATION_ERROR, "<reason>", "json",
                 "Key deactivated, call volume over the limit, no permission for this API or "
                 "method", "see AUTH_REASONS and the key settings"),
    CatalogueRow(403, CONCURRENCY_LIMIT_EXCEEDED, "", "json",
                 "The number of concurrent requests exceeds the limit",
                 "requests in flight for the key above the configured limit"),
    CatalogueRow(404, API_NOT_FOUND, "", "json-error-only", "The called API does not exist",
                 "any other path"),
    CatalogueRow(413, REQUEST_ENTITY_TOO_LARGE, "", "text", "The request is larger than the limit",
                 "Content-Length (or the streamed body) over the request size limit"),
    CatalogueRow(500, INTERNAL_ERROR, "", "json", "Internal error", "a fault rule or verdict rule"),
    CatalogueRow(504, GATEWAY_TIMEOUT, "", "text", "Request timeout", "a fault rule"),
)


class FinAuthError(VendorError):
    """A FinAuth error as data: HTTP status, code, and what follows the separator (``suffix``:
    the missing key, the authentication reason, ``image``), if anything."""

    def __init__(self, status: int, code: str, suffix: str | None = None):
        super().__init__(status, code, error_string(code, suffix))
        self.suffix = suffix

    def error(self, separator: str = ":") -> str:
        return error_string(self.code, self.suffix, separator)


def error_string(code: str, suffix: str | None = None, separator: str = ":") -> str:
    """``code`` alone, or ``code`` + separator + ``suffix``."""
    if separator not in SEPARATORS:
        raise ValueError(f"separator must be one of {SEPARATORS!r}")
    return code if not suffix else f"{code}{separator}{suffix}"


def missing_arguments(key: str) -> FinAuthError:
    return FinAuthError(400, MISSING_ARGUMENTS, key)


def bad_arguments(key: str | None = None) -> FinAuthError:
    """``BAD_ARGUMENTS``; ``key`` is carried and shown only when the setting asks for it."""
    return FinAuthError(400, BAD_ARGUMENTS, key)


def no_face_found() -> FinAuthError:
    return FinAuthError(400, NO_FACE_FOUND)


def invalid_image_size(key: str | None = "image") -> FinAuthError:
    return FinAuthError(400, INVALID_IMAGE_SIZE, key)


def internal_timeout() -> FinAuthError:
    return FinAuthError(400, INTERNAL_TIMEOUT)


def authentication_error(reason: str | None = None) -> FinAuthError:
    if reason is not None and not reason:
        raise ValueError("reason must be None or non-empty")
    return FinAuthError(403, AUTHENTICATION_ERROR, reason)


def concurrency_limit_exceeded() -> FinAuthError:
    return FinAuthError(403, CONCURRENCY_LIMIT_EXCEEDED)


def api_not_found() -> FinAuthError:
    return FinAuthError(404, API_NOT_FOUND)


def request_entity_too_large() -> FinAuthError:
    return FinAuthError(413, REQUEST_ENTITY_TOO_LARGE)


def internal_error() -> FinAuthError:
    return FinAuthError(500, INTERNAL_ERROR)


def gateway_timeout() -> FinAuthError:
    return FinAuthError(504, GATEWAY_TIMEOUT)


def envelope(
    exc: VendorError,
    *,
    request_id: str,
    time_used: int,
    separator: str = ":",
    bad_arguments_key: bool = False,
    error_fields: bool = True,
) -> tuple[int, str, dict | str]:
    """``(status, content_type, body)`` for an error, following the catalogue.

    404 carries only ``error``; 413 and 504 are plain text. ``bad_arguments_key`` appends the
    field name to ``BAD_ARGUMENTS`` (FaceID style); ``error_fields=False`` drops ``request_id``
    and ``time_used`` from JSON error bodies (FaceID's minimal failure sample).
    """
    if exc.code == REQUEST_ENTITY_TOO_LARGE or exc.code[:1].isdigit():  # gateway-style text
        return exc.status, "text/plain", exc.code
    suffix = getattr(exc, "suffix", None)
    if exc.code == BAD_ARGUMENTS and not bad_arguments_key:
        suffix = None
    error = error_string(exc.code, suffix, separator)
    if exc.status == 404 or not error_fields:
        return exc.status, "application/json", {"error": error}
    return exc.status, "application/json", {
        "request_id": request_id,
        "time_used": int(time_used),
        "error": error,
    }


_STATUS_ERRORS = {
    400: internal_timeout,
    403: concurrency_limit_exceeded,
    404: api_not_found,
    405: api_not_found,  # a wrong method is an API that does not exist
    413: request_entity_too_large,
    500: internal_error,
    504: gateway_timeout,
}


# ---- the descriptor's hooks ------------------------------------------------------------------

def request_id(ctx) -> str:
    """``<unix seconds>,<uuid4>`` (FaceID's format): the emulator clock, and the pipeline's
    request UUID."""
    return f"{int(ctx.runtime.clock.now())},{uuid.UUID(hex=ctx.request_id)}"


def render_error(err: VendorError, ctx):
    config = ctx.config
    status, _content_type, body = envelope(
        err, request_id=request_id(ctx), time_used=ctx.elapsed_ms(),
        separator=config.error_separator, bad_arguments_key=config.bad_arguments_key,
        error_fields=config.error_fields)
    return status, body, {}


def status_error(status: int, ctx) -> VendorError:
    """The catalogue's answer for a bare HTTP status (a fault rule, routing, a crash).

    Statuses the catalogue does not list answer as a gateway would: plain text
    ``<status> <reason>``.
    """
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status]()
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return FinAuthError(status, f"{status} {phrase}")


def invalid_request(violations, ctx) -> VendorError:
    """The catalogue's first applicable row: a missing field is ``MISSING_ARGUMENTS:<key>``,
    anything else ``BAD_ARGUMENTS`` (with the key when the setting shows keys)."""
    first = violations[0]
    if first.rule == "required" and first.field:
        return missing_arguments(first.field)
    return bad_arguments(first.field)


def rate_limited(decision, ctx) -> VendorError:
    """Over the call frequency: FinAuth's ``AUTHENTICATION_ERROR:<reason>`` covers it."""
    return authentication_error(LIMIT_REACHED)
