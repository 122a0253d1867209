"""GLAIR Vision face deepfake: the domain logic, plain Python.

What is decided here, in the order a request meets it:
1. ``authenticate``: the gateway's two credentials, API key first, then HTTP Basic.
2. ``read_frames`` / ``check_video``: the input, judged from its bytes.
3. ``success_body``: the detection result, ``confidence`` being the probability of "fake".
Errors are ``VendorError`` data (see ``errors.py``); nothing here knows about HTTP frameworks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import struct

from ...core import base64text, jsonbody
from ...core.errors import VendorError
from ...core.media import MediaInfo, MediaLimits, probe, probe_image
from . import errors
from .config import GlairConfig

VENDOR = "glair"
FAKE_THRESHOLD = 0.5
FRAME_FORMATS = ("jpeg", "png")

# ISO base media brands that denote an MP4 file (QuickTime's "qt  " is deliberately absent).
MP4_BRANDS = frozenset(
    {
        "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9",
        "mp41", "mp42", "mp71", "avc1", "av01", "hvc1", "hev1", "dash", "cmfc",
        "M4V ", "M4VH", "M4VP", "mmp4", "msnv", "MSNV", "ndas", "NDAS", "f4v ",
    }
)  # fmt: skip


# --------------------------------------------------------------------------- auth


def authenticate(api_key: str | None, authorization: str | None, config: GlairConfig) -> str:
    """Check ``x-api-key`` then ``Authorization: Basic``; return the user name or raise.

    The order (key first) follows GLAIR's live behaviour seen by its Java SDK tests: a wrong key
    together with a wrong user gives the key's error. The Basic parsing mirrors Tyk's.
    """
    key = strip_bearer(api_key or "")
    if not key:
        raise errors.gateway(401, errors.AUTH_FIELD_MISSING)
    if not any(hmac.compare_digest(key.encode(), k.encode()) for k in config.api_keys):
        raise errors.gateway(403, errors.ACCESS_DISALLOWED)
    username, password = parse_basic(authorization)
    expected = config.passwords.get(username.decode("utf-8", "surrogateescape"))
    if expected is None or not hmac.compare_digest(password, expected.encode()):
        raise errors.gateway(401, errors.USER_NOT_AUTHORISED, challenge=True)
    return username.decode("utf-8", "replace")


def parse_basic(authorization: str | None) -> tuple[bytes, bytes]:
    """Split a Basic ``Authorization`` header into (user, password) bytes, as Tyk does.

    Tyk does not look at the scheme word: any two space-separated parts pass the first test.
    """
    if not authorization:
        raise errors.gateway(401, errors.AUTH_FIELD_MISSING, challenge=True)
    bits = authorization.split(" ")
    if len(bits) != 2:
        raise errors.gateway(400, errors.MALFORMED_HEADER)
    try:
        decoded = base64text.decode(bits[1], allow_empty=True)  # like Go's StdEncoding
    except ValueError:
        raise errors.gateway(400, errors.MALFORMED_ENCODING) from None
    values = decoded.split(b":")
    if len(values) != 2:
        raise errors.gateway(400, errors.MALFORMED_VALUES)
    return values[0], values[1]


def basic_header(username: str, password: str) -> str:
    """The header value a client sends, ``printf "%s" "USERNAME:PASSWORD" | base64``."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def strip_bearer(key: str) -> str:
    if len(key) > 6 and key[:7].upper() == "BEARER ":
        return key[7:]
    return key


def response_request_id(caller_value: str | None, generated: str, config: GlairConfig) -> str:
    """The ``Request-Id`` to send: a fresh id, or the caller's ``x-request-id`` when echoing."""
    if config.echo_request_id and caller_value and caller_value.strip():
        return caller_value.strip()
    return generated


# --------------------------------------------------------------------------- frames


def read_frames(raw: bytes, config: GlairConfig, limits: MediaLimits) -> list[bytes]:
    """Validate a frames body and return the decoded frames (each a checked JPEG or PNG).

    Order: size of the body, JSON, shape, base64 of every frame, total decoded size, images.
    """
    if len(raw) > config.max_body_bytes:
        raise errors.too_large(errors.FRAMES_TOO_LARGE_REASON, config.oversize_status)
    items = parse_frames_json(raw, config.error_status)
    frames = [decode_frame(item) for item in items]
    if sum(len(f) for f in frames) > config.max_input_bytes:
        raise errors.too_large(errors.FRAMES_TOO_LARGE_REASON, config.oversize_status)
    for frame in frames:
        check_frame(frame, limits)
    return frames


def parse_frames_json(raw: bytes, error_status: str = errors.ERROR) -> list:
    """The ``frames`` list of a raw body, whatever Content-Type the client claimed."""
    if not raw.strip():
        raise errors.no_file(error_status)
    try:
        document = jsonbody.loads(raw)
    except ValueError:
        raise errors.invalid_json(error_status) from None
    if not isinstance(document, dict):
        raise errors.no_file(error_status)
    frames = document.get("frames")
    if not isinstance(frames, list) or not frames:
        raise errors.no_file(error_status)
    return frames


def decode_frame(item: object) -> bytes:
    """Standard base64 (ASCII whitespace ignored, padding required); a data-URI prefix is not."""
    try:
        return base64text.decode(item, ignore_whitespace=True)
    except ValueError:
        raise errors.invalid_frame() from None


