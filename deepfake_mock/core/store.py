"""State storage: one interface, two backends.

Documents live in named collections, optionally under a ``scope`` (a team, a space...) so that
scoped listings stay cheap. Counters carry an optional window end (rate-limit windows): a count
stored for another window starts over, wherever the clock moved. Meta holds small singletons
(clock, seed, rules). Logs are bounded append-only lists (the request journal). Tallies are
named counts that ``reset`` keeps (coverage of a whole client test run outlives the reset
between its tests); an append may count one for a tally as it is made. ``pin_meta`` serves
meta reads from one snapshot until ``unpin_meta`` (one check per request instead of one query per
knob). ``version`` changes whenever anything but a counter, log or tally changed, in any
process: what read caches revalidate against.

``SQLiteStore`` is shared by every gunicorn worker and survives a restart (its logs and tallies
are ``worker_logs``'s, one file per process); ``MemoryStore`` is for a single process (tests, the
in-process pytest plugin).
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import mmap
import os
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from typing import Callable, Hashable, Protocol

from .worker_logs import WorkerLogs

Doc = dict


class Store(Protocol):
    def get(self, collection: str, key: str) -> Doc | None: ...
    def put(self, collection: str, key: str, doc: Doc, scope: str | None = None) -> None: ...
    def insert(self, collection: str, key: str, doc: Doc, scope: str | None = None) -> bool: ...
    def delete(self, collection: str, key: str) -> bool: ...
    def update(self, collection: str, key: str, change: Callable[[Doc], Doc | None]) -> Doc | None: ...
    def scan(self, collection: str, scope: str | None = None, offset: int = 0,
             limit: int | None = None, newest_first: bool = False) -> list[Doc]: ...
    def count(self, collection: str, scope: str | None = None) -> int: ...
    def incr(self, key: str, amount: int = 1, expires_at: float | None = None) -> int: ...
    def get_meta(self, key: str) -> Doc | None: ...
    def put_meta(self, key: str, doc: Doc) -> None: ...
    def delete_meta(self, key: str) -> None: ...
    def update_meta(self, key: str, change: Callable[[Doc | None], Doc | None]) -> Doc | None: ...
    def pin_meta(self) -> Hashable: ...
    def unpin_meta(self) -> None: ...
    def version(self) -> Hashable: ...
    def append_log(self, log: str, doc: Doc | str | list[str], bound: int,
                   tally: str | None = None) -> None: ...
    def read_log(self, log: str, limit: int | None = None) -> list[Doc]: ...
    def clear_log(self, log: str) -> None: ...
    def clear(self, collection: str) -> None: ...
    def tallies(self) -> dict[str, int]: ...
    def clear_tallies(self) -> None: ...
    def fold_logs(self, keep: int) -> None: ...
    def reset(self) -> None: ...


def _dumps(doc: Doc | str | list[str]) -> str:
    """A document's JSON text (a ``str`` is JSON text already; a list, pieces of it)."""
    if isinstance(doc, list):
        return "".join(doc)
    return doc if isinstance(doc, str) else json.dumps(doc, separators=(",", ":"))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL, key TEXT NOT NULL, scope TEXT, doc TEXT NOT NULL,
    UNIQUE (collection, key));
CREATE INDEX IF NOT EXISTS docs_scope ON docs (collection, scope, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counting.counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL,
                                              expires_at REAL);
"""


def _counted(stored: tuple | None, window_end: float | None) -> tuple[int, float | None]:
    """A counter's (value, window end) before an increment: a count stored for a window other
    than ``window_end`` (when given) starts over, so windows follow the clock however it moved."""
    if stored is None or (window_end is not None and stored[1] != window_end):
        return 0, window_end
    return stored[0], stored[1]


class Changes:
    """How many times the state changed, shared by every process on the host through a
    memory-mapped file: a writer counts one after each commit, a reader reads it without a
    system call (what ``version`` returns)."""

    def __init__(self, path: str):
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        weakref.finalize(self, os.close, self._fd)
        if os.fstat(self._fd).st_size < 8:
            os.ftruncate(self._fd, 8)
        self._map = mmap.mmap(self._fd, 8)
        self._count = ctypes.c_uint64.from_buffer(self._map)  # aligned: read and written whole
        self._lock = threading.Lock()

    def read(self) -> int:
        return self._count.value

    def count(self) -> None:
        with self._lock:  # flock excludes other processes, not this one's other threads
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                self._count.value += 1
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


def logs_folder(state_path: str) -> str:
    """Where a SQLite state's logs and tallies live: ``var/state.sqlite3`` -> ``var/state.logs``."""
    return os.path.splitext(state_path)[0] + ".logs"


