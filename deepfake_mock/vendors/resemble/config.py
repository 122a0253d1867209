"""Resemble's settings (``vendors.resemble``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Mapping

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from ...core import outbound
from ...core.outbox import RetryPolicy
from ...settings import RateLimit
from .models.intake import BATCH_MAX_BYTES, BATCH_MAX_FILES, FORM_SLACK, MAX_UPLOAD_BYTES, MIB


@with_config(ConfigDict(extra="forbid"))
class Wallet(TypedDict, total=False):
    balance: int          # detects the team may still pay for; without it, never charged


@dataclass(frozen=True)
class ResembleConfig:
    # API tokens and the team each belongs to; every record is scoped to its token's team
    tokens: Mapping[str, str] = field(default_factory=lambda: {
        "resemble-test-token": "team-1", "resemble-other-token": "team-2"})
    # wallets: {"team-1": {"balance": 10}}; a team without a balance is never charged
    teams: Mapping[str, Wallet] = field(default_factory=dict)
    detect_cost: int = 1                           # wallet units per detect (per batch file)
    max_upload_bytes: int = MAX_UPLOAD_BYTES       # direct upload, 150 MB (MiB), documented
    max_secure_upload_bytes: int = 2048 * MIB      # undocumented; the emulator's choice
    batch_max_files: int = BATCH_MAX_FILES         # documented: 50 files a batch
    batch_max_bytes: int = BATCH_MAX_BYTES         # documented: 500 MB a batch
    prefer_wait_seconds: int = 60                  # longest Prefer: wait, in emulator seconds
    # url media read from local directories: {"https://media.example.org/": "/srv/media"}
    media_dirs: Mapping[str, str] = field(default_factory=dict)
    url_allow_hosts: tuple[str, ...] = ("loopback",)  # where url media may be fetched from
    url_fetch_timeout: int = 10                    # s for a whole download, connect to last byte
    url_max_bytes: int = MAX_UPLOAD_BYTES          # a longer body is not read: the detect fails
    callback_allow_hosts: tuple[str, ...] = ("loopback",)  # where callbacks may be POSTed
    callback_worker: bool = True                   # background delivery thread in each process
    callback_poll_interval_seconds: float = 0.1    # how often it looks for work (real time)
    callback_max_attempts: int = 5                 # attempts of one callback before it fails
    callback_backoff_seconds: float = 1.0          # before the 2nd attempt (emulator time)
    callback_backoff_factor: float = 2.0           # each later wait is this much longer
    callback_max_delay_seconds: float = 300.0      # the longest wait between attempts
    callback_timeout_seconds: float = 5.0          # for a whole POST, connect to answer
    media_token_secret: str = "resemble-emulator-media-token-secret"  # signs secure-upload JWTs
    media_url_base: str = "https://storage.resemble.mock/detect/"  # url of an uploaded file
    # "string" (the seed's decimal strings) or "number" (the List page's example)
    score_format: Literal["string", "number"] = "string"
    video_default_fps: float = 1.0                 # frames a second without max_video_fps
    video_max_frames: int = 1000                   # most frames analysed in one video
    rate_limit: RateLimit | None = field(          # about 40 requests per second per token
        default_factory=lambda: {"limit": 40, "window": 1})

    def __post_init__(self) -> None:
        """Refuse to start with an allow-list entry ``core.outbound`` cannot read."""
        self.fetch_policy
        self.callback_policy

    @cached_property
    def fetch_policy(self) -> outbound.Policy:
        """Where ``url`` media may be fetched from, within one deadline and a size cap."""
        return outbound.Policy.of(self.url_allow_hosts, "resemble.url_allow_hosts",
                                  self.url_fetch_timeout, self.url_max_bytes)

    @cached_property
    def callback_policy(self) -> outbound.Policy:
        """Where callbacks may be POSTed, each attempt within one deadline."""
        return outbound.Policy.of(self.callback_allow_hosts, "resemble.callback_allow_hosts",
                                  self.callback_timeout_seconds)

    @property
    def retry_policy(self) -> RetryPolicy:
        """How a failed callback is tried again."""
        return RetryPolicy(max_attempts=self.callback_max_attempts,
                           backoff=self.callback_backoff_seconds,
                           factor=self.callback_backoff_factor,
                           max_delay=self.callback_max_delay_seconds)

    @property
    def max_body_bytes(self) -> int:
        """The largest request body read: the largest upload cap, and the form around it."""
        return max(self.max_upload_bytes, self.max_secure_upload_bytes,
                   self.batch_max_bytes) + FORM_SLACK

    @property
    def numeric_scores(self) -> bool:
        """Scores and durations as JSON numbers rather than decimal strings."""
        return self.score_format == "number"
