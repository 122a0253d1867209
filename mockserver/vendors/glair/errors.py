"""GLAIR Vision errors as data, and the one place that turns them into bodies.

Two envelopes exist behind api.vision.glair.ai:
- the service's own: ``{"reason": "...", "status": "<ENUM>"}`` (no ``read`` key), [DOC] for 400;
- the API gateway's: ``{"error": "..."}``, [SDK-live] for the wrong-key 403; the other gateway
  messages are a Tyk gateway's stock strings.
An error whose ``code`` is ``GATEWAY`` renders as the second, any other code is the ``status`` enum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GATEWAY = "gateway"

# Status enum of the application envelope ([DOC] plus the page's own "ERROR").
SUCCESS = "SUCCESS"
NO_FILE = "NO_FILE"
FILE_INVALID_FORMAT = "FILE_INVALID_FORMAT"
FAILED = "FAILED"
ERROR = "ERROR"
STATUS_ENUM = (SUCCESS, NO_FILE, FILE_INVALID_FORMAT, FAILED, ERROR)
ERROR_STATUSES = (ERROR, NO_FILE)  # choices of the glair_error_status setting

# Reasons.
SUCCESS_REASON = "File Successfully Read"  # [DOC]
NO_FILE_REASON = "No file in request body"  # [DOC]
INVALID_JSON_REASON = "Invalid JSON body"  # [PROPOSED]
VIDEO_FORMAT_REASON = "Invalid file format, only .mp4 is supported"  # [PROPOSED]
FRAME_FORMAT_REASON = "Invalid file format"  # [PROPOSED]
VIDEO_TOO_LARGE_REASON = "File size exceeds the maximum of 6MB"  # [PROPOSED]
FRAMES_TOO_LARGE_REASON = "Total frames size exceeds the maximum of 6MB"  # [PROPOSED]
FAILED_REASON = "Failed to process the input"  # [PROPOSED]

# Gateway messages (Tyk stock strings; ACCESS_DISALLOWED is live-observed for GLAIR).
AUTH_FIELD_MISSING = "Authorization field missing"
ACCESS_DISALLOWED = "Access to this API has been disallowed"
USER_NOT_AUTHORISED = "User not authorised"
MALFORMED_HEADER = "Attempted access with malformed header, header not in basic auth format"
MALFORMED_ENCODING = "Attempted access with malformed header, auth data not encoded correctly"
MALFORMED_VALUES = "Attempted access with malformed header, values not in basic auth format"
RATE_LIMITED = "Rate limit exceeded"
NOT_FOUND = "Not found"
METHOD_NOT_ALLOWED = "Method not allowed"

REALM = "GLAIR Vision"


@dataclass
class GlairError(Exception):
    """An error answer: HTTP status, envelope code (enum value or GATEWAY), message, headers."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.status, self.code, self.message)


def envelope(code: str, message: str) -> dict:
    """The JSON body for an error. Keys are sorted, as in the vendor's examples."""
    if code == GATEWAY:
        return {"error": message}
    return {"reason": message, "status": code}


def gateway(status: int, message: str, *, challenge: bool = False) -> GlairError:
    headers = {"WWW-Authenticate": f'Basic realm="{REALM}"'} if challenge else {}
    return GlairError(status, GATEWAY, message, headers)


def no_file(error_status: str = ERROR) -> GlairError:
    return GlairError(400, _checked(error_status), NO_FILE_REASON)


def invalid_json(error_status: str = ERROR) -> GlairError:
    return GlairError(400, _checked(error_status), INVALID_JSON_REASON)


def invalid_video() -> GlairError:
    return GlairError(415, FILE_INVALID_FORMAT, VIDEO_FORMAT_REASON)


def invalid_frame() -> GlairError:
    return GlairError(415, FILE_INVALID_FORMAT, FRAME_FORMAT_REASON)


def too_large(reason: str, oversize_status: int = 413) -> GlairError:
    if oversize_status not in (400, 413):
        raise ValueError(f"oversize status must be 400 or 413, not {oversize_status}")
    return GlairError(oversize_status, FAILED, reason)


def failed(status: int = 500, reason: str = FAILED_REASON) -> GlairError:
    return GlairError(status, FAILED, reason)


def _checked(error_status: str) -> str:
    if error_status not in ERROR_STATUSES:
        raise ValueError(f"error status must be one of {ERROR_STATUSES}, not {error_status!r}")
    return error_status
