"""GLAIR's settings (``vendors.glair``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...settings import RateLimit

MAX_INPUT_BYTES = 6 * 1024 * 1024  # "6MB", read as MiB ([UNKNOWN] which one the vendor means)


@dataclass(frozen=True)
class GlairConfig:
    api_keys: list = field(default_factory=lambda: ["test-key"])  # accepted x-api-key values
    users: list = field(default_factory=lambda: ["user:pass"])    # Basic "user:password" pairs
    error_status: str = "ERROR"        # status of application 400s: "ERROR" (the page) or "NO_FILE"
    oversize_status: int = 413         # over 6MB: 413, or 400 (same FAILED body)
    echo_request_id: bool = False      # True: Request-Id echoes the caller's x-request-id
    max_input_bytes: int = MAX_INPUT_BYTES  # "6MB", of the video or of all decoded frames
    contract: str = "current"          # "demo": the older page (one endpoint, success/result body)
    rate_limit: RateLimit | None = None  # {"limit": n, "window": seconds}: 429 past it
