"""GLAIR's settings (``vendors.glair``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Mapping

from ...settings import RateLimit
from . import errors

MAX_INPUT_BYTES = 6 * 1024 * 1024  # "6MB", read as MiB ([UNKNOWN] which one the vendor means)
CONTRACTS = ("current", "demo")


@dataclass(frozen=True)
class GlairConfig:
    api_keys: tuple[str, ...] = ("test-key",)  # accepted x-api-key values
    # Basic "user:password" pairs: a list, so that a settings layer replaces the default user
    users: tuple[str, ...] = ("user:pass",)
    # status of application 400s: "ERROR" (as the deepfake page shows) or "NO_FILE"
    error_status: Literal["ERROR", "NO_FILE"] = errors.ERROR
    oversize_status: Literal[413, 400] = 413  # over 6MB: 413, or 400 (same FAILED body)
    echo_request_id: bool = False      # True: Request-Id echoes the caller's x-request-id
    max_input_bytes: int = MAX_INPUT_BYTES  # "6MB", of the video or of all decoded frames
    # "demo": the older page's contract (one endpoint, success/result body)
    contract: Literal["current", "demo"] = "current"
    rate_limit: RateLimit | None = None  # {"limit": n, "window": seconds}: 429 past it

    def __post_init__(self) -> None:
        """Refuse at start-up settings the gateway could never serve."""
        # the gateway splits "user:password" on every ':', so neither part may hold one
        if not all(isinstance(entry, str) and entry.count(":") == 1 for entry in self.users):
            raise ValueError("users must be a list of 'user:password' strings (one ':' each)")
        if not self.users:
            raise ValueError("users must map user names to passwords, strings without ':'")
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

    @cached_property
    def passwords(self) -> Mapping[str, str]:
        """The ``users`` setting as user name -> password."""
        return dict(entry.split(":") for entry in self.users)

    @property
    def demo(self) -> bool:
        return self.contract == "demo"

    @property
    def max_body_bytes(self) -> int:
        """Largest request body read at all: room for base64 frames (4/3) and multipart framing."""
        return 2 * self.max_input_bytes
