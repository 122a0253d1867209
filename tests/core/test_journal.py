"""The request journal: bounded and searchable (its redaction: tests/security/test_secrets.py)."""

from __future__ import annotations

import pytest

from deepfake_mock.core.errors import AdminError
from deepfake_mock.core.journal import CRITERIA, Journal, exchange_entry, matches
from deepfake_mock.core.store import MemoryStore, SQLiteStore


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    if request.param == "memory":
        return MemoryStore()
    return SQLiteStore(str(tmp_path / "state.sqlite3"))


def entry(i, **extra):
    doc = {"request_id": f"r{i}", "vendor": "acme", "operation": "detect", "method": "POST",
           "path": "/acme/v1/detect", "status": 200}
    doc.update(extra)
    return doc


# ---- criteria --------------------------------------------------------------------------------

def test_criteria_are_a_closed_list():
    assert CRITERIA == ("vendor", "operation", "method", "path", "status", "request_id",
                        "answered_by")


def test_matches():
    e = entry(1)
    assert matches(e, {})
    assert matches(e, {"vendor": "acme", "method": "POST", "status": 200})
    assert matches(e, {"path": "/v1/"})       # path: contains
    assert not matches(e, {"path": "/v2/"})
    assert not matches(e, {"status": 201})
    assert not matches(e, {"status": "200"})  # the admin API converts status to an integer
    assert not matches(e, {"operation": "poll"})


def test_an_unknown_criterion_is_an_error():
    with pytest.raises(AdminError) as err:
        matches(entry(1), {"colour": "red"})
    assert err.value.message == ("unknown journal criterion 'colour'; use vendor, operation, "
                                 "method, path, status, request_id, answered_by")


# ---- the journal -----------------------------------------------------------------------------

def test_entries_oldest_first_filtered_and_limited(store):
    journal = Journal(store, bound=100)
    for i in range(6):
        journal.record(entry(i, status=200 if i % 2 else 429))
    assert [e["request_id"] for e in journal.entries()] == [f"r{i}" for i in range(6)]
    assert [e["request_id"] for e in journal.entries({"status": 429})] == ["r0", "r2", "r4"]
    assert [e["request_id"] for e in journal.entries({"status": 429}, limit=2)] == ["r2", "r4"]
    assert [e["request_id"] for e in journal.entries(limit=1)] == ["r5"]
    assert journal.entries({"request_id": "r3"}) == [entry(3, status=200)]
    assert journal.count() == 6
    assert journal.count({"status": 200}) == 3
    assert journal.count({"vendor": "other"}) == 0


def test_the_journal_keeps_only_the_newest_entries(store):
    journal = Journal(store, bound=5)
    for i in range(150):
        journal.record(entry(i))
    assert [e["request_id"] for e in journal.entries()] == [f"r{i}" for i in range(145, 150)]
    assert journal.count() == 5


def test_clear(store):
    journal = Journal(store, bound=5)
    journal.record(entry(1))
    journal.clear()
    assert journal.entries() == [] and journal.count() == 0


# ---- one entry shape for both directions ------------------------------------------------------

def exchange(**changes):
    fields = dict(direction="inbound", request_id="r1", time=1000.0, vendor="acme",
                  operation="detect", method="POST", path="/acme/v1/detect",
                  query={"a": ["1"]}, headers={"Content-Type": "application/json"},
                  body={"json": {"x": 1}}, status=200, response_headers={"X-Id": "1"},
                  response_body='{"ok": true}', duration_ms=1.5)
    fields.update(changes)
    return exchange_entry(**fields)


def test_an_inbound_exchange_has_every_field_of_an_entry():
    assert exchange() == {
        "request_id": "r1", "time": 1000.0, "vendor": "acme", "operation": "detect",
        "direction": "inbound", "method": "POST", "path": "/acme/v1/detect",
        "query": {"a": ["1"]}, "headers": {"Content-Type": "application/json"},
        "body": {"json": {"x": 1}}, "status": 200,
        "response": {"headers": {"X-Id": "1"}, "body": '{"ok": true}'}, "duration_ms": 1.5}


def test_an_outbound_exchange_has_the_same_fields_and_says_why_it_failed():
    entry = exchange(direction="outbound", status=None, response_headers={},
                     response_body=None, error="not in acme.hosts; not contacted")
    assert entry.keys() == exchange().keys()
    assert entry["response"] == {"headers": {}, "body": None,
                                 "error": "not in acme.hosts; not contacted"}


def test_an_exchange_is_searchable_and_parsed_when_read(store):
    journal = Journal(store, bound=10)
    journal.record(exchange())
    (entry,) = journal.entries({"vendor": "acme", "status": 200})
    assert entry["response"]["body"] == {"ok": True}
