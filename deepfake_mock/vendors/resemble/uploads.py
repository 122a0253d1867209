"""Resemble's documented upload rules and where `url` media may come from.

Direct uploads (``file``) are judged on what the client declares, before any analysis: the
extension must be on the vendor's list, the content type must be audio/*, video/* or image/*
matching it (or application/octet-stream), the file must not be empty and not above the cap.
What the media *is* (audio, image, video) is decided afterwards from the bytes.

``url`` media under a configured prefix is read from a local directory; any other URL is for
``core.outbound`` to fetch (from an allow-listed address only) or refuse, and the detect then
fails as it would for an unreachable URL.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

MIB = 1024 * 1024
MAX_UPLOAD_BYTES = 150 * MIB
BATCH_MAX_FILES = 50
BATCH_MAX_BYTES = 500 * MIB

# extension -> the major content types it may be declared with
UPLOAD_EXTENSIONS: dict[str, frozenset[str]] = {
    "wav": frozenset({"audio"}), "mp3": frozenset({"audio"}), "m4a": frozenset({"audio"}),
    "ogg": frozenset({"audio", "video"}), "aac": frozenset({"audio"}),
    "flac": frozenset({"audio"}), "amr": frozenset({"audio"}),
    "3gp": frozenset({"video", "audio"}), "3gpp": frozenset({"video", "audio"}),
    "mp4": frozenset({"video", "audio"}), "mov": frozenset({"video"}),
    "avi": frozenset({"video"}), "mkv": frozenset({"video"}),
    "webm": frozenset({"video", "audio"}),
    "jpg": frozenset({"image"}), "jpeg": frozenset({"image"}), "png": frozenset({"image"}),
    "gif": frozenset({"image"}), "webp": frozenset({"image"}),
}
# the batch list omits .amr/.3gp/.3gpp
BATCH_EXTENSIONS = {k: v for k, v in UPLOAD_EXTENSIONS.items() if k not in ("amr", "3gp", "3gpp")}

# ASCII ranges, not \s: the spec's pattern must read the same in ECMA and Python regexes
URL_PATTERN = re.compile(r"^https?://[^\x00-\x20\x7f/?#]+([/?#][^\x00-\x20\x7f]*)?$")

EMPTY = "File is empty"
NOT_MEDIA = "File must be valid media format"
UNREACHABLE = "Unable to download media from url"


class UploadRejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def extension_of(filename: str | None) -> str | None:
    if not filename:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return None
    return base.rsplit(".", 1)[-1].lower() or None


def supported_list(allowed: dict[str, frozenset[str]]) -> str:
    return ", ".join(f".{e}" for e in allowed)


def check_declared(filename: str | None, content_type: str | None,
                   allowed: dict[str, frozenset[str]] = UPLOAD_EXTENSIONS) -> str:
    """The extension, if name and content type pass the documented rules."""
    ext = extension_of(filename)
    if ext not in allowed:
        shown = f" .{ext}" if ext else ""
        raise UploadRejected(f"Unsupported file type{shown}; supported extensions: "
                             f"{supported_list(allowed)}")
    major = major_type(content_type)
    if major != "application/octet-stream" and major not in allowed[ext]:
        raise UploadRejected(f"Content type {content_type} does not match file extension .{ext}")
    return ext


def major_type(content_type: str | None) -> str:
    """``audio``, ``video``, ``image``, or the whole type; a missing one is octet-stream."""
    essence = (content_type or "").split(";", 1)[0].strip().lower()
    if not essence or essence == "application/octet-stream":
        return "application/octet-stream"
    main = essence.split("/", 1)[0]
    return main if main in ("audio", "video", "image") else essence


def too_large(limit: int) -> str:
    """The 400 message of a direct upload above the cap, pointing to secure uploads."""
    return (f"File exceeds {limit / MIB:g} MB limit; use the Secure Uploads API "
            "(POST /secure_uploads) for larger files")


def check_size(size: int, limit: int | None = MAX_UPLOAD_BYTES, message: str | None = None) -> None:
    if size <= 0:
        raise UploadRejected(EMPTY)
    if limit is not None and size > limit:
        raise UploadRejected(message or too_large(limit))


def redacted_filename(token: str, ext: str | None) -> str:
    """``redacted_<hex>.<ext>``, the name a zero-retention detect shows."""
    return f"redacted_{token}.{ext}" if ext else f"redacted_{token}"


def _path_of(url: str) -> str:
    """The path of a URL, even of one ``urlsplit`` refuses (an unbalanced ``[`` in the host)."""
    try:
        return urlsplit(url).path
    except ValueError:
        rest = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
        return "/" + rest.split("/", 1)[1] if "/" in rest else ""


def filename_from_url(url: str) -> str | None:
    name = unquote(posixpath.basename(_path_of(url)))
    return name or None


# --- url media ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MediaSource:
    """Where the bytes of a ``url`` come from: ``local`` (path), ``fetch`` (url) or ``refused``."""

    kind: str
    location: str | None = None


def resolve_media_url(url: str, media_dirs: dict[str, str]) -> MediaSource:
    """A URL under a ``media_dirs`` prefix maps to a file in that directory (longest prefix wins;
    the query string is ignored), or is refused when there is none; any other is to fetch."""
    for prefix in sorted(media_dirs, key=len, reverse=True):
        if url.startswith(prefix):
            rest = unquote(url[len(prefix):].split("?", 1)[0].split("#", 1)[0]).lstrip("/")
            root = os.path.realpath(media_dirs[prefix])
            path = os.path.realpath(os.path.join(root, rest))
            if rest and path.startswith(root + os.sep) and os.path.isfile(path):
                return MediaSource("local", path)
            return MediaSource("refused")
    return MediaSource("fetch", url)
