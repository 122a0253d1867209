"""Fault rules: a closed vocabulary, scoped by vendor and operation, consumed by count."""

from __future__ import annotations

import multiprocessing

import pytest

from deepfake_mock.core.errors import AdminError
from deepfake_mock.core.faults import FAULTS, Faults, validate
from deepfake_mock.core.rng import Ids
from deepfake_mock.core.store import MemoryStore, SQLiteStore


@pytest.fixture(params=["memory", "sqlite"])
def faults(request, tmp_path):
    store = MemoryStore() if request.param == "memory" else SQLiteStore(str(tmp_path / "s.db"))
    return Faults(store, Ids(store, lambda: 0))


def test_the_kinds_are_a_closed_list():
    assert FAULTS == ("status", "delay", "drop", "malformed")


@pytest.mark.parametrize("doc, message", [
    ([], "a fault must be an object"),
    ({"fault": "status", "status": 500, "probability": 0.5}, "unknown fault fields: probability"),
    ({}, "fault must be one of status, delay, drop, malformed"),
    ({"fault": "timeout"}, "fault must be one of status, delay, drop, malformed"),
    ({"fault": "status"}, "a status fault needs a status from 400 to 599"),
    ({"fault": "status", "status": 399}, "a status fault needs a status from 400 to 599"),
    ({"fault": "status", "status": 600}, "a status fault needs a status from 400 to 599"),
    ({"fault": "status", "status": "503"}, "a status fault needs a status from 400 to 599"),
    ({"fault": "status", "status": 503.0}, "a status fault needs a status from 400 to 599"),
    ({"fault": "status", "status": True}, "a status fault needs a status from 400 to 599"),
    ({"fault": "delay"}, "a delay fault needs delay_ms from 1 to 60000"),
    ({"fault": "delay", "delay_ms": 0}, "a delay fault needs delay_ms from 1 to 60000"),
    ({"fault": "delay", "delay_ms": 60_001}, "a delay fault needs delay_ms from 1 to 60000"),
    ({"fault": "delay", "delay_ms": True}, "a delay fault needs delay_ms from 1 to 60000"),
    ({"fault": "drop", "times": 0}, "times must be a positive integer"),
    ({"fault": "drop", "times": 2.0}, "times must be a positive integer"),
    ({"fault": "drop", "times": True}, "times must be a positive integer"),
    ({"fault": "drop", "vendor": 1}, "vendor must be a string"),
    ({"fault": "drop", "operation": ["x"]}, "operation must be a string"),
])
def test_validation_errors(doc, message):
    with pytest.raises(AdminError) as err:
        validate(doc)
    assert (err.value.message, err.value.status) == (message, 400)


@pytest.mark.parametrize("doc", [
    {"fault": "status", "status": 400}, {"fault": "status", "status": 599},
    {"fault": "delay", "delay_ms": 1}, {"fault": "delay", "delay_ms": 60_000},
    {"fault": "delay", "delay_ms": 2.5}, {"fault": "drop"},
    {"fault": "malformed", "vendor": "acme", "operation": "detect", "times": 3},
    {"fault": "drop", "status": "ignored", "delay_ms": "ignored"},
    {"fault": "malformed", "vendor": None, "operation": None, "times": None},
])
def test_valid_faults(doc):
    assert validate(doc) is doc


def test_add_stores_the_non_null_fields_with_id_and_used(faults):
    rule = faults.add({"fault": "status", "status": 503, "vendor": "acme", "operation": None})
    assert set(rule) == {"fault", "status", "vendor", "id", "used"}
    assert rule["used"] == 0 and len(rule["id"]) == 36
    assert faults.list() == [rule]


def test_an_invalid_fault_is_not_stored(faults):
    with pytest.raises(AdminError):
        faults.add({"fault": "status"})
    assert faults.list() == []


def test_take_consumes_a_rule_with_times(faults):
    faults.add({"fault": "drop", "times": 2})
    assert faults.take("acme", "detect")["used"] == 1
    assert faults.list()[0]["used"] == 1
    assert faults.take("acme", "detect")["used"] == 2
    assert faults.list() == []
    assert faults.take("acme", "detect") is None


def test_a_rule_without_times_lasts(faults):
    faults.add({"fault": "malformed"})
    for i in range(1, 6):
        assert faults.take("acme", "detect")["used"] == i
    assert faults.list()[0]["used"] == 5


def test_scope_by_vendor_and_operation(faults):
    faults.add({"fault": "status", "status": 503, "vendor": "acme", "operation": "detect"})
    assert faults.take("other", "detect") is None
    assert faults.take("acme", "poll") is None
    assert faults.take("acme", None) is None
    assert faults.take("acme", "detect")["status"] == 503


def test_a_rule_without_operation_matches_unrouted_requests_too(faults):
    faults.add({"fault": "drop", "vendor": "acme"})
    assert faults.take("acme", None) is not None
    assert faults.take("acme", "anything") is not None


def test_the_first_matching_rule_wins(faults):
    faults.add({"fault": "status", "status": 500, "vendor": "other", "times": 1})
    faults.add({"fault": "status", "status": 502, "times": 1})
    faults.add({"fault": "status", "status": 503, "times": 1})
    assert faults.take("acme", "x")["status"] == 502
    assert faults.take("acme", "x")["status"] == 503
    assert faults.take("acme", "x") is None
    assert faults.take("other", "x")["status"] == 500


def test_clear(faults):
    faults.add({"fault": "drop"})
    faults.add({"fault": "malformed"})
    faults.clear()
    assert faults.list() == [] and faults.take("acme", "x") is None


def test_a_pinned_request_still_consumes_each_use_once(tmp_path):
    """A worker reads faults from its per-request meta snapshot; taking one is still atomic."""
    path = str(tmp_path / "state.sqlite3")
    worker, admin = SQLiteStore(path), SQLiteStore(path)
    Faults(admin, Ids(admin, lambda: 0)).add({"fault": "drop", "times": 1})
    worker.pin_meta()
    admin.pin_meta()
    try:
        assert Faults(admin, Ids(admin, lambda: 0)).take("acme", "x") is not None
        assert Faults(worker, Ids(worker, lambda: 0)).take("acme", "x") is None  # stale snapshot
    finally:
        worker.unpin_meta()
        admin.unpin_meta()


TAKES = 60


def _take_faults(path, start, done):
    store = SQLiteStore(path)
    faults = Faults(store, Ids(store, lambda: 0))
    start.wait()
    done.put(sum(faults.take("acme", "detect") is not None for _ in range(TAKES)))


def test_times_holds_across_processes(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    store = SQLiteStore(path)
    Faults(store, Ids(store, lambda: 0)).add({"fault": "status", "status": 503, "times": 70})
    ctx = multiprocessing.get_context("fork")
    start, done = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_take_faults, args=(path, start, done)) for _ in range(2)]
    for w in workers:
        w.start()
    start.set()
    taken = [done.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert sum(taken) == 70
    assert Faults(store, Ids(store, lambda: 0)).list() == []