def check_frame(data: bytes, limits: MediaLimits) -> MediaInfo:
    """One frame: anything but a JPEG or PNG whose pixels decode is FILE_INVALID_FORMAT."""
    info = probe_image(data, limits)
    if info.kind != "image" or info.container not in FRAME_FORMATS or not info.decoded \
            or not (info.width and info.height):
        raise errors.invalid_frame()
    return info


def frames_digest(frames: list[bytes]) -> str:
    """A sha256 over the frames, length-prefixed so that splitting them differently differs."""
    digest = hashlib.sha256(b"glair-frames\0")
    for frame in frames:
        digest.update(struct.pack(">Q", len(frame)))
        digest.update(frame)
    return digest.hexdigest()


# --------------------------------------------------------------------------- video


def is_mp4(info: MediaInfo) -> bool:
    """An ISO-BMFF file whose ftyp box names an MP4 brand, read by FFmpeg's mp4 demuxer."""
    return (any(brand in MP4_BRANDS for brand in info.brands)
            and "mp4" in (info.container or "").split(","))


def check_video(path: str, limits: MediaLimits) -> MediaInfo:
    """Judge an upload from its bytes: an MP4 holding a video stream whose first frames decode."""
    try:
        info = probe(path, limits)
    except Exception:  # the probe answers for any bytes; should it fail, the file is unreadable
        raise errors.invalid_video() from None
    if not is_mp4(info) or info.kind != "video" or not info.decoded:
        raise errors.invalid_video()
    return info


# --------------------------------------------------------------------------- results


def deepfake_value(confidence: float) -> str:
    """``fake`` exactly when the fake-probability reaches the threshold (0.5, [PROPOSED])."""
    return "fake" if confidence >= FAKE_THRESHOLD else "real"


def _check_fraction(confidence: float) -> None:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) \
            or not math.isfinite(confidence):
        raise ValueError("confidence must be a finite number")
    if not 0.0 <= confidence <= 1.0:
        raise ValueError("confidence must be a fraction in [0, 1]")


def success_body(confidence: float) -> dict:
    """The documented 200 body; keys sorted as in the vendor's examples."""
    _check_fraction(confidence)
    return {
        "read": {"deepfake": {"confidence": float(confidence), "value": deepfake_value(confidence)}},
        "reason": errors.SUCCESS_REASON,
        "status": errors.SUCCESS,
    }


def demo_success_body(confidence: float) -> dict:
    """The 200 body of the older "demo" contract (an earlier copy of the same docs page):
    ``{"status": "success", "result": {"deepfake_status": "FAKE", "confidence_score": 0.99768}}``."""
    _check_fraction(confidence)
    status = "FAKE" if deepfake_value(confidence) == "fake" else "REAL"
    return {"status": "success",
            "result": {"deepfake_status": status, "confidence_score": float(confidence)}}


def plausible_confidence(fake: bool, u: float) -> float:
    """Map a uniform draw ``u`` in [0, 1) into the vendor's bands: fakes in [0.8, 1], reals in
    [0, 0.2) (its examples are 0.99768 for fake and about 0.06 for real)."""
    if not 0.0 <= u < 1.0:
        raise ValueError("u must be in [0, 1)")
    return 0.8 + 0.2 * u if fake else 0.2 * u


def confidence_of(verdict) -> float:
    """The ``confidence`` (probability of fake) to report for a core Verdict.

    A score a rule pinned is sent as is (clamped to [0, 1]); a probability a rule set or derived
    from its label is sent as is; the default verdict, uniform in [0, 1), is spread into the
    plausible bands on the same side of 0.5, so the fake/real split stays the core's.
    """
    if verdict.score is not None:
        return min(1.0, max(0.0, float(verdict.score)))
    p = float(verdict.probability)
    if verdict.rule is not None:
        return p
    fake = p >= FAKE_THRESHOLD
    u = (p - FAKE_THRESHOLD) / (1 - FAKE_THRESHOLD) if fake else p / FAKE_THRESHOLD
    return plausible_confidence(fake, min(u, math.nextafter(1.0, 0.0)))


OUTCOMES = (errors.FAILED, errors.FILE_INVALID_FORMAT, errors.NO_FILE, errors.ERROR)


def outcome_error(outcome: str, *, frames: bool) -> VendorError:
    """The error a verdict rule's ``outcome`` asks for (case-insensitive; any other is FAILED)."""
    outcome = outcome.upper()
    if outcome == errors.FILE_INVALID_FORMAT:
        return errors.invalid_frame() if frames else errors.invalid_video()
    if outcome in (errors.NO_FILE, errors.ERROR):
        return errors.no_file(outcome)
    return errors.failed()


def detect(rt, digest: str, operation: str, *, frames: bool, demo: bool = False) -> dict:
    """Decide the verdict for accepted media and return the 200 body (or raise a rule's error)."""
    verdict = rt.verdicts.decide(VENDOR, digest, operation)
    if verdict.outcome is not None:
        raise outcome_error(verdict.outcome, frames=frames)
    confidence = confidence_of(verdict)
    return demo_success_body(confidence) if demo else success_body(confidence)
