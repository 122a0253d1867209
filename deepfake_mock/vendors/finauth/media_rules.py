"""FinAuth's documented media rules, as conditions over ``core.media``'s answer for the upload.

Images: JPEG or PNG only (read from the bytes, never from the file name), fully decodable, file
at most 10 MB, long side at most 4096 px (FaceID's documented pixel rule), or, in strict mode,
at most 1280x720 (the 720P "maximum supported" resolution of the StarScope page).
Videos: anything FFmpeg decodes, with at least one decodable frame (a still image too, as FFmpeg
reads one); at most 10 MB after Base64 encoding; optionally a maximum duration (the vendor's
value is unknown).
"""

from __future__ import annotations

import math

from ...core.media import MediaInfo, MediaLimits, Source, probe, probe_image
from . import errors
from .config import FinAuthConfig

IMAGE_FORMATS = ("jpeg", "png")  # core.media's names; an MPO (phone cameras) is a JPEG
STRICT_720P = (1280, 720)        # long side, short side


def base64_length(n: int) -> int:
    """Length of the standard Base64 encoding of ``n`` bytes (padded, no line breaks)."""
    return 4 * math.ceil(n / 3)


def check_image(source: Source, size: int, config: FinAuthConfig) -> MediaInfo:
    """The upload of ``size`` bytes as an image, or ``FinAuthError``.

    Order: the format must be JPEG or PNG, and the pixels decode (``BAD_ARGUMENTS``); then the
    size rules (``INVALID_IMAGE_SIZE:image``). An image whose header declares more than
    ``image_max_side`` squared pixels is over the size rule whatever its content, and is
    refused without decoding its pixels (decompression-bomb guard).
    """
    info = probe_image(source, MediaLimits(max_image_pixels=config.image_max_side ** 2))
    if info.container not in IMAGE_FORMATS:
        raise errors.bad_arguments("image")
    if info.refused_by is not None:
        raise errors.invalid_image_size("image")
    if info.kind != "image":
        raise errors.bad_arguments("image")
    long_side, short_side = max(info.width, info.height), min(info.width, info.height)
    strict_over = long_side > STRICT_720P[0] or short_side > STRICT_720P[1]
    if (size > config.image_max_bytes or long_side > config.image_max_side
            or config.image_strict_720p and strict_over):
        raise errors.invalid_image_size("image")
    return info


def check_video(source: Source, size: int, config: FinAuthConfig,
                limits: MediaLimits = MediaLimits()) -> MediaInfo:
    """The upload of ``size`` bytes as a video, or ``BAD_ARGUMENTS:video``: over the Base64 size
    rule (checked first: it is cheap), not decodable, or over the duration setting."""
    if base64_length(size) > config.video_max_base64_bytes:
        raise errors.bad_arguments("video")
    info = probe(source, limits)
    if info.kind not in ("video", "image"):
        raise errors.bad_arguments("video")
    if (config.video_max_duration_s is not None and info.duration is not None
            and info.duration > config.video_max_duration_s):
        raise errors.bad_arguments("video")
    return info
