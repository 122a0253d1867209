"""Phonexia's error catalogue and its renderers: every error is ``{"type", "message", "detail"}``,
a 422's ``detail`` holding FastAPI-style items (location path, message, type, context)."""

from __future__ import annotations

from ...core.errors import VendorError
from ...core.ratelimit import retry_headers

# HTTP status -> (type, message). 400's message is DOCUMENTED; the others are the sheet's
# proposed texts or the documented response descriptions.
ERRORS = {
    400: ("request.invalid", "Invalid request."),
    403: ("request.forbidden", "Request is forbidden."),
    404: ("resource.not-found", "Resource not found."),
    405: ("method.invalid", "Invalid HTTP method."),
    413: ("request.size-limit-exceeded",
          "The request entity (payload) size exceeds the allowed limit."),
    414: ("request.uri-too-long", "The request URI is too long."),
    431: ("request.header-fields-too-large", "The request header fields are too large."),
    422: ("request.validation-error", "Request validation error."),
    429: ("request.rate-limit-exceeded", "Rate limit exceeded."),
    507: ("storage.capacity-exceeded", "The storage is full and cannot accept any data."),
    500: ("internal", "Internal error."),
}

TASK_NOT_FOUND = "Task not found."
UNREADABLE_MEDIA = "Unsupported or corrupted media file."

# A task's ``error`` by its final state: (type, default message); the messages are PROPOSED.
TASK_ERRORS = {
    "failed": ("internal", "Internal error."),
    "rejected": ("task.validation-error", UNREADABLE_MEDIA),
}


def error(status: int, message: str | None = None, detail: list | None = None) -> VendorError:
    code, default = ERRORS.get(status, ERRORS[500])
    return VendorError(status, code, message or default, detail or [])


def problem(location: list, message: str, kind: str = "value_error") -> dict:
    """One item of a 422's ``detail``."""
    return {"location": location, "message": message, "type": kind, "context": {}}


def validation_error(location: list, message: str, kind: str = "value_error") -> VendorError:
    return error(422, detail=[problem(location, message, kind)])


def task_error(state: str, message: str | None = None) -> dict:
    """The ``error`` object of a task that ended ``failed`` or ``rejected``."""
    kind, default = TASK_ERRORS[state]
    return {"type": kind, "message": message or default, "detail": []}


def render_error(err: VendorError, ctx):
    return err.status, {"type": err.code, "message": err.message, "detail": err.detail or []}, {}


def status_error(status: int, ctx) -> VendorError:
    return error(status)


def invalid_request(violations, ctx) -> VendorError:
    """422 "Request validation error." with FastAPI-style ``detail`` (location path, message)."""
    return error(422, detail=[problem([v.location, *(v.field.split(".") if v.field else [])],
                                      v.message) for v in violations])


def rate_limited(decision, ctx) -> VendorError:
    """429 with the window's headers, named in lower case as Phonexia's server sends them."""
    err = error(429)
    err.headers = {name.lower(): value
                   for name, value in retry_headers(decision, window=True).items()}
    return err
