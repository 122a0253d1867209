"""Media coming in: a direct upload, a secure upload and its media token, or a ``url``.

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

from ....core import outbound
from ....core.media import MediaInfo, probe
from ....core.spool import SpooledFile, SpoolWriter, TooLarge, discard
from ..errors import BAD_TOKEN, bad_request, error
from . import FILE_PREFIX, iso, media_tokens

UPLOADS = "resemble_uploads"
MIB = 1024 * 1024
MAX_UPLOAD_BYTES = 150 * MIB
BATCH_MAX_FILES = 50
BATCH_MAX_BYTES = 500 * MIB
SAFE_EXT = re.compile(r"^[a-z0-9]{1,8}$")   # an extension a kept file's name may take
FORM_SLACK = MIB          # multipart framing and option fields beside a file at the size cap

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


def default_ext(info: MediaInfo | None) -> str:
    """The extension a kept file gets when its own name has no usable one."""
    if info is None:
        return "bin"
    return {"audio": "wav", "image": info.container or "jpg", "video": "mp4"}.get(info.kind, "bin")


def kept_ext(filename: str | None, fallback: str) -> str:
    """The extension of a kept file: its name's if safe (a URL's name can hold anything)."""
    ext = extension_of(filename)
    return ext if ext is not None and SAFE_EXT.match(ext) else fallback


def guess_media_type(filename: str | None) -> str:
    """For a detect whose bytes never arrived: the kind its extension suggests (audio if none)."""
    kinds = UPLOAD_EXTENSIONS.get(extension_of(filename) or "", frozenset({"audio"}))
    for kind in ("image", "video", "audio"):
        if kind in kinds:
            return kind
    return "audio"


# --- media ready for analysis ------------------------------------------------------------------

@dataclass
class Media:
    """Bytes ready for analysis (``path``), or a failure decided before analysis."""

    path: str | None
    size: int
    digest: str | None
    filename: str | None
    info: MediaInfo | None
    url: str | None = None
    failure: str | None = None      # the error_message of a detect that will fail
    upload_id: str | None = None     # the secure upload it came from

    @property
    def new_bytes(self) -> int:
        """What keeping this media adds to the spool: nothing for a secure upload's bytes
        (linked) or a url that failed."""
        return self.size if self.path is not None and self.upload_id is None else 0

    def discard_unkept(self) -> None:
        """Delete spooled bytes no record keeps (a secure upload's stay usable)."""
        if self.path is not None and self.upload_id is None:
            discard(self.path)


def check_file(rt, upload: SpooledFile, limit: int, message: str) -> MediaInfo:
    """A direct or secure upload: size, then real media bytes, whatever its name and declared
    type (the vendor's own SDK uploads a file object with neither)."""
    try:
        check_size(upload.size, limit, message)
    except UploadRejected as exc:
        raise bad_request(exc.message)
    info = probe(upload.path, rt.media_limits)
    if info.kind is None:
        raise bad_request(NOT_MEDIA)
    return info


def uploaded(rt, config, upload: SpooledFile) -> Media:
    """A direct upload (``file``) that passed the documented rules."""
    limit = config.max_upload_bytes
    info = check_file(rt, upload, limit, too_large(limit))
    return Media(upload.path, upload.size, upload.digest, upload.filename, info)


def from_token(rt, config, token: str, team: str) -> Media:
    """The secure upload a media token names, if the token is valid and the team's."""
    try:
        claims = media_tokens.verify(config.media_token_secret, token, rt.clock.now())
    except media_tokens.InvalidToken:
        raise bad_request(BAD_TOKEN)
    record = rt.store.get(UPLOADS, claims["sub"])
    if (claims["team"] != team or record is None or record["team"] != team
            or record["purged"] or not os.path.isfile(record["path"])):
        raise bad_request(BAD_TOKEN)
    return Media(record["path"], record["size"], record["digest"], record["filename"],
                 MediaInfo(**record["info"]), upload_id=record["id"])


def from_url(rt, config, url: str) -> Media:
    """The bytes behind ``url``, from the local media directories or an allowed host only."""
    name = filename_from_url(url)
    source = resolve_media_url(url, dict(config.media_dirs))
    if source.kind == "refused":
        return Media(None, 0, None, name, None, url=url, failure=UNREACHABLE)
    writer = SpoolWriter(rt.spool_dir, config.url_max_bytes)
    try:
        if source.kind == "local":
            with open(source.location, "rb") as fh:
                writer.copy_from(fh)
        else:
            policy = config.fetch_policy
            outbound.get(outbound.check(url, policy), policy, writer.write)
    except (OSError, TooLarge, outbound.Refused, outbound.Failed):
        writer.discard()
        return Media(None, 0, None, name, None, url=url, failure=UNREACHABLE)
    spooled = writer.finish(name)
    writer.close()
    if spooled.size == 0:
        discard(spooled.path)
        return Media(None, 0, None, name, None, url=url, failure=NOT_MEDIA)
    info = probe(spooled.path, rt.media_limits)
    if info.kind is None:
        discard(spooled.path)
        return Media(None, spooled.size, spooled.digest, name, None, url=url, failure=NOT_MEDIA)
    return Media(spooled.path, spooled.size, spooled.digest, name, info, url=url)


def check_room(rt, incoming: int) -> None:
    """503 when ``incoming`` more bytes would overfill the emulator's spool: Resemble documents
    no storage error, and a full disk is an outage."""
    if not rt.spool.has_room(incoming):
        raise error(503)


# --- secure uploads ----------------------------------------------------------------------------

def create_secure_upload(rt, config, team: str, upload: SpooledFile, keep) -> str:
    """Keep an uploaded file for later detects; its media token (a JWT valid one hour)."""
    limit = config.max_secure_upload_bytes
    info = check_file(rt, upload, limit, f"File exceeds {limit / MIB:g} MB limit")
    check_room(rt, upload.size)
    upload_id = rt.ids.hex("resemble-upload")
    ext = kept_ext(upload.filename, default_ext(info))
    path = keep(upload, f"{FILE_PREFIX}upload-{upload_id}.{ext}")
    now = rt.clock.now()
    rt.store.put(UPLOADS, upload_id, {
        "id": upload_id, "team": team, "path": path, "size": upload.size,
        "digest": upload.digest, "filename": upload.filename, "info": info.as_dict(),
        "created_at": iso(now), "purged": False}, scope=team)
    return media_tokens.issue(config.media_token_secret, upload_id=upload_id, team=team, now=now)


def purge_upload(rt, upload_id: str) -> None:
    """A zero-retention detect's secure upload: its bytes go and its token stops working."""
    def purge(upload):
        upload["purged"] = True
        return upload
    upload = rt.store.update(UPLOADS, upload_id, purge)
    if upload is not None:
        rt.spool.discard(os.path.basename(upload["path"]))


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
