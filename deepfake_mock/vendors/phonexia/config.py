"""Phonexia's settings (``vendors.phonexia``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ...settings import RateLimit


@dataclass(frozen=True)
class PhonexiaConfig:
    api_version: Literal["3.x", "4.0"] = "3.x"  # "4.0": extra operations (null) beside deepfake
    location_header: bool = True             # 4.0 adds Location beside the deprecated X-Location
    licensed: bool = True                    # False: every start answers 403 request.forbidden
    max_upload_bytes: int = 500 * 1000 * 1000   # DOCUMENTED singleFileUploadSize, 500 MB
    input_storage_bytes: int = 1 << 30       # DOCUMENTED inputStorageSize, 1 GiB of kept uploads
    max_audio_seconds: float = 7200.0        # DOCUMENTED maxAudioLength, 2 h
    min_audio_seconds: float = 3.0           # DOCUMENTED: below 3 s a channel's score is null
    retention_seconds: float = 86400.0       # tasks are forgotten (404) this long after creation
    # media without decodable audio: "on_submit" answers 422; "in_task" 202, then a rejected task
    reject_unreadable_media: Literal["on_submit", "in_task"] = "on_submit"
    version: str | None = None               # /api/system/info version (None: the emulator's)
    rate_limit: RateLimit | None = None      # {"limit": n, "window": seconds}

    @property
    def max_body_bytes(self) -> int:
        """The largest request body read: one upload."""
        return self.max_upload_bytes

    @property
    def operations(self) -> tuple[str, ...]:
        """The technology's operations this API version offers."""
        if self.api_version == "3.x":
            return ("deepfake_detection",)
        return ("deepfake_detection", "audio_manipulation_detection", "replay_attack_detection")