def changes_file(state_path: str) -> str:
    """Where a SQLite state's count of changes (``Changes``) lives."""
    return os.path.splitext(state_path)[0] + ".changes"


def counters_file(state_path: str) -> str:
    """A SQLite state's counters (rate-limit windows, credits and quotas spent) have a file of
    their own, so that counting a request leaves the state's version as it was."""
    return os.path.splitext(state_path)[0] + ".counters.sqlite3"


class SQLiteStore:
    """SQLite in WAL mode; one connection per thread, opened lazily (so forked workers get their own)."""

    def __init__(self, path: str):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._local = threading.local()
        self._pid = os.getpid()
        self.logs = WorkerLogs(logs_folder(path))
        self._changes = Changes(changes_file(path))
        self._changes.count()  # a process that died between a commit and its count is forgotten
        conn = self._conn()
        conn.executescript(_SCHEMA)
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name='counters'").fetchone():
            conn.executescript("INSERT OR REPLACE INTO counting.counters SELECT * FROM main.counters;"
                               "DROP TABLE main.counters;")  # a state file of an earlier version

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._pid != os.getpid():
            self._pid = os.getpid()
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("ATTACH DATABASE ? AS counting", (counters_file(self.path),))
            for schema in ("main", "counting"):
                conn.execute(f"PRAGMA {schema}.journal_mode=WAL")
                conn.execute(f"PRAGMA {schema}.synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def _write(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        """One statement, committed, and counted as a change."""
        cursor = self._conn().execute(sql, args)
        self._changes.count()
        return cursor

    def _begin(self) -> sqlite3.Connection:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        return conn

    def _commit(self, conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")
        self._changes.count()

    def version(self):
        """The count of the state's changes, by any process or thread."""
        return self._changes.read()

    def get(self, collection, key):
        row = self._conn().execute(
            "SELECT doc FROM docs WHERE collection=? AND key=?", (collection, key)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, collection, key, doc, scope=None):
        self._write("INSERT INTO docs (collection, key, scope, doc) VALUES (?,?,?,?) "
                    "ON CONFLICT (collection, key) DO UPDATE SET doc=excluded.doc, scope=excluded.scope",
                    (collection, key, scope, _dumps(doc)))

    def insert(self, collection, key, doc, scope=None):
        cur = self._write("INSERT OR IGNORE INTO docs (collection, key, scope, doc) VALUES (?,?,?,?)",
                          (collection, key, scope, _dumps(doc)))
        return cur.rowcount == 1

    def delete(self, collection, key):
        return self._write("DELETE FROM docs WHERE collection=? AND key=?",
                           (collection, key)).rowcount == 1

    def update(self, collection, key, change):
        conn = self._begin()
        try:
            row = conn.execute("SELECT doc FROM docs WHERE collection=? AND key=?",
                               (collection, key)).fetchone()
            if row is None:
                self._commit(conn)
                return None
            doc = json.loads(row[0])
            new = change(doc)
            if new is not None:
                conn.execute("UPDATE docs SET doc=? WHERE collection=? AND key=?",
                             (_dumps(new), collection, key))
                doc = new
            self._commit(conn)
            return doc
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def scan(self, collection, scope=None, offset=0, limit=None, newest_first=False):
        where, args = "collection=?", [collection]
        if scope is not None:
            where += " AND scope=?"
            args.append(scope)
        order = "DESC" if newest_first else "ASC"
        rows = self._conn().execute(
            f"SELECT doc FROM docs WHERE {where} ORDER BY seq {order} LIMIT ? OFFSET ?",
            (*args, -1 if limit is None else limit, offset)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, collection, scope=None):
        if scope is None:
            row = self._conn().execute("SELECT COUNT(*) FROM docs WHERE collection=?",
                                       (collection,)).fetchone()
        else:
            row = self._conn().execute("SELECT COUNT(*) FROM docs WHERE collection=? AND scope=?",
                                       (collection, scope)).fetchone()
        return row[0]

    def incr(self, key, amount=1, expires_at=None):
        if amount == 0:  # a read
            row = self._conn().execute("SELECT value, expires_at FROM counting.counters WHERE key=?",
                                       (key,)).fetchone()
            return _counted(row, expires_at)[0]
        conn = self._conn()  # counters are not the state's version: not counted as its write
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT value, expires_at FROM counting.counters WHERE key=?",
                               (key,)).fetchone()
            value, expires_at = _counted(row, expires_at)
            value += amount
            conn.execute("INSERT INTO counting.counters (key, value, expires_at) VALUES (?,?,?) "
                         "ON CONFLICT (key) DO UPDATE SET value=excluded.value, expires_at=excluded.expires_at",
                         (key, value, expires_at))
            conn.execute("COMMIT")
            return value
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def pin_meta(self):
        """Re-read the meta rows only when the state changed since this thread last read them;
        the version they were read at."""
        version = self.version()
        cached = getattr(self._local, "meta_cache", None)  # this thread's
        if cached is None or cached[0] != version:
            rows = self._conn().execute("SELECT key, doc FROM meta").fetchall()
            cached = self._local.meta_cache = (version, dict(rows))
        self._local.meta = cached[1]
        return version

    def unpin_meta(self):
        self._local.meta = None

    def get_meta(self, key):
        pinned = getattr(self._local, "meta", None)
        if pinned is not None:
            raw = pinned.get(key)
        else:
            row = self._conn().execute("SELECT doc FROM meta WHERE key=?", (key,)).fetchone()
            raw = row[0] if row else None
        return json.loads(raw) if raw else None

    def _pinned_set(self, key, raw):
        """This thread's own meta write, into the snapshot it has pinned; the next pin reads
        the rows afresh."""
        self._local.meta_cache = None
        pinned = getattr(self._local, "meta", None)
        if pinned is not None:
            if raw is None:
                pinned.pop(key, None)
            else:
                pinned[key] = raw

    def put_meta(self, key, doc):
        raw = _dumps(doc)
        self._write("INSERT INTO meta (key, doc) VALUES (?,?) "
                    "ON CONFLICT (key) DO UPDATE SET doc=excluded.doc", (key, raw))
        self._pinned_set(key, raw)

    def delete_meta(self, key):
        self._write("DELETE FROM meta WHERE key=?", (key,))
        self._pinned_set(key, None)

    def update_meta(self, key, change):
        conn = self._begin()
        try:
            row = conn.execute("SELECT doc FROM meta WHERE key=?", (key,)).fetchone()
            new = change(json.loads(row[0]) if row else None)
            if new is not None:
                conn.execute("INSERT INTO meta (key, doc) VALUES (?,?) ON CONFLICT (key) "
                             "DO UPDATE SET doc=excluded.doc", (key, _dumps(new)))
                self._pinned_set(key, _dumps(new))
            self._commit(conn)
            return new
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def append_log(self, log, doc, bound, tally=None):
        """``doc`` as pieces of JSON text, ``worker_logs.Shared`` ones stored once per file."""
        self.logs.append(log, doc if isinstance(doc, list) else [_dumps(doc)], bound, tally)

    def read_log(self, log, limit=None):
        return self.logs.read(log, limit)

    def clear_log(self, log):
        self.logs.clear(log)

    def clear(self, collection):
        self._write("DELETE FROM docs WHERE collection=?", (collection,))

    def tallies(self):
        return self.logs.tallies()

    def clear_tallies(self):
        self.logs.clear_tallies()

    def fold_logs(self, keep):
        """At server start, before any worker: the previous run's files become one."""
        self.logs.consolidate(keep)

    def reset(self):
        conn = self._begin()
        for table in ("docs", "counting.counters", "meta"):
            conn.execute(f"DELETE FROM {table}")
        self._commit(conn)
        self._local.meta_cache = None
        if getattr(self._local, "meta", None) is not None:
            self._local.meta = {}
        self.logs.clear()


