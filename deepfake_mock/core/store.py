"""State storage: one interface, two backends.

Documents live in named collections, optionally under a ``scope`` (a team, a space...) so that
scoped listings stay cheap. Counters carry an optional window end (rate-limit windows): a count
stored for another window starts over, wherever the clock moved. Meta holds small singletons
(clock, seed, rules). Logs are bounded append-only lists (the request journal). Tallies are
named counts that ``reset`` keeps (coverage of a whole client test run outlives the reset
between its tests); an append may count one for a tally in the same commit. ``pin_meta`` reads
every meta row once and serves meta reads from that snapshot until ``unpin_meta`` (one query
per request instead of one per knob).

``SQLiteStore`` is shared by every gunicorn worker and survives a restart; ``MemoryStore`` is
for a single process (tests, the in-process pytest plugin).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from typing import Callable, Protocol

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
    def pin_meta(self) -> None: ...
    def unpin_meta(self) -> None: ...
    def append_log(self, log: str, doc: Doc, bound: int, tally: str | None = None) -> None: ...
    def read_log(self, log: str, limit: int | None = None) -> list[Doc]: ...
    def clear_log(self, log: str) -> None: ...
    def clear(self, collection: str) -> None: ...
    def tallies(self) -> dict[str, int]: ...
    def clear_tallies(self) -> None: ...
    def reset(self) -> None: ...


def _dumps(doc: Doc) -> str:
    return json.dumps(doc, separators=(",", ":"))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL, key TEXT NOT NULL, scope TEXT, doc TEXT NOT NULL,
    UNIQUE (collection, key));
CREATE INDEX IF NOT EXISTS docs_scope ON docs (collection, scope, seq);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, log TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logs_log ON logs (log, seq);
CREATE TABLE IF NOT EXISTS tallies (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def _counted(stored: tuple | None, window_end: float | None) -> tuple[int, float | None]:
    """A counter's (value, window end) before an increment: a count stored for a window other
    than ``window_end`` (when given) starts over, so windows follow the clock however it moved."""
    if stored is None or (window_end is not None and stored[1] != window_end):
        return 0, window_end
    return stored[0], stored[1]


class SQLiteStore:
    """SQLite in WAL mode; one connection per thread, opened lazily (so forked workers get their own)."""

    def __init__(self, path: str):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._local = threading.local()
        self._pid = os.getpid()
        self._appends: dict[str, int] = {}
        self._appends_lock = threading.Lock()
        with self._conn() as conn:
            conn.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._pid != os.getpid():
            self._pid = os.getpid()
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def _write(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        return self._conn().execute(sql, args)

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
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT doc FROM docs WHERE collection=? AND key=?",
                               (collection, key)).fetchone()
            if row is None:
                conn.execute("COMMIT")
                return None
            doc = json.loads(row[0])
            new = change(doc)
            if new is not None:
                conn.execute("UPDATE docs SET doc=? WHERE collection=? AND key=?",
                             (_dumps(new), collection, key))
                doc = new
            conn.execute("COMMIT")
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
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT value, expires_at FROM counters WHERE key=?", (key,)).fetchone()
            value, expires_at = _counted(row, expires_at)
            value += amount
            conn.execute("INSERT INTO counters (key, value, expires_at) VALUES (?,?,?) "
                         "ON CONFLICT (key) DO UPDATE SET value=excluded.value, expires_at=excluded.expires_at",
                         (key, value, expires_at))
            conn.execute("COMMIT")
            return value
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def pin_meta(self):
        rows = self._conn().execute("SELECT key, doc FROM meta").fetchall()
        self._local.meta = {key: doc for key, doc in rows}

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
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT doc FROM meta WHERE key=?", (key,)).fetchone()
            new = change(json.loads(row[0]) if row else None)
            if new is not None:
                conn.execute("INSERT INTO meta (key, doc) VALUES (?,?) ON CONFLICT (key) "
                             "DO UPDATE SET doc=excluded.doc", (key, _dumps(new)))
                self._pinned_set(key, _dumps(new))
            conn.execute("COMMIT")
            return new
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    TRIM_EVERY = 64

    def append_log(self, log, doc, bound, tally=None):
        raw = _dumps(doc)  # before the write lock is taken
        if tally is None:
            self._write("INSERT INTO logs (log, doc) VALUES (?,?)", (log, raw))
        else:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT INTO logs (log, doc) VALUES (?,?)", (log, raw))
                conn.execute("INSERT INTO tallies (key, value) VALUES (?, 1) "
                             "ON CONFLICT (key) DO UPDATE SET value = value + 1", (tally,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        with self._appends_lock:  # counted per process, whatever thread appends
            self._appends[log] = count = self._appends.get(log, 0) + 1
        if count % self.TRIM_EVERY == 0:  # trim in batches: one DELETE per 64 appends
            self._write("DELETE FROM logs WHERE log=? AND seq <= (SELECT seq FROM logs WHERE log=? "
                        "ORDER BY seq DESC LIMIT 1 OFFSET ?)", (log, log, bound))

    def read_log(self, log, limit=None):
        rows = self._conn().execute(
            "SELECT doc FROM logs WHERE log=? ORDER BY seq DESC LIMIT ?",
            (log, -1 if limit is None else limit)).fetchall()
        return [json.loads(r[0]) for r in reversed(rows)]

    def clear_log(self, log):
        self._write("DELETE FROM logs WHERE log=?", (log,))

    def clear(self, collection):
        self._write("DELETE FROM docs WHERE collection=?", (collection,))

    def tallies(self):
        return dict(self._conn().execute("SELECT key, value FROM tallies").fetchall())

    def clear_tallies(self):
        self._write("DELETE FROM tallies")

    def reset(self):
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        for table in ("docs", "counters", "meta", "logs"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("COMMIT")
        if getattr(self._local, "meta", None) is not None:
            self._local.meta = {}


class MemoryStore:
    """The same interface over dicts, for one process."""

    def __init__(self):
        self._lock = threading.RLock()
        self._tallies: dict[str, int] = {}
        self.reset()

    def reset(self):
        with self._lock:
            self._docs: dict[str, dict[str, tuple[str | None, str]]] = {}
            self._counters: dict[str, tuple[int, float | None]] = {}
            self._meta: dict[str, str] = {}
            self._logs: dict[str, list[str]] = {}

    def get(self, collection, key):
        entry = self._docs.get(collection, {}).get(key)
        return json.loads(entry[1]) if entry else None

    def put(self, collection, key, doc, scope=None):
        with self._lock:
            self._docs.setdefault(collection, {})[key] = (scope, _dumps(doc))

    def insert(self, collection, key, doc, scope=None):
        with self._lock:
            docs = self._docs.setdefault(collection, {})
            if key in docs:
                return False
            docs[key] = (scope, _dumps(doc))
            return True

    def delete(self, collection, key):
        with self._lock:
            return self._docs.get(collection, {}).pop(key, None) is not None

    def update(self, collection, key, change):
        with self._lock:
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
        with self._lock:
            self._meta[key] = _dumps(doc)

    def delete_meta(self, key):
        with self._lock:
            self._meta.pop(key, None)

    def update_meta(self, key, change):
        with self._lock:
            new = change(self.get_meta(key))
            if new is not None:
                self._meta[key] = _dumps(new)
            return new

    def pin_meta(self):
        """Meta reads are dict lookups here: nothing to pin."""

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
        with self._lock:
            self._docs.pop(collection, None)

    def tallies(self):
        with self._lock:
            return dict(self._tallies)

    def clear_tallies(self):
        with self._lock:
            self._tallies.clear()


def open_store(location: str) -> Store:
    """``memory`` for a MemoryStore, anything else is a SQLite file path."""
    return MemoryStore() if location in ("memory", ":memory:") else SQLiteStore(location)
