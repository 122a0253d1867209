"""Hiya's ISO-8601 values: timestamps (UTC, microseconds, ``Z``) and time-only durations
(``PT1M30.250S``), as the API writes and reads them."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

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
