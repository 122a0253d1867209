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
import io
import math
import struct
from dataclasses import dataclass, field
from typing import Mapping

from ...core import base64text, jsonbody
from ...core.errors import VendorError
from ...core.media import MediaInfo, probe
from . import errors

VENDOR = "glair"
MAX_INPUT_BYTES = 6 * 1024 * 1024  # "6MB", read as MiB ([UNKNOWN] which one the vendor means)
MAX_FRAME_PIXELS = 40_000_000
FAKE_THRESHOLD = 0.5
CONTRACTS = ("current", "demo")
FRAME_FORMATS = ("JPEG", "PNG")  # Pillow's JPEG opener also yields "MPO" for some camera JPEGs

# ISO base media brands that denote an MP4 file (QuickTime's "qt  " is deliberately absent).
MP4_BRANDS = frozenset(
    {
        "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9",
        "mp41", "mp42", "mp71", "avc1", "av01", "hvc1", "hev1", "dash", "cmfc",
        "M4V ", "M4VH", "M4VP", "mmp4", "msnv", "MSNV", "ndas", "NDAS", "f4v ",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Config:
    """The vendor's settings, with their documented defaults."""

    api_keys: frozenset[str] = frozenset({"test-key"})
    users: Mapping[str, str] = field(default_factory=lambda: {"user": "pass"})
    error_status: str = errors.ERROR  # "ERROR" as the deepfake page shows, or "NO_FILE"
    oversize_status: int = 413  # or 400
    echo_request_id: bool = False
    max_input_bytes: int = MAX_INPUT_BYTES
    contract: str = "current"  # or "demo": the older page's single endpoint and envelope

    def __post_init__(self) -> None:
        if self.contract not in CONTRACTS:
            raise ValueError(f"contract must be one of {CONTRACTS}")
        if self.error_status not in errors.ERROR_STATUSES:
            raise ValueError(f"error_status must be one of {errors.ERROR_STATUSES}")
        if self.oversize_status not in (400, 413):
            raise ValueError("oversize_status must be 400 or 413")
        if isinstance(self.max_input_bytes, bool) or not isinstance(self.max_input_bytes, int) \
                or self.max_input_bytes < 1:
            raise ValueError("max_input_bytes must be a positive integer")
        if not self.api_keys or not all(isinstance(k, str) and k for k in self.api_keys):
            raise ValueError("api_keys must be a non-empty list of non-empty strings")
        if not self.users or not all(isinstance(u, str) and isinstance(p, str)
                                     and ":" not in u + p for u, p in self.users.items()):
            # the gateway splits "user:password" on every ':', so neither may contain one
            raise ValueError("users must map user names to passwords, strings without ':'")

    @classmethod
    def from_settings(cls, settings: Mapping) -> "Config":
        """The vendor's settings mapping (see DEFAULTS in the package) as a checked Config."""
        keys = settings.get("api_keys", ["test-key"])
        return cls(
            api_keys=frozenset([keys] if isinstance(keys, str) else keys),
            users=parse_users(settings.get("users", ["user:pass"])),
            error_status=settings.get("error_status", errors.ERROR),
            oversize_status=settings.get("oversize_status", 413),
            echo_request_id=bool(settings.get("echo_request_id", False)),
            max_input_bytes=settings.get("max_input_bytes", MAX_INPUT_BYTES),
            contract=settings.get("contract", "current"),
        )

    @property
    def demo(self) -> bool:
        return self.contract == "demo"

    @property
    def max_body_bytes(self) -> int:
        """Largest request body read at all: room for base64 frames (4/3) and multipart framing."""
        return 2 * self.max_input_bytes


def parse_users(entries) -> dict[str, str]:
    """The ``users`` setting, a list of ``"user:password"`` strings (a list, so that a settings
    file or environment variable replaces the default user instead of merging with it)."""
    if isinstance(entries, str):
        entries = [entries]
    users = {}
    for entry in entries:
        if not isinstance(entry, str) or entry.count(":") != 1:
            raise ValueError("users must be a list of 'user:password' strings (one ':' each)")
        name, password = entry.split(":")
        users[name] = password
    return users


# --------------------------------------------------------------------------- auth


def authenticate(api_key: str | None, authorization: str | None, config: Config) -> str:
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
    expected = config.users.get(username.decode("utf-8", "surrogateescape"))
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


def response_request_id(caller_value: str | None, generated: str, config: Config) -> str:
    """The ``Request-Id`` to send: a fresh id, or the caller's ``x-request-id`` when echoing."""
    if config.echo_request_id and caller_value and caller_value.strip():
        return caller_value.strip()
    return generated


# --------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class FrameInfo:
    format: str
    width: int
    height: int


def read_frames(raw: bytes, config: Config) -> list[bytes]:
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
        probe_frame(frame)
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


def probe_frame(data: bytes) -> FrameInfo:
    """Decode one frame completely; anything but a sound JPEG or PNG is FILE_INVALID_FORMAT."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=FRAME_FORMATS) as image:
            width, height = image.size
            if width < 1 or height < 1 or width * height > MAX_FRAME_PIXELS:
                raise errors.invalid_frame()
            image.load()
            fmt = "JPEG" if image.format == "MPO" else image.format
    except VendorError:
        raise
    except Exception:  # Pillow raises many types for broken data; all mean "not an image"
        raise errors.invalid_frame() from None
    return FrameInfo(fmt, width, height)


def frames_digest(frames: list[bytes]) -> str:
    """A sha256 over the frames, length-prefixed so that splitting them differently differs."""
    digest = hashlib.sha256(b"glair-frames\0")
    for frame in frames:
        digest.update(struct.pack(">Q", len(frame)))
        digest.update(frame)
    return digest.hexdigest()


# --------------------------------------------------------------------------- video


def mp4_brands(head: bytes) -> tuple[str, ...] | None:
    """Major and compatible brands of a leading ``ftyp`` box, or None when there is none."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = struct.unpack(">I", head[:4])[0]
    if size < 16:  # includes 1 (a 64-bit box size), which no muxer writes for ftyp
        return None
    end = min(size, len(head))
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    return tuple(b.decode("latin-1") for b in brands)


def is_mp4_signature(head: bytes) -> bool:
    """True when the bytes start with an ``ftyp`` box naming at least one MP4 brand."""
    brands = mp4_brands(head)
    return brands is not None and any(b in MP4_BRANDS for b in brands)


def check_video(path: str) -> MediaInfo:
    """Judge an upload from its bytes: an ISO-BMFF file with an MP4 brand that FFmpeg opens as
    mp4 and that holds a video stream whose first frames decode (core media probe)."""
    try:
        with open(path, "rb") as video:
            if not is_mp4_signature(video.read(256)):
                raise errors.invalid_video()
        info = probe(path)
    except VendorError:
        raise
    except Exception:  # a broken file may fail in many ways; all mean "not a readable mp4"
        raise errors.invalid_video() from None
    if info.kind != "video" or "mp4" not in (info.container or "").split(","):
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
