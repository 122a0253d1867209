"""Still images, read by Pillow: the pixel size from the header, refused over the cap before
any pixel is decoded, then the pixels decoded (a truncated image fails there)."""

from __future__ import annotations

import warnings

from .info import MediaInfo, MediaLimits, Refusal
from .sources import Source, head, image_format, readable

IMAGE_FORMATS = {"JPEG": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp",
                 "TIFF": "tiff", "MPO": "jpeg"}


def probe_image(source: Source, limits: MediaLimits = MediaLimits(), *,
                decode: bool = True) -> MediaInfo:
    """What a still image ``source`` is, through Pillow only (FFmpeg never sees it): for fields
    that take nothing but images. Anything else is ``kind=None``, error "not an image"."""
    first = head(source)
    info = read_image(source, limits, decode, first)
    if info is None:
        return MediaInfo(kind=None, container=image_format(first), error="not an image")
    return info


def read_image(source: Source, limits: MediaLimits, decode: bool,
               first: bytes) -> MediaInfo | None:
    """An image's answer, or None when Pillow does not take it for one of IMAGE_FORMATS;
    ``first`` is the source's head (it names a format Pillow refuses to open)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(readable(source)) as img:  # lazy: reads the header only
                fmt = IMAGE_FORMATS.get(img.format or "")
                if fmt is None:
                    return None
                width, height = img.size
                problem = limits.image_problem(width, height)
                if problem:
                    return MediaInfo.refused(problem, container=fmt, width=width, height=height)
                if decode:
                    # JPEG: decode an eighth of the pixels, enough to find broken data
                    img.draft(None, (max(1, width // 8), max(1, height // 8)))
                    img.load()
                return MediaInfo(kind="image", container=fmt, codec=fmt, width=width,
                                 height=height, decoded=decode)
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError as exc:  # past Pillow's own cap, before ours is asked
        return MediaInfo.refused(Refusal("max_image_pixels", f"image too large: {exc}"),
                                 container=image_format(first))
    except (OSError, SyntaxError, ValueError) as exc:
        return MediaInfo(kind=None, error=f"corrupt image: {exc}")
