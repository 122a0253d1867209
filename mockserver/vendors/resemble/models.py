"""Resemble Detect's domain logic: plain Python over the runtime's store, clock and ids."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

AUTH_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
AUTH_TOKEN = re.compile(r'^\s*Token\s+token="?([^",\s]+)"?\s*(,.*)?$', re.IGNORECASE)
HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
DASHED = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def parse_authorization(header: str | None) -> str | None:
    """The API token of ``Bearer <token>`` or ``Token token=<token>`` (quoted or not)."""
    if not header:
        return None
    match = AUTH_BEARER.match(header) or AUTH_TOKEN.match(header)
    return match.group(1) if match else None


def normalize_uuid(value: str) -> str | None:
    """32 lowercase hex digits from a 32-hex or dashed 36-character id; None for anything else."""
    if HEX32.match(value):
        return value.lower()
    if DASHED.match(value):
        return value.replace("-", "").lower()
    return None


def iso(ts: float) -> str:
    """``2026-01-15T10:30:00.000Z``."""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def page_window(total: int, page: int, page_size: int) -> tuple[int, int]:
    """(offset, num_pages): the page's first index, and the page count (0 with no records)."""
    return (page - 1) * page_size, math.ceil(total / page_size)
