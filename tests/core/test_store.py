"""The storage interface, run identically over MemoryStore and SQLiteStore."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from deepfake_mock.core.store import MemoryStore, SQLiteStore, open_store


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    if request.param == "memory":
        return MemoryStore()
    return SQLiteStore(str(tmp_path / "state.sqlite3"))


def keys(docs):
    return [d["k"] for d in docs]


# ---- documents -------------------------------------------------------------------------------

def test_get_of_a_missing_document_is_none(store):
    assert store.get("things", "nope") is None


def test_put_then_get_returns_an_equal_copy(store):
    doc = {"k": "a", "nested": {"list": [1, 2.5, None, "x"]}, "flag": True}
    store.put("things", "a", doc)
    got = store.get("things", "a")
    assert got == doc
    got["nested"]["list"].append(99)
    assert store.get("things", "a") == doc  # the store holds its own copy


def test_put_replaces_and_collections_are_separate(store):
    store.put("things", "a", {"v": 1})
    store.put("things", "a", {"v": 2})
    store.put("others", "a", {"v": 3})
    assert store.get("things", "a") == {"v": 2}
    assert store.get("others", "a") == {"v": 3}
    assert store.count("things") == 1


def test_insert_refuses_an_existing_key(store):
    assert store.insert("things", "a", {"v": 1}) is True
    assert store.insert("things", "a", {"v": 2}) is False
    assert store.get("things", "a") == {"v": 1}
    assert store.insert("others", "a", {"v": 3}) is True


def test_delete_says_whether_something_was_deleted(store):
    store.put("things", "a", {"v": 1})
    assert store.delete("things", "a") is True
    assert store.delete("things", "a") is False
    assert store.get("things", "a") is None


def test_update_writes_what_the_change_returns(store):
    store.put("things", "a", {"n": 1}, scope="team-1")

    def bump(doc):
        doc["n"] += 1
        return doc

    assert store.update("things", "a", bump) == {"n": 2}
    assert store.get("things", "a") == {"n": 2}


def test_update_keeps_the_scope(store):
    store.put("things", "a", {"k": "a", "n": 1}, scope="team-1")
    store.update("things", "a", lambda doc: {**doc, "n": 5})
    assert store.scan("things", scope="team-1") == [{"k": "a", "n": 5}]


def test_update_returning_none_writes_nothing_and_returns_the_document(store):
    store.put("things", "a", {"n": 1})
    assert store.update("things", "a", lambda doc: None) == {"n": 1}
    assert store.get("things", "a") == {"n": 1}


def test_update_of_a_missing_document_does_not_call_the_change(store):
    called = []
    assert store.update("things", "nope", lambda doc: called.append(doc)) is None
    assert called == []


def test_update_that_raises_changes_nothing(store):
    store.put("things", "a", {"n": 1})

    def boom(doc):
        doc["n"] = 100
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.update("things", "a", boom)
    assert store.get("things", "a") == {"n": 1}
    store.put("things", "b", {"n": 2})  # and the store is still usable
    assert store.get("things", "b") == {"n": 2}


# ---- scans and counts ------------------------------------------------------------------------

@pytest.fixture
def filled(store):
    for i in range(10):
        store.put("jobs", f"j{i}", {"k": i}, scope="even" if i % 2 == 0 else "odd")
    store.put("other", "x", {"k": "x"}, scope="even")
    return store


def test_scan_is_in_insertion_order(filled):
    assert keys(filled.scan("jobs")) == list(range(10))


def test_scan_by_scope(filled):
    assert keys(filled.scan("jobs", scope="even")) == [0, 2, 4, 6, 8]
    assert keys(filled.scan("jobs", scope="odd")) == [1, 3, 5, 7, 9]
    assert filled.scan("jobs", scope="nobody") == []


def test_scan_offset_and_limit(filled):
    assert keys(filled.scan("jobs", offset=3, limit=4)) == [3, 4, 5, 6]
    assert keys(filled.scan("jobs", offset=8)) == [8, 9]
    assert keys(filled.scan("jobs", offset=20)) == []
    assert keys(filled.scan("jobs", limit=0)) == []
    assert keys(filled.scan("jobs", scope="odd", offset=1, limit=2)) == [3, 5]


def test_scan_newest_first(filled):
    assert keys(filled.scan("jobs", newest_first=True)) == list(range(9, -1, -1))
    assert keys(filled.scan("jobs", scope="even", newest_first=True, offset=1, limit=2)) == [6, 4]


def test_replacing_a_document_keeps_its_place_and_reinserting_moves_it_last(filled):
    filled.put("jobs", "j3", {"k": 3, "again": True}, scope="odd")
    assert keys(filled.scan("jobs"))[3] == 3
    filled.delete("jobs", "j3")
    filled.put("jobs", "j3", {"k": 3}, scope="odd")
    assert keys(filled.scan("jobs"))[-1] == 3


def test_put_may_move_a_document_to_another_scope(filled):
    filled.put("jobs", "j0", {"k": 0}, scope="odd")
    assert 0 not in keys(filled.scan("jobs", scope="even"))
    assert 0 in keys(filled.scan("jobs", scope="odd"))


def test_count(filled):
    assert filled.count("jobs") == 10
    assert filled.count("jobs", scope="even") == 5
    assert filled.count("jobs", scope="nobody") == 0
    assert filled.count("nothing") == 0


def test_clear_empties_one_collection(filled):
    filled.clear("jobs")
    assert filled.count("jobs") == 0
    assert filled.get("other", "x") == {"k": "x"}


# ---- counters --------------------------------------------------------------------------------

def test_incr_counts_from_zero_by_amount(store):
    assert store.incr("c") == 1
    assert store.incr("c") == 2
    assert store.incr("c", 5) == 7
    assert store.incr("c", -3) == 4
    assert store.incr("other") == 1


def test_incr_counts_within_the_window_it_names(store):
    assert store.incr("w", 1, expires_at=100.0) == 1
    assert store.incr("w", 1, expires_at=100.0) == 2
    assert store.incr("w", 1, expires_at=200.0) == 1  # a later window starts over
    assert store.incr("w", 1, expires_at=200.0) == 2


def test_incr_starts_over_when_the_window_moves_back(store):
    store.incr("w", 5, expires_at=500.0)          # counted while the clock was ahead
    assert store.incr("w", 1, expires_at=100.0) == 1
    assert store.incr("w", 1, expires_at=500.0) == 1  # that window was left: it does not return


def test_incr_without_a_window_keeps_the_stored_one(store):
    store.incr("w", 1, expires_at=1.0)
    assert store.incr("w") == 2
    assert store.incr("w", 1, expires_at=1.0) == 3


# ---- meta, logs, reset -----------------------------------------------------------------------

def test_meta_put_get_delete(store):
    assert store.get_meta("clock") is None
    store.put_meta("clock", {"mode": "manual", "frozen": 1.5})
    store.put_meta("clock", {"mode": "system", "offset": 0.0})
    assert store.get_meta("clock") == {"mode": "system", "offset": 0.0}
    store.put_meta("empty", {})
    assert store.get_meta("empty") == {}
    store.delete_meta("clock")
    store.delete_meta("clock")
    assert store.get_meta("clock") is None


def test_update_meta_reads_and_writes_atomically(store):
    seen = []

    def first(doc):
        seen.append(doc)
        return {"rules": [1]}

    assert store.update_meta("faults", first) == {"rules": [1]}
    assert seen == [None]
    assert store.update_meta("faults", lambda doc: {"rules": doc["rules"] + [2]}) == \
        {"rules": [1, 2]}
    assert store.get_meta("faults") == {"rules": [1, 2]}


def test_update_meta_returning_none_writes_nothing(store):
    store.put_meta("seed", {"seed": 1})
    assert store.update_meta("seed", lambda doc: None) is None
    assert store.update_meta("missing", lambda doc: None) is None
    assert store.get_meta("seed") == {"seed": 1}
    assert store.get_meta("missing") is None


def test_update_meta_that_raises_changes_nothing(store):
    store.put_meta("seed", {"seed": 1})

    def boom(doc):
        doc["seed"] = 2
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.update_meta("seed", boom)
    assert store.get_meta("seed") == {"seed": 1}
    store.put_meta("seed", {"seed": 3})
    assert store.get_meta("seed") == {"seed": 3}


def test_own_meta_writes_are_seen_while_pinned(store):
    store.put_meta("a", {"v": 1})
    store.put_meta("b", {"v": 1})
    store.pin_meta()
    try:
        assert store.get_meta("a") == {"v": 1}
        store.put_meta("a", {"v": 2})
        store.delete_meta("b")
        store.update_meta("c", lambda doc: {"v": 3})
        assert (store.get_meta("a"), store.get_meta("b"), store.get_meta("c")) == \
            ({"v": 2}, None, {"v": 3})
        store.reset()
        assert store.get_meta("a") is None
    finally:
        store.unpin_meta()
    assert store.get_meta("a") is None and store.get_meta("c") is None


def test_a_pinned_sqlite_store_reads_a_snapshot_of_meta(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    worker, admin = SQLiteStore(path), SQLiteStore(path)
    admin.put_meta("clock", {"mode": "manual", "frozen": 1.0})
    worker.pin_meta()
    admin.put_meta("clock", {"mode": "manual", "frozen": 2.0})
    admin.put_meta("seed", {"seed": 9})
    assert worker.get_meta("clock") == {"mode": "manual", "frozen": 1.0}
    assert worker.get_meta("seed") is None
    # another thread of the same store object is not pinned
    seen = []
    thread = threading.Thread(target=lambda: seen.append(worker.get_meta("clock")))
    thread.start()
    thread.join()
    assert seen == [{"mode": "manual", "frozen": 2.0}]
    # update_meta reads the row itself, never the snapshot
    assert worker.update_meta("seed", lambda doc: {"seed": doc["seed"] + 1}) == {"seed": 10}
    worker.unpin_meta()
    assert worker.get_meta("clock") == {"mode": "manual", "frozen": 2.0}
    assert worker.get_meta("seed") == {"seed": 10}


def test_version_moves_on_with_every_change_but_counts_and_logs(store):
    seen = [store.version()]
    for change in (lambda: store.put("things", "a", {"v": 1}),
                   lambda: store.update("things", "a", lambda doc: {"v": 2}),
                   lambda: store.put_meta("seed", {"seed": 1}),
                   lambda: store.update_meta("seed", lambda doc: {"seed": 2}),
                   lambda: store.delete("things", "a"),
                   store.reset):
        change()
        assert store.version() not in seen
        seen.append(store.version())
    store.incr("ratelimit:x", 1, expires_at=10.0)  # counting a request is not a change of state
    store.append_log("journal", {"i": 0}, 10, tally="a")
    assert store.version() == seen[-1]


def test_a_sqlite_store_sees_another_connections_change_in_its_version_and_meta(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    worker, admin = SQLiteStore(path), SQLiteStore(path)
    admin.put_meta("strict", {"mode": "off"})
    pinned_at = worker.pin_meta()
    worker.unpin_meta()
    assert worker.pin_meta() == pinned_at  # nothing changed: the snapshot is reused
    worker.unpin_meta()
    admin.put_meta("strict", {"mode": "reject"})
    assert worker.pin_meta() != pinned_at
    assert worker.get_meta("strict") == {"mode": "reject"}
    worker.unpin_meta()


def test_logs_read_oldest_first_with_the_newest_limit(store):
    for i in range(5):
        store.append_log("journal", {"i": i}, bound=100)
    assert [e["i"] for e in store.read_log("journal")] == [0, 1, 2, 3, 4]
    assert [e["i"] for e in store.read_log("journal", 2)] == [3, 4]
    assert store.read_log("journal", 0) == []
    assert store.read_log("nothing") == []


def test_an_append_may_count_a_tally_which_reset_keeps(store):
    store.append_log("journal", {"i": 0}, 100, tally="a")
    store.append_log("journal", {"i": 1}, 100, tally="a")
    store.append_log("journal", {"i": 2}, 100, tally="b")
    store.append_log("journal", {"i": 3}, 100)
    assert store.tallies() == {"a": 2, "b": 1}
    store.reset()
    assert store.read_log("journal") == []
    assert store.tallies() == {"a": 2, "b": 1}
    store.clear_tallies()
    assert store.tallies() == {}


def test_logs_are_bounded(store):
    bound = 10
    for i in range(300):
        store.append_log("journal", {"i": i}, bound)
    assert [e["i"] for e in store.read_log("journal", bound)] == list(range(290, 300))
    # SQLite trims in batches (one DELETE per 64 appends), so a few more may linger
    assert bound <= len(store.read_log("journal")) < bound + 64


def test_logs_are_bounded_when_two_logs_interleave(store):
    bound = 10
    for i in range(300):
        store.append_log("a", {"i": i}, bound)
        store.append_log("b", {"i": i}, bound)
    for log in ("a", "b"):
        assert [e["i"] for e in store.read_log(log, bound)] == list(range(290, 300))
        assert len(store.read_log(log)) < bound + 64


def test_logs_are_bounded_when_each_append_comes_from_a_new_thread(store):
    """A thread-per-request server (werkzeug's threaded server) appends once per thread."""
    bound = 10
    for i in range(200):
        thread = threading.Thread(target=store.append_log, args=("journal", {"i": i}, bound))
        thread.start()
        thread.join()
    assert [e["i"] for e in store.read_log("journal", bound)] == list(range(190, 200))
    assert len(store.read_log("journal")) < bound + 64


def test_clear_log(store):
    store.append_log("journal", {"i": 1}, 10)
    store.append_log("other", {"i": 2}, 10)
    store.clear_log("journal")
    assert store.read_log("journal") == []
    assert store.read_log("other") == [{"i": 2}]


def test_reset_forgets_everything(store):
    store.put("things", "a", {"v": 1}, scope="s")
    store.incr("c", 3)
    store.put_meta("seed", {"seed": 4})
    store.append_log("journal", {"i": 1}, 10)
    store.reset()
    assert store.get("things", "a") is None
    assert store.count("things") == 0
    assert store.incr("c") == 1
    assert store.get_meta("seed") is None
    assert store.read_log("journal") == []


def test_open_store_picks_the_backend(tmp_path):
    assert isinstance(open_store("memory"), MemoryStore)
    assert isinstance(open_store(":memory:"), MemoryStore)
    path = tmp_path / "sub" / "state.sqlite3"
    assert isinstance(open_store(str(path)), SQLiteStore)
    assert path.exists()


# ---- SQLite shared between stores, threads and processes -------------------------------------

def test_two_sqlite_stores_on_one_file_see_each_others_writes(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    a, b = SQLiteStore(path), SQLiteStore(path)
    a.put("jobs", "j1", {"state": "pending"}, scope="team")
    assert b.get("jobs", "j1") == {"state": "pending"}
    b.update("jobs", "j1", lambda doc: {**doc, "state": "done"})
    assert a.get("jobs", "j1") == {"state": "done"}
    assert b.scan("jobs", scope="team") == [{"state": "done"}]
    assert a.incr("c") == 1 and b.incr("c") == 2 and a.incr("c") == 3
    b.put_meta("clock", {"mode": "manual", "frozen": 5.0})
    assert a.get_meta("clock") == {"mode": "manual", "frozen": 5.0}
    a.append_log("journal", {"i": 1}, 10)
    assert b.read_log("journal") == [{"i": 1}]
    b.reset()
    assert a.get("jobs", "j1") is None


def test_sqlite_state_survives_reopening(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    SQLiteStore(path).put("jobs", "j1", {"v": 1})
    assert SQLiteStore(path).get("jobs", "j1") == {"v": 1}


INCREMENTS = 300


def _incr_in_new_store(path, start, done):
    """A separate process opening the file itself, like another emulator host."""
    store = SQLiteStore(path)
    start.wait()
    for _ in range(INCREMENTS):
        store.incr("hits")
        store.update("jobs", "j", lambda doc: {**doc, "n": doc["n"] + 1})
        store.update_meta("tally", lambda doc: {"n": doc["n"] + 1})
    done.put(os.getpid())


def _incr_in_forked_store(store, start, done):
    """A forked worker using the store object it inherited, like a gunicorn worker."""
    start.wait()
    for _ in range(INCREMENTS):
        store.incr("hits")
        store.update("jobs", "j", lambda doc: {**doc, "n": doc["n"] + 1})
        store.update_meta("tally", lambda doc: {"n": doc["n"] + 1})
    done.put(os.getpid())


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_incr_update_and_update_meta_are_atomic_across_processes(tmp_path, method):
    path = str(tmp_path / "shared.sqlite3")
    store = SQLiteStore(path)
    store.put("jobs", "j", {"n": 0})
    store.put_meta("tally", {"n": 0})
    ctx = multiprocessing.get_context(method)
    start, done = ctx.Event(), ctx.Queue()
    target, arg = ((_incr_in_new_store, path) if method == "spawn"
                   else (_incr_in_forked_store, store))
    workers = [ctx.Process(target=target, args=(arg, start, done)) for _ in range(2)]
    for w in workers:
        w.start()
    start.set()
    pids = {done.get(timeout=120) for _ in workers}
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert len(pids) == 2 and os.getpid() not in pids
    assert store.incr("hits", 0) == 2 * INCREMENTS
    assert store.get("jobs", "j") == {"n": 2 * INCREMENTS}
    assert store.get_meta("tally") == {"n": 2 * INCREMENTS}


def test_every_write_of_every_thread_and_process_counts_one_change(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    SQLiteStore(path)  # opening counts one
    before = SQLiteStore(path).version()

    def bump(count):
        store = SQLiteStore(path)
        threads = [threading.Thread(target=lambda: [store.put_meta("k", {"v": i})
                                                    for i in range(count)]) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    children = [multiprocessing.get_context("fork").Process(target=bump, args=(50,))
                for _ in range(2)]
    for child in children:
        child.start()
    bump(50)
    for child in children:
        child.join(timeout=60)
    # three openings, and 3 processes x 4 threads x 50 writes
    assert SQLiteStore(path).version() == before + 1 + 3 + 3 * 4 * 50
