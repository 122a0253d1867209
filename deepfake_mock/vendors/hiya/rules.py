"""Hiya Audio Intelligence: the vendor's rules as plain data and pure functions.

Handles and aliases, the model catalogue with its requirements, the ISO-8601 durations and the
timestamps the API renders. Nothing here touches HTTP or the store.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

# --- handles, aliases, texts (DOCUMENTED lengths; the pattern reads the documented wording) ---

HANDLE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
HANDLE_RE = re.compile(HANDLE_PATTERN)
HANDLE_MAX = 50
ALIAS_MAX = 100
PASSWORD_MIN, PASSWORD_MAX = 8, 50
MESSAGE_MAX = 200
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")


def is_handle(value: object) -> bool:
    """Lowercase alphanumerics separated by single hyphens, 1-50 characters."""
    return (isinstance(value, str) and 1 <= len(value) <= HANDLE_MAX
            and HANDLE_RE.fullmatch(value) is not None)


def is_alias(value: object) -> bool:
    """An alias is null or a string of 1-100 characters."""
    return value is None or (isinstance(value, str) and 1 <= len(value) <= ALIAS_MAX)


# --- models and their requirements ---------------------------------------------------------

MAX_AUDIO_SECONDS = 120.0          # DOCUMENTED for identity and voiceprint models: 2 minutes
ANALYSIS_WINDOW = 4.0              # authenticity chunk length (emulator's choice)
MIN_CHUNK_VOICE = 1.5              # voice a chunk needs to be validVoice (emulator's choice)
MIN_VOICE = 1.5                    # DOCUMENTED minimum voice duration of identity models
                                   # (below it: an error); message models score none below it
VOICEPRINT_MIN_VOICE = 4.5         # DOCUMENTED: 4.5 seconds over the minimum audios
MIN_AUDIOS_MAX = 10


@dataclass(frozen=True)
class Model:
    handle: str
    version: str
    min_sample_rate: int
    max_duration: float = MAX_AUDIO_SECONDS
    min_voice: float = 0.0           # a requirement of identity models only
    deprecated_fields: bool = False  # returns the deprecated score / subscores

    @property
    def name(self) -> str:
        """The ``handle/version`` form the API returns, e.g. ``phone/v1``."""
        return f"{self.handle}/{self.version}"

    def unmet(self, duration: float, sample_rate: int, voice: float) -> bool:
        """True when an audio of this duration, sample rate and voice duration breaks the
        requirements."""
        return (sample_rate < self.min_sample_rate or duration > self.max_duration
                or voice < self.min_voice - 1e-9)


AUTHENTICITY_MODELS = {m.handle: m for m in (
    Model("phone", "v1", 8000),
    Model("digital", "v1", 16000),
    Model("telephone", "v1", 8000, deprecated_fields=True),
    Model("default", "v1", 16000, deprecated_fields=True),
)}

# The identity model is chosen from the voiceprint's model (DOCUMENTED).
VOICEPRINT_MODELS = {m.handle: m for m in (
    Model("default", "v1", 8000),
    Model("phone", "v1.1", 8000),
    Model("digital", "v1.1", 16000),
)}
IDENTITY_MODELS = {m.handle: m for m in (
    Model("default", "v1", 16000, min_voice=MIN_VOICE),
    Model("phone", "v1.1", 8000, min_voice=MIN_VOICE),
    Model("digital", "v1.1", 16000, min_voice=MIN_VOICE),
)}

MESSAGE_MODELS = {m.handle: m for m in (
    Model("default", "v1", 8000),
)}


# --- timestamps ----------------------------------------------------------------------------

def format_timestamp(epoch: float) -> str:
    """``2023-01-01T00:00:00.000000Z``: UTC with microseconds and ``Z``, as the vendor shows."""
    micros = round(epoch * 1_000_000)
    seconds, micro = divmod(micros, 1_000_000)
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{micro:06d}Z"


def parse_timestamp(text: str) -> float:
    """Epoch seconds from an ISO-8601 date or date-time; no offset means UTC.

    Raises ValueError for anything else.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("not a date-time")
    value = text.strip()
    if value[-1:] in ("z", "Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


# --- ISO-8601 durations --------------------------------------------------------------------

_DURATION_RE = re.compile(
    r"^PT(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?$")


def format_duration(seconds: float) -> str:
    """``PT3.500S``, ``PT1M30.250S``, ``PT1H``; zero is ``PT0S``. Millisecond precision."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        raise ValueError("a duration is a finite, non-negative number of seconds")
    millis = round(seconds * 1000)
    if millis == 0:
        return "PT0S"
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    parts = ["PT"]
    if hours:
        parts.append(f"{hours}H")
    if minutes:
        parts.append(f"{minutes}M")
    if millis:
        parts.append(f"{millis // 1000}.{millis % 1000:03d}S")
    return "".join(parts)


def parse_duration(text: str) -> float:
    """Seconds of a time-only ISO-8601 duration (``PT...``). Raises ValueError otherwise."""
    match = _DURATION_RE.fullmatch(text or "")
    if match is None or text == "PT":
        raise ValueError(f"not a duration: {text!r}")
    h, m, s = (match.group(k) for k in ("h", "m", "s"))
    return int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)
