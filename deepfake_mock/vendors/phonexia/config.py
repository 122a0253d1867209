"""Phonexia's settings (``vendors.phonexia``), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...settings import RateLimit


@dataclass(frozen=True)
class PhonexiaConfig:
    api_version: str = "3.x"                 # "3.x" (the seed) or "4.0" (extra operations, null)
    location_header: bool = True             # 4.0 adds Location beside the deprecated X-Location
    licensed: bool = True                    # False: every start answers 403 request.forbidden
    max_upload_bytes: int = 500 * 1000 * 1000   # singleFileUploadSize, 500 MB
    input_storage_bytes: int = 1 << 30      # inputStorageSize, 1 GiB of retained uploads
    max_audio_seconds: float = 7200.0        # maxAudioLength, 2 h
    min_audio_seconds: float = 3.0           # below this a channel's score is null
    retention_seconds: float = 86400.0       # tasks are forgotten (404) this long after creation
    reject_unreadable_media: str = "on_submit"  # "on_submit": 422; "in_task": 202 then rejected
    version: Any = None                      # /api/system/info version (default: ours)
    rate_limit: RateLimit | None = None      # {"limit": n, "window": seconds}