class MemoryStore:
    """The same interface over dicts, for one process."""

    def __init__(self):
        self._lock = threading.RLock()
        self._tallies: dict[str, int] = {}
        self._version = 0
        self.reset()

    @contextmanager
    def _changing(self):
        """The lock, for a change: the version moves on."""
        with self._lock:
            self._version += 1
            yield

    def version(self):
        return self._version

    def reset(self):
        with self._changing():
            self._docs: dict[str, dict[str, tuple[str | None, str]]] = {}
            self._counters: dict[str, tuple[int, float | None]] = {}
            self._meta: dict[str, str] = {}
            self._logs: dict[str, list[str]] = {}

    def get(self, collection, key):
        entry = self._docs.get(collection, {}).get(key)
        return json.loads(entry[1]) if entry else None

    def put(self, collection, key, doc, scope=None):
        with self._changing():
            self._docs.setdefault(collection, {})[key] = (scope, _dumps(doc))

    def insert(self, collection, key, doc, scope=None):
        with self._changing():
            docs = self._docs.setdefault(collection, {})
            if key in docs:
                return False
            docs[key] = (scope, _dumps(doc))
            return True

    def delete(self, collection, key):
        with self._changing():
            return self._docs.get(collection, {}).pop(key, None) is not None

    def update(self, collection, key, change):
        with self._changing():
            entry = self._docs.get(collection, {}).get(key)
            if entry is None:
                return None
            doc = json.loads(entry[1])
            new = change(doc)
            if new is None:
                return doc
            self._docs[collection][key] = (entry[0], _dumps(new))
            return new

    def _scoped(self, collection, scope):
        return [doc for s, doc in self._docs.get(collection, {}).values()
                if scope is None or s == scope]

    def scan(self, collection, scope=None, offset=0, limit=None, newest_first=False):
        with self._lock:
            docs = self._scoped(collection, scope)
        if newest_first:
            docs.reverse()
        end = None if limit is None else offset + limit
        return [json.loads(d) for d in docs[offset:end]]

    def count(self, collection, scope=None):
        with self._lock:
            return len(self._scoped(collection, scope))

    def incr(self, key, amount=1, expires_at=None):
        with self._lock:
            value, expiry = _counted(self._counters.get(key), expires_at)
            value += amount
            self._counters[key] = (value, expiry)
            return value

    def get_meta(self, key):
        raw = self._meta.get(key)
        return json.loads(raw) if raw else None

    def put_meta(self, key, doc):
        with self._changing():
            self._meta[key] = _dumps(doc)

    def delete_meta(self, key):
        with self._changing():
            self._meta.pop(key, None)

    def update_meta(self, key, change):
        with self._changing():
            new = change(self.get_meta(key))
            if new is not None:
                self._meta[key] = _dumps(new)
            return new

    def pin_meta(self):
        """Meta reads are dict lookups here: nothing to pin; the version."""
        return self._version

    def unpin_meta(self):
        """See pin_meta."""

    def append_log(self, log, doc, bound, tally=None):
        with self._lock:
            if tally is not None:
                self._tallies[tally] = self._tallies.get(tally, 0) + 1
            entries = self._logs.setdefault(log, [])
            entries.append(_dumps(doc))
            if len(entries) > bound:
                del entries[: len(entries) - bound]

    def read_log(self, log, limit=None):
        with self._lock:
            entries = self._logs.get(log, [])
            chosen = entries if limit is None else entries[-limit:] if limit else []
            return [json.loads(e) for e in chosen]

    def clear_log(self, log):
        with self._lock:
            self._logs.pop(log, None)

    def clear(self, collection):
        with self._changing():
            self._docs.pop(collection, None)

    def tallies(self):
        with self._lock:
            return dict(self._tallies)

    def clear_tallies(self):
        with self._lock:
            self._tallies.clear()

    def fold_logs(self, keep):
        """One process, one list per log: nothing to fold."""


def open_store(location: str) -> Store:
    """``memory`` for a MemoryStore, anything else is a SQLite file path."""
    return MemoryStore() if location in ("memory", ":memory:") else SQLiteStore(location)
