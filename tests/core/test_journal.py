"""The request journal: bounded, searchable, with secrets redacted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepfake_mock.core.errors import AdminError
from deepfake_mock.core.journal import (CRITERIA, REDACTED, Journal, matches, redact_fields,
                                     redact_headers)
from deepfake_mock.core.store import MemoryStore, SQLiteStore

SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie"})
SECRET_FIELDS = frozenset({"password", "sign", "token"})


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


# ---- redaction -------------------------------------------------------------------------------

def test_redact_headers():
    headers = {"Authorization": "Bearer abc.def", "X-Api-Key": "k-123", "Cookie": "s=1",
               "Content-Type": "application/json", "X-Request-Id": "r1"}
    assert redact_headers(headers, SECRET_HEADERS) == {
        "Authorization": "Bearer [redacted]", "X-Api-Key": "[redacted]", "Cookie": "[redacted]",
        "Content-Type": "application/json", "X-Request-Id": "r1"}


def test_an_authorization_without_a_scheme_is_redacted_whole():
    assert redact_headers({"authorization": "abc123"}, SECRET_HEADERS) == \
        {"authorization": REDACTED}
    assert redact_headers({"AUTHORIZATION": "Token a b c"}, SECRET_HEADERS) == \
        {"AUTHORIZATION": "Token [redacted]"}


def test_redact_fields():
    assert redact_fields({"sign": "s", "Password": "p", "data_type": 1, "token": None},
                         SECRET_FIELDS) == {"sign": REDACTED, "Password": REDACTED,
                                            "data_type": 1, "token": REDACTED}


header_names = st.one_of(
    st.sampled_from(["Authorization", "authorization", "X-API-Key", "x-api-key", "Cookie",
                     "Content-Type", "User-Agent", "X-Trace"]),
    st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20))
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@settings(deadline=None)
@given(st.dictionaries(header_names, header_values, max_size=8))
def test_redacted_headers_keep_names_and_lose_every_secret(headers):
    out = redact_headers(headers, SECRET_HEADERS)
    assert list(out) == list(headers)
    for name, value in headers.items():
        if name.lower() not in SECRET_HEADERS:
            assert out[name] == value
        elif name.lower() == "authorization" and " " in value:
            assert out[name] == f"{value.split(' ', 1)[0]} {REDACTED}"
        else:
            assert out[name] == REDACTED


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from(["sign", "SIGN", "password", "token", "data_type",
                                        "name", "score"]),
                       st.one_of(st.text(max_size=20), st.integers(), st.none()), max_size=7))
def test_redacted_fields_keep_names_and_lose_every_secret(fields):
    out = redact_fields(fields, SECRET_FIELDS)
    assert list(out) == list(fields)
    for name, value in fields.items():
        assert out[name] == (REDACTED if name.lower() in SECRET_FIELDS else value)


# ---- criteria --------------------------------------------------------------------------------

def test_criteria_are_a_closed_list():
    assert CRITERIA == ("vendor", "operation", "method", "path", "status", "request_id")


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
                                 "method, path, status, request_id")


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
