"""What a probe reads from: a path, bytes or a seekable file; and what its first bytes say
before any media library looks (image signatures, the MP4 ftyp box)."""

from __future__ import annotations

import io
import os
import struct
from typing import BinaryIO, Union

Source = Union[str, os.PathLike, bytes, BinaryIO]

HEAD_BYTES = 256  # read for signatures and the ftyp box (58 compatible brands)

# Still-image formats by their leading bytes: names a refused image that Pillow would not open.
_IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"),
                     (b"GIF89a", "gif"), (b"BM", "bmp"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"))


def readable(source: Source):
    """What Pillow and PyAV open: a path as it is, bytes as a file, a file from its start."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(source)
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    source.seek(0)
    return source


def head(source: Source) -> bytes:
    """The first HEAD_BYTES bytes; b"" when the file cannot be read (the probe says why)."""
    opened = readable(source)
    if not isinstance(opened, str):
        return opened.read(HEAD_BYTES)
    try:
        with open(opened, "rb") as file:
            return file.read(HEAD_BYTES)
    except OSError:
        return b""


def image_format(head: bytes) -> str | None:
    """The still-image format the leading bytes announce, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((fmt for magic, fmt in _IMAGE_SIGNATURES if head.startswith(magic)), None)


def mp4_brands(head: bytes) -> tuple[str, ...] | None:
    """Major and compatible brands of a leading ``ftyp`` box, or None when there is none."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = struct.unpack(">I", head[:4])[0]
    if size < 16:  # includes 1 (a 64-bit box size), which no muxer writes for ftyp
        return None
    end = min(size, len(head))
    brands = [head[8:12]] + [head[i:i + 4] for i in range(16, end - 3, 4)]
    return tuple(b.decode("latin-1") for b in brands)
