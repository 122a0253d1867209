"""The SQLite state's logs (the journal, violations) and tallies (coverage), one file per process.

Each process appends to its own SQLite file in a folder beside the state file, so an append never
waits for another worker's lock and never changes the state database (whose version the read
caches of ``store`` watch). An append is committed before the request's answer is sent, so a read
that follows it sees it, whichever worker served it: a read merges every file, by the time each
entry was appended. Appends are not synced to disk (``synchronous=OFF``): a killed process loses
nothing, a machine that loses power may lose the newest entries.

Tallies count in the same statement as the append (a trigger), so coverage and journal agree.
``consolidate`` folds the files of a previous run into one, before any worker starts.
"""

from __future__ import annotations

import heapq
import json
import os
import sqlite3
import threading
import time

_SCHEMA = """
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
CREATE TABLE IF NOT EXISTS logs (seq INTEGER PRIMARY KEY, log TEXT NOT NULL, at INTEGER NOT NULL,
                                 doc TEXT NOT NULL, tally TEXT);
CREATE INDEX IF NOT EXISTS logs_at ON logs (log, at);
CREATE TABLE IF NOT EXISTS tallies (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS tally AFTER INSERT ON logs WHEN new.tally IS NOT NULL BEGIN
    INSERT INTO tallies (key, value) VALUES (new.tally, 1)
    ON CONFLICT (key) DO UPDATE SET value = value + 1;
END;
"""
EARLIER = "earlier.sqlite3"   # what the processes of previous runs appended
TRIM_EVERY = 64               # appends between two trims of a log to its bound
_TRIM = ("DELETE FROM logs WHERE log=? AND at <= "
         "(SELECT at FROM logs WHERE log=? ORDER BY at DESC LIMIT 1 OFFSET ?)")


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.executescript(_SCHEMA)
    return conn


class WorkerLogs:
    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self._pid = None
        self._own: sqlite3.Connection | None = None
        self._own_lock = threading.Lock()      # the threads of one process share its file
        self._appends: dict[str, int] = {}
        self._readers = threading.local()      # per thread: {path: connection}

    # ---- this process's file ---------------------------------------------------------------

    def _own_file(self) -> sqlite3.Connection:
        if self._own is None or self._pid != os.getpid():  # a forked worker gets its own
            self._pid = os.getpid()
            self._own = _connect(os.path.join(self.folder, f"{self._pid}.sqlite3"))
            self._appends = {}
        return self._own

    def append(self, log: str, raw: str, bound: int, tally: str | None = None) -> None:
        """Append ``raw`` (a JSON document) to ``log``; with ``tally``, count one for it."""
        with self._own_lock:
            conn = self._own_file()
            conn.execute("INSERT INTO logs (log, at, doc, tally) VALUES (?,?,?,?)",
                         (log, time.time_ns(), raw, tally))
            self._appends[log] = count = self._appends.get(log, 0) + 1
            if count % TRIM_EVERY == 0:
                conn.execute(_TRIM, (log, log, bound))

    # ---- every process's files -------------------------------------------------------------

    def _files(self) -> list[sqlite3.Connection]:
        """A connection to each file in the folder (this thread's, kept while the file is)."""
        open_ = getattr(self._readers, "open", None)
        if open_ is None:
            open_ = self._readers.open = {}
        names = {n for n in os.listdir(self.folder) if n.endswith(".sqlite3")}
        for gone in set(open_) - names:
            open_.pop(gone).close()
        for name in names - set(open_):
            open_[name] = _connect(os.path.join(self.folder, name))
        return list(open_.values())

    def read(self, log: str, limit: int | None = None) -> list[dict]:
        """The newest ``limit`` entries of ``log`` over every file, oldest first."""
        newest = heapq.merge(*(
            conn.execute("SELECT at, doc FROM logs WHERE log=? ORDER BY at DESC LIMIT ?",
                         (log, -1 if limit is None else limit)).fetchall()
            for conn in self._files()), key=lambda row: row[0], reverse=True)
        rows = list(newest)[:limit] if limit is not None else list(newest)
        return [json.loads(doc) for _, doc in reversed(rows)]

    def clear(self, log: str | None = None) -> None:
        """Forget ``log`` (every log when None) in every file; tallies stay."""
        for conn in self._files():
            if log is None:
                conn.execute("DELETE FROM logs")
            else:
                conn.execute("DELETE FROM logs WHERE log=?", (log,))

    def tallies(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for conn in self._files():
            for key, value in conn.execute("SELECT key, value FROM tallies"):
                total[key] = total.get(key, 0) + value
        return total

    def clear_tallies(self) -> None:
        for conn in self._files():
            conn.execute("DELETE FROM tallies")

    def consolidate(self, keep: int) -> None:
        """Fold every process's file into ``EARLIER`` (the newest ``keep`` entries of each log,
        every tally). Only while no process appends: at server start, before the workers."""
        earlier = _connect(os.path.join(self.folder, EARLIER))
        try:
            for name in sorted(os.listdir(self.folder)):
                if not name.endswith(".sqlite3") or name == EARLIER:
                    continue
                path = os.path.join(self.folder, name)
                earlier.execute("ATTACH DATABASE ? AS old", (path,))
                earlier.execute("BEGIN")
                earlier.execute("INSERT INTO logs (log, at, doc) SELECT log, at, doc FROM old.logs")
                earlier.execute("INSERT INTO tallies (key, value) SELECT key, value FROM old.tallies "
                                "WHERE true ON CONFLICT (key) DO UPDATE SET value = value + excluded.value")
                earlier.execute("COMMIT")
                earlier.execute("DETACH DATABASE old")
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(path + suffix):
                        os.remove(path + suffix)
            for (log,) in earlier.execute("SELECT DISTINCT log FROM logs").fetchall():
                earlier.execute(_TRIM, (log, log, keep))
        finally:
            earlier.close()
