"""FinAuth's media rules, checked from the uploaded bytes.

Images: JPEG or PNG only (read from the bytes, never from the file name), fully decodable, file
at most 10 MB, long side at most 4096 px (FaceID's documented pixel rule), or, in strict mode,
at most 1280x720 (the 720P "maximum supported" resolution of the StarScope page).
Videos: anything FFmpeg (PyAV) decodes, with at least one decodable video frame; at most 10 MB
after Base64 encoding; optionally a maximum duration (the vendor's value is unknown).
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from . import errors

MB = 1024 * 1024

# Pillow format names accepted as "jpg" / "png". MPO is a JPEG with extra frames (phone cameras).
IMAGE_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png"}

# How many packets of a video to read, at most, while looking for a decodable frame.
VIDEO_PACKET_BUDGET = 512


@dataclass(frozen=True)
class MediaLimits:
    image_max_bytes: int = 10 * MB
    image_max_side: int = 4096
    image_strict_720p: bool = False
    video_max_base64_bytes: int = 10 * MB
    video_max_duration_s: float | None = None


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "jpeg" | "png"
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class VideoInfo:
    container: str
    codec: str
    width: int
    height: int
    duration_s: float | None
    size: int


def base64_length(n: int) -> int:
    """Length of the standard Base64 encoding of ``n`` bytes (padded, no line breaks)."""
    return 4 * math.ceil(n / 3)


def _size_of(source: str | os.PathLike | BinaryIO) -> int:
    if isinstance(source, (str, os.PathLike)):
        return os.path.getsize(source)
    pos = source.tell()
    source.seek(0, os.SEEK_END)
    end = source.tell()
    source.seek(pos)
    return end


def _rewind(source: str | os.PathLike | BinaryIO) -> None:
    if not isinstance(source, (str, os.PathLike)):
        source.seek(0)


def check_image(source: str | os.PathLike | BinaryIO, limits: MediaLimits = MediaLimits()) -> ImageInfo:
    """Decode an uploaded image and apply the size rules; raise ``FinAuthError`` on failure.

    Order: the header must be JPEG or PNG (``BAD_ARGUMENTS``); the pixel data must decode
    (``BAD_ARGUMENTS``); then the size rules (``INVALID_IMAGE_SIZE:image``). An image whose
    header declares more than ``image_max_side`` squared pixels is over the size rule whatever
    its content, and is answered ``INVALID_IMAGE_SIZE:image`` without decoding its pixels
    (decompression-bomb guard).
    """
    from PIL import Image  # imported lazily: only requests with images need it

    size = _size_of(source)
    _rewind(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(source, formats=("JPEG", "PNG", "MPO")) as img:
                fmt = IMAGE_FORMATS.get(img.format or "")
                if fmt is None:
                    raise errors.bad_arguments("image")
                width, height = img.size
                if width <= 0 or height <= 0:
                    raise errors.bad_arguments("image")
                if width * height > limits.image_max_side ** 2:
                    raise errors.invalid_image_size("image")
                img.load()
        except errors.FinAuthError:
            raise
        except Image.DecompressionBombError:
            raise errors.invalid_image_size("image") from None
        except Exception:  # noqa: BLE001 - any decoder failure is the vendor's BAD_ARGUMENTS
            raise errors.bad_arguments("image") from None
    if size > limits.image_max_bytes:
        raise errors.invalid_image_size("image")
    long_side, short_side = max(width, height), min(width, height)
    if long_side > limits.image_max_side:
        raise errors.invalid_image_size("image")
    if limits.image_strict_720p and (long_side > 1280 or short_side > 720):
        raise errors.invalid_image_size("image")
    return ImageInfo(fmt, width, height, size)


def check_video(source: str | os.PathLike | BinaryIO, limits: MediaLimits = MediaLimits()) -> VideoInfo:
    """Decode an uploaded video and apply the size rules; raise ``BAD_ARGUMENTS`` on failure.

    The size rule (Base64 length over the limit) is checked first because it is cheap; both it
    and a decoding failure answer ``BAD_ARGUMENTS``. Decodable means: FFmpeg opens the
    container, it holds a video stream, and a frame of that stream decodes within the first
    ``VIDEO_PACKET_BUDGET`` packets.
    """
    import av  # imported lazily: only requests with videos need it

    size = _size_of(source)
    if base64_length(size) > limits.video_max_base64_bytes:
        raise errors.bad_arguments("video")
    if size == 0:
        raise errors.bad_arguments("video")
    _rewind(source)
    try:
        container = av.open(source, mode="r")
    except Exception:  # noqa: BLE001 - FFmpeg cannot read it
        raise errors.bad_arguments("video") from None
    try:
        streams = [s for s in container.streams if s.type == "video"]
        if not streams:
            raise errors.bad_arguments("video")
        stream = streams[0]
        frame = None
        try:
            for n, packet in enumerate(container.demux(stream)):
                if n >= VIDEO_PACKET_BUDGET:
                    break
                decoded = packet.decode()  # the final, empty packet flushes the decoder
                if decoded:
                    frame = decoded[0]
                    break
        except Exception:  # noqa: BLE001 - broken stream data
            frame = None
        if frame is None:
            raise errors.bad_arguments("video")
        duration = _duration_s(container, stream)
        if (
            limits.video_max_duration_s is not None
            and duration is not None
            and duration > limits.video_max_duration_s
        ):
            raise errors.bad_arguments("video")
        return VideoInfo(
            container=container.format.name,
            codec=stream.codec_context.name,
            width=frame.width,
            height=frame.height,
            duration_s=duration,
            size=size,
        )
    finally:
        container.close()


def _duration_s(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None
