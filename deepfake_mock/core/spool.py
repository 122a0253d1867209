"""Uploads streamed to disk: never held whole in memory, digested and size-checked as they arrive."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass


class TooLarge(Exception):
    """The upload passed the byte limit while streaming."""


@dataclass(frozen=True)
class SpooledFile:
    path: str
    size: int
    digest: str          # sha256 hex of the bytes
    filename: str | None
    content_type: str | None


class SpoolWriter:
    """A writable file in the spool directory that hashes and counts what is written to it."""

    CHUNK = 1 << 16

    def __init__(self, directory: str, limit: int | None = None):
        os.makedirs(directory, exist_ok=True)
        fd, self.path = tempfile.mkstemp(dir=directory, prefix="upload-")
        self._file = os.fdopen(fd, "w+b")
        self._hash = hashlib.sha256()
        self.size = 0
        self._limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self._limit is not None and self.size > self._limit:
            raise TooLarge(self.size)
        self._hash.update(data)
        return self._file.write(data)

    def copy_from(self, stream) -> "SpoolWriter":
        while chunk := stream.read(self.CHUNK):
            self.write(chunk)
        return self

    # werkzeug's form parser treats the stream factory's result as a file
    def seek(self, *args):
        return self._file.seek(*args)

    def tell(self):
        return self._file.tell()

    def read(self, *args):
        return self._file.read(*args)

    def flush(self):
        self._file.flush()

    def close(self):
        self._file.close()

    def finish(self, filename: str | None = None, content_type: str | None = None) -> SpooledFile:
        self._file.flush()
        return SpooledFile(self.path, self.size, self._hash.hexdigest(), filename, content_type)

    def discard(self) -> None:
        self._file.close()
        discard(self.path)


def discard(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def keep(spooled: SpooledFile, directory: str, name: str) -> str:
    """Move an accepted upload to its permanent name under the spool directory."""
    target = os.path.join(directory, name)
    os.replace(spooled.path, target)
    return target


def write_bytes(directory: str, data: bytes, filename: str | None = None,
                content_type: str | None = None, limit: int | None = None) -> SpooledFile:
    """Spool bytes that arrived inside a JSON body (base64 frames, Hiya's file field...)."""
    writer = SpoolWriter(directory, limit)
    try:
        writer.write(data)
    except TooLarge:
        writer.discard()
        raise
    spooled = writer.finish(filename, content_type)
    writer.close()
    return spooled


def used_bytes(directory: str, prefix: str = "") -> int:
    """Bytes held by the kept uploads whose names start with ``prefix`` (storage quotas)."""
    try:
        return sum(e.stat().st_size for e in os.scandir(directory)
                   if e.name.startswith(prefix) and e.is_file())
    except FileNotFoundError:
        return 0
