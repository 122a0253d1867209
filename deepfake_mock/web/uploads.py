"""Uploads go straight to the spool directory as werkzeug parses them (never whole in memory),
hashed and counted on the way. Files a view does not ``keep`` are deleted when the request ends."""

from __future__ import annotations

from flask import Request, request
from werkzeug.datastructures import FileStorage

from ..core import spool
from ..core.spool import SpooledFile, SpoolWriter
from .vendor import runtime


class SpoolingRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):
        writer = SpoolWriter(runtime().spool_dir)
        self.__dict__.setdefault("spool_writers", []).append(writer)
        return writer


def spooled_file(field: str) -> SpooledFile | None:
    """The multipart file in ``field``, already on disk, or None if the field is absent."""
    storage: FileStorage | None = request.files.get(field)
    if storage is None:
        return None
    writer = storage.stream
    if not isinstance(writer, SpoolWriter):  # werkzeug keeps tiny parts in memory
        writer = _track(SpoolWriter(runtime().spool_dir).copy_from(writer))
    return writer.finish(storage.filename, storage.mimetype or None)


def spool_body(limit: int | None = None) -> SpooledFile:
    """The raw request body (e.g. ``application/octet-stream``), streamed to disk.

    Raises ``spool.TooLarge`` past ``limit`` bytes (the partial file is removed).
    """
    writer = _track(SpoolWriter(runtime().spool_dir, limit))
    writer.copy_from(request.stream)
    return writer.finish(None, request.mimetype or None)


def spool_bytes(data: bytes, filename: str | None = None,
                content_type: str | None = None) -> SpooledFile:
    """Bytes that came inside a JSON body (base64 media), written to the spool."""
    spooled = spool.write_bytes(runtime().spool_dir, data, filename, content_type)
    _track_path(spooled.path)
    return spooled


def spool_raw_body() -> SpoolWriter:
    """The raw body, spooled and read again from the start: the request's stream is the copy, so
    a step may look at the body (digest it, forward it) and the view still reads all of it."""
    writer = _track(SpoolWriter(runtime().spool_dir))
    writer.copy_from(request.stream)
    writer.flush()
    writer.seek(0)
    request.__dict__["stream"] = writer  # werkzeug's cached stream property
    return writer


def keep(spooled: SpooledFile, name: str) -> str:
    """Keep an accepted upload under ``name`` in the spool; returns its path."""
    return runtime().spool.keep(spooled.path, name)


def _track(writer: SpoolWriter) -> SpoolWriter:
    request.__dict__.setdefault("spool_writers", []).append(writer)
    return writer


def _track_path(path: str) -> None:
    request.__dict__.setdefault("spool_paths", []).append(path)


def discard_unkept() -> None:
    """Teardown: delete every spooled file of this request that no view kept."""
    kept = request.__dict__
    for writer in kept.get("spool_writers", ()):
        writer.discard()
    for path in kept.get("spool_paths", ()):
        spool.discard(path)
