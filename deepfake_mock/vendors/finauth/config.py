"""FinAuth's settings (``vendors.finauth``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...settings import RateLimit
from .models import DEFAULT_KEYS, MB
from .signing import INVALID_SIGN


@dataclass(frozen=True)
class FinAuthConfig:
    keys: dict = field(default_factory=lambda: dict(DEFAULT_KEYS))
    concurrency_limit: int = 10       # requests in flight per key; a key may override it
    error_separator: str = ":"        # or ": "
    bad_arguments_key: bool = False   # True: BAD_ARGUMENTS:<key> (FaceID style)
    error_fields: bool = True         # request_id and time_used in JSON error bodies
    replay_reason: str = INVALID_SIGN  # reason for a reused b=0 signature
    future_skew_s: int = 300          # how far current_time (c) may be ahead of the server clock
    threshold: float = 0.5
    max_request_bytes: int = 20 * MB  # over it: 413 plain text, before the body is read
    max_field_chars: int = 1024       # a longer text field: BAD_ARGUMENTS
    image_max_bytes: int = 10 * MB
    image_max_side: int = 4096
    image_strict_720p: bool = False
    video_max_base64_bytes: int = 10 * MB
    video_max_duration_s: Any = None
    rate_limit: RateLimit | None = None  # calls per key: AUTHENTICATION_ERROR:LIMIT_REACHED
