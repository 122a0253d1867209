"""Resemble's errors: ``{"success": false, "message": ...}``, with ``errors`` naming each bad
field, ``item: null`` on some 404s, ``cost`` on a batch's 402 and ``error`` on the watermark
endpoints. Messages are the vendor's where documented, the fact sheet's proposals otherwise."""

from __future__ import annotations

from ...core.conformance import by_field
from ...core.errors import VendorError
from ...core.ratelimit import retry_headers
from .schemas import InvalidParams

MESSAGES = {
    400: "Bad request",
    401: "Invalid or missing API token",
    402: "insufficient_balance",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request entity too large",
    414: "URI too long",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Rate limit exceeded",
    431: "Request header fields too large",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
NOT_FOUND = "Not found"
DETECT_NOT_FOUND = "Detect not found"
QUESTION_NOT_FOUND = "Question not found"
BATCH_NOT_FOUND = "Batch not found"
NOT_COMPLETED = "Detection must be completed before asking questions"
ONE_SOURCE = "Exactly one of file, url, or media_token must be provided"
ONE_INTELLIGENCE_SOURCE = "Exactly one of url or media_token must be provided"
BAD_TOKEN = "media_token is invalid or expired"
BAD_BODY = "Request body must be a JSON object"
BAD_CONTENT_TYPE = "Content-Type must be application/json or multipart/form-data"
REGION_PAST_END = "start_region is beyond the end of the media"
DETECT_FAILED = "Detection failed"
QUESTION_FAILED = "Unable to generate answer. Please try again."
BATCH_WAIT = "Prefer: wait is not supported for batch requests"
NO_FILES = "No files provided"
BAD_ZIP = "File must be a valid zip archive"
FILE_REQUIRED = "file is required"


def error(status: int, message: str | None = None, **extra) -> VendorError:
    """The vendor's error; ``extra`` (errors, item, cost, error) travels in ``detail``."""
    return VendorError(status, str(status), message or MESSAGES.get(status, "Error"),
                       extra or None)


def bad_request(message: str, **extra) -> VendorError:
    return error(400, message, **extra)


def invalid_params(problems: InvalidParams, **extra) -> VendorError:
    """400 naming the first offending field, every problem under ``errors``."""
    return bad_request(problems.message, errors=problems.errors, **extra)


def render_error(err: VendorError, ctx):
    extra = err.detail if isinstance(err.detail, dict) else {}
    body = {"success": False}
    if "item" in extra:
        body["item"] = None
    body["message"] = err.message
    if "error" in extra:  # the watermark endpoints' envelope
        body["error"] = extra["error"]
    if extra.get("errors"):
        body["errors"] = extra["errors"]
    if extra.get("cost"):
        body["cost"] = extra["cost"]
    return err.status, body, {}


def status_error(status: int, ctx) -> VendorError:
    return error(status)


def invalid_request(violations, ctx) -> VendorError:
    """A request that breaks the spec (strict mode): the 400 of invalid parameters."""
    return invalid_params(InvalidParams(by_field(violations)))


def rate_limited(decision, ctx) -> VendorError:
    err = error(429)
    err.headers = retry_headers(decision)
    return err
