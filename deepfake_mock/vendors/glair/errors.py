"""GLAIR Vision errors as data (VendorError), and the one place that turns them into bodies.

Two envelopes exist behind api.vision.glair.ai:
- the service's own: ``{"reason": "...", "status": "<ENUM>"}`` (no ``read`` key), [DOC] for 400;
- the API gateway's: ``{"error": "..."}``, [SDK-live] for the wrong-key 403; the other gateway
  messages are a Tyk gateway's stock strings.
An error whose ``code`` is ``GATEWAY`` renders as the second, any other code is the ``status`` enum.
"""

from __future__ import annotations

from http import HTTPStatus

from ...core.errors import VendorError

GATEWAY = "gateway"

# Status enum of the application envelope ([DOC] plus the page's own "ERROR").
SUCCESS = "SUCCESS"
NO_FILE = "NO_FILE"
FILE_INVALID_FORMAT = "FILE_INVALID_FORMAT"
FAILED = "FAILED"
ERROR = "ERROR"
ERROR_STATUSES = (ERROR, NO_FILE)  # choices of the error_status setting

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

# The gateway's answer to a bare status (faults, routing errors) below 500.
GATEWAY_MESSAGES = {401: AUTH_FIELD_MISSING, 403: ACCESS_DISALLOWED, 404: NOT_FOUND,
                    405: METHOD_NOT_ALLOWED, 429: RATE_LIMITED}

REALM = "GLAIR Vision"
FRAMES_OPERATION = "detect_deepfake_frames"  # its 413 and 415 have their own wording


# A 5xx the gateway answers itself: not JSON (the Go SDK's mock for 502 has this shape).
HTML = "html"
HTML_PAGE = "<html><body><p>{status} - {phrase}</p></body></html>"


def envelope(code: str, message: str) -> dict | str:
    """The body for an error. Keys are sorted, as in the vendor's examples."""
    if code == GATEWAY:
        return {"error": message}
    if code == HTML:
        return message
    return {"reason": message, "status": code}


def gateway(status: int, message: str, *, challenge: bool = False) -> VendorError:
    headers = {"WWW-Authenticate": f'Basic realm="{REALM}"'} if challenge else {}
    return VendorError(status, GATEWAY, message, headers=headers)


def gateway_page(status: int) -> VendorError:
    """An upstream failure seen at the gateway (502, 503, 504...): an HTML page."""
    return VendorError(status, HTML, HTML_PAGE.format(status=status, phrase=_phrase(status)))


def no_file(error_status: str = ERROR) -> VendorError:
    return VendorError(400, _checked(error_status), NO_FILE_REASON)


def invalid_json(error_status: str = ERROR) -> VendorError:
    return VendorError(400, _checked(error_status), INVALID_JSON_REASON)


def invalid_video() -> VendorError:
    return VendorError(415, FILE_INVALID_FORMAT, VIDEO_FORMAT_REASON)


def invalid_frame() -> VendorError:
    return VendorError(415, FILE_INVALID_FORMAT, FRAME_FORMAT_REASON)


def too_large(reason: str, oversize_status: int = 413) -> VendorError:
    if oversize_status not in (400, 413):
        raise ValueError(f"oversize status must be 400 or 413, not {oversize_status}")
    return VendorError(oversize_status, FAILED, reason)


def failed(status: int = 500, reason: str = FAILED_REASON) -> VendorError:
    return VendorError(status, FAILED, reason)


def _checked(error_status: str) -> str:
    if error_status not in ERROR_STATUSES:
        raise ValueError(f"error status must be one of {ERROR_STATUSES}, not {error_status!r}")
    return error_status


def render_error(err: VendorError, ctx):
    headers = {"Content-Type": "text/html"} if err.code == HTML else {}
    return err.status, envelope(err.code, err.message), headers


def status_error(status: int, ctx) -> VendorError:
    """GLAIR's answer for a bare HTTP status (faults, routing errors, oversized bodies, crashes)."""
    frames = ctx.operation == FRAMES_OPERATION
    if status == 400:
        return no_file(ctx.config.error_status)
    if status == 413:
        return too_large(FRAMES_TOO_LARGE_REASON if frames else VIDEO_TOO_LARGE_REASON,
                         ctx.config.oversize_status)
    if status == 415:
        return invalid_frame() if frames else invalid_video()
    if status == 500:
        return failed()
    if status > 500:
        return gateway_page(status)
    return gateway(status, GATEWAY_MESSAGES.get(status) or _phrase(status))


def invalid_request(violations, ctx) -> VendorError:
    """No media at all is the seed's "No file in request body"; anything else the proposed
    "Invalid JSON body" (both 400 with the ``error_status`` setting's status)."""
    if any(v.rule == "required" and v.field in ("video", "frames", None) for v in violations):
        return no_file(ctx.config.error_status)
    return invalid_json(ctx.config.error_status)


def rate_limited(decision, ctx) -> VendorError:
    return gateway(429, RATE_LIMITED)


def _phrase(status: int) -> str:
    return HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
