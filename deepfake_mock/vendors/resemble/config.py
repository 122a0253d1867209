"""Resemble's settings (``vendors.resemble``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...settings import RateLimit
from .uploads import BATCH_MAX_BYTES, BATCH_MAX_FILES, MAX_UPLOAD_BYTES, MIB


@dataclass(frozen=True)
class ResembleConfig:
    # API tokens and the team each belongs to; every record is scoped to its token's team
    tokens: dict = field(default_factory=lambda: {"resemble-test-token": "team-1",
                                                  "resemble-other-token": "team-2"})
    # wallets: {"team-1": {"balance": 10}}; a team without a balance is never charged
    teams: dict = field(default_factory=dict)
    detect_cost: int = 1                           # wallet units per detect (per batch file)
    max_upload_bytes: int = MAX_UPLOAD_BYTES       # direct upload, 150 MB (MiB)
    max_secure_upload_bytes: int = 2048 * MIB      # undocumented; the emulator's choice
    batch_max_files: int = BATCH_MAX_FILES
    batch_max_bytes: int = BATCH_MAX_BYTES
    prefer_wait_seconds: int = 60                  # longest Prefer: wait, in emulator seconds
    media_dirs: dict = field(default_factory=dict)  # {"https://media.example.org/": "/srv/media"}
    url_allow_hosts: list = field(default_factory=lambda: ["loopback"])  # url media sources
    url_fetch_timeout: int = 10                    # s for a whole download, connect to last byte
    url_max_bytes: int = MAX_UPLOAD_BYTES          # a longer body is not read: the detect fails
    callback_allow_hosts: list = field(default_factory=lambda: ["loopback"])  # callback targets
    callback_worker: bool = True                   # background delivery thread in each process
    callback_poll_interval_seconds: float = 0.1    # how often it looks for work (real time)
    callback_max_attempts: int = 5
    callback_backoff_seconds: float = 1.0          # before the 2nd attempt (emulator time)
    callback_backoff_factor: float = 2.0
    callback_max_delay_seconds: float = 300.0
    callback_timeout_seconds: float = 5.0          # for a whole POST, connect to answer
    media_token_secret: str = "resemble-emulator-media-token-secret"
    media_url_base: str = "https://storage.resemble.mock/detect/"
    score_format: str = "string"                   # "string" (seed) or "number" (List example)
    video_default_fps: float = 1.0                 # frames analysed per second without max_video_fps
    video_max_frames: int = 1000
    rate_limit: RateLimit | None = field(          # about 40 requests per second per token
        default_factory=lambda: {"limit": 40, "window": 1})
