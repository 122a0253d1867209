"""Uploads streamed to disk: never held whole in memory, digested and size-checked as they arrive.

An upload first lands in a temporary ``upload-<pid>-*`` file, named after the process writing
it. A view that accepts it keeps it under a name of its own through ``Spool.keep``, which
records the name in the store's spool ledger first: kept media expire ``retention`` seconds of
emulator time after they were kept, and kept media past ``max_bytes`` leave no room for more. At
server start ``Spool.sweep_orphans`` removes what a killed process left: temporary files of
processes that are gone, and files the ledger does not know (their state was lost).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass

from .leases import pid_alive

TEMP_PREFIX = "upload-"
LEDGER = "spool"  # store collection: one {"name", "kept_at", "size"} per kept file
KEPT_BYTES = "spool:kept_bytes"  # store counter: the bytes the ledger holds
EXPIRE_BATCH = 64


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
        fd, self.path = tempfile.mkstemp(dir=directory, prefix=f"{TEMP_PREFIX}{os.getpid()}-")
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
    """Bytes held by the files whose names start with ``prefix`` (storage quotas); bytes under
    two names (hard links) count once."""
    sizes = {}
    try:
        for entry in os.scandir(directory):
            if entry.name.startswith(prefix) and entry.is_file(follow_symlinks=False):
                try:
                    sizes[entry.inode()] = entry.stat(follow_symlinks=False).st_size
                except FileNotFoundError:
                    continue  # removed while listed
    except FileNotFoundError:
        return 0
    return sum(sizes.values())


def temp_owner(name: str) -> int | None:
    """The pid that writes a temporary upload file (None: not one, or an older unnamed one)."""
    pid = name[len(TEMP_PREFIX):].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


@dataclass(frozen=True)
class Swept:
    files: int
    bytes: int


class Spool:
    """The spool directory, its ledger of kept media in the store, and their bytes (a store
    counter, so that checking room costs no directory walk)."""

    def __init__(self, directory: str, store, clock, *, max_bytes: int | None,
                 retention: float | None):
        self.directory = directory
        self._store = store
        self._clock = clock
        self._max_bytes = max_bytes
        self._retention = retention

    def path(self, name: str) -> str:
        return os.path.join(self.directory, name)

    def keep(self, upload: str, name: str) -> str:
        """Move an accepted upload (its spooled path) to its permanent name, recorded in the
        ledger first so that a sweep never sees it unrecorded; returns the new path."""
        self._record(name, os.path.getsize(upload))
        target = self.path(name)
        os.replace(upload, target)
        return target

    def link(self, source: str, name: str) -> str:
        """A second kept name for kept bytes: a hard link adds no bytes (the copy made on a
        filesystem without links goes uncounted)."""
        self._record(name, 0)
        target = self.path(name)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        return target

    def _record(self, name: str, size: int) -> None:
        self._store.put(LEDGER, name, {"name": name, "kept_at": self._clock.now(), "size": size})
        self._store.incr(KEPT_BYTES, size)

    def discard(self, name: str) -> None:
        """Delete a kept file and its ledger entry (idempotent, across workers)."""
        doc = self._store.get(LEDGER, name)
        discard(self.path(name))
        if doc is not None and self._store.delete(LEDGER, name):
            self._store.incr(KEPT_BYTES, -doc["size"])

    def kept_bytes(self) -> int:
        return self._store.incr(KEPT_BYTES, 0)

    def has_room(self, incoming: int) -> bool:
        """Whether the kept media and ``incoming`` more bytes fit under ``max_bytes``, once
        media past their retention are gone."""
        self.expire()
        return self._max_bytes is None or self.kept_bytes() + incoming <= self._max_bytes

    def expire(self) -> int:
        """Delete kept media older than the retention (emulator time), oldest first; how many."""
        if self._retention is None:
            return 0
        cutoff = self._clock.now() - self._retention
        removed = 0
        while True:
            oldest = self._store.scan(LEDGER, limit=EXPIRE_BATCH)
            expired = [doc["name"] for doc in oldest if doc["kept_at"] <= cutoff]
            for name in expired:
                self.discard(name)
            removed += len(expired)
            if len(expired) < EXPIRE_BATCH:
                return removed

    def sweep_orphans(self, alive=pid_alive) -> Swept:
        """Remove temporary files whose writer is gone and kept files the ledger does not know,
        then count the kept bytes afresh. For a start, before any worker: the directory is
        listed before the ledger is read (a file kept meanwhile is recorded), but the count
        would miss what is kept while it runs."""
        try:
            entries = [e for e in os.scandir(self.directory) if e.is_file(follow_symlinks=False)]
        except FileNotFoundError:
            entries = []
        ledger = self._store.scan(LEDGER)
        known = {doc["name"] for doc in ledger}
        files = size = 0
        for entry in entries:
            if entry.name.startswith(TEMP_PREFIX):
                owner = temp_owner(entry.name)
                if owner is not None and alive(owner):
                    continue
            elif entry.name in known:
                continue
            try:
                size += entry.stat().st_size
                os.unlink(entry.path)
            except FileNotFoundError:
                continue
            files += 1
        self._store.incr(KEPT_BYTES, sum(doc["size"] for doc in ledger) - self.kept_bytes())
        return Swept(files, size)
