"""SharedClock, whose state lives in the store (shared by every worker)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepfake_mock.core.clock import SharedClock
from deepfake_mock.testing.clock import ManualClock
from deepfake_mock.core.store import MemoryStore, SQLiteStore

T0 = 1_767_225_600.0


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    if request.param == "memory":
        return MemoryStore()
    return SQLiteStore(str(tmp_path / "state.sqlite3"))


@pytest.fixture
def wall():
    """The 'system time' a SharedClock reads, under the test's control."""
    return ManualClock(T0)


def test_manual_clock_moves_only_when_told():
    clock = ManualClock(100)
    assert clock.now() == 100.0 and isinstance(clock.now(), float)
    clock.advance(2.5)
    assert clock.now() == 102.5
    clock.set(10)
    assert clock.now() == 10.0
    assert ManualClock().now() == 1_700_000_000.0


@settings(deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=20))
def test_manual_clock_advances_add_up(steps):
    clock = ManualClock(0)
    for step in steps:
        before = clock.now()
        clock.advance(step)
        assert clock.now() >= before
    assert clock.now() == pytest.approx(sum(steps))


def test_shared_clock_in_system_mode_follows_the_wall(store, wall):
    clock = SharedClock(store, wall=wall.now)
    assert clock.state() == {"mode": "system", "offset": 0.0}
    assert clock.now() == T0
    wall.advance(7)
    assert clock.now() == T0 + 7


def test_shared_clock_set_freezes_it(store, wall):
    clock = SharedClock(store, wall=wall.now)
    clock.set(1000)
    wall.advance(50)
    assert clock.now() == 1000.0
    assert clock.state() == {"mode": "manual", "frozen": 1000.0}


def test_shared_clock_advance_when_frozen(store, wall):
    clock = SharedClock(store, wall=wall.now)
    clock.set(1000)
    clock.advance(30)
    clock.advance(0.5)
    assert clock.now() == 1030.5
    assert clock.state()["mode"] == "manual"


def test_shared_clock_advance_in_system_mode_adds_an_offset(store, wall):
    clock = SharedClock(store, wall=wall.now)
    clock.advance(60)
    assert clock.now() == T0 + 60
    wall.advance(1)
    assert clock.now() == T0 + 61
    clock.advance(10)
    assert clock.state() == {"mode": "system", "offset": 70}


def test_shared_clock_resume_returns_to_the_wall_without_offset(store, wall):
    clock = SharedClock(store, wall=wall.now)
    clock.advance(3600)
    clock.resume()
    assert clock.now() == T0
    clock.set(5)
    clock.resume()
    assert clock.now() == T0
    assert clock.state() == {"mode": "system", "offset": 0.0}


def test_shared_clock_starting_manual(store, wall):
    clock = SharedClock(store, initial_mode="manual", start=42, wall=wall.now)
    assert clock.now() == 42.0
    wall.advance(100)
    assert clock.now() == 42.0
    started_now = SharedClock(MemoryStore(), initial_mode="manual", wall=wall.now)
    assert started_now.now() == wall.now()


def test_shared_clock_reset_returns_to_its_initial_state(store, wall):
    clock = SharedClock(store, initial_mode="manual", start=42, wall=wall.now)
    clock.advance(10)
    clock.reset()
    assert clock.now() == 42.0
    clock.set(99)
    store.reset()  # a store reset (the admin reset) does the same
    assert clock.now() == 42.0


def test_every_shared_clock_over_one_store_shows_the_same_time(store, wall):
    a = SharedClock(store, wall=wall.now)
    b = SharedClock(store, wall=wall.now)
    a.set(500)
    assert b.now() == 500.0
    b.advance(20)
    assert a.now() == 520.0
    a.resume()
    assert b.now() == T0


def test_shared_clock_across_two_sqlite_stores_on_one_file(tmp_path, wall):
    path = str(tmp_path / "state.sqlite3")
    worker_1 = SharedClock(SQLiteStore(path), wall=wall.now)
    worker_2 = SharedClock(SQLiteStore(path), wall=wall.now)
    worker_1.set(T0 + 5)
    assert worker_2.now() == T0 + 5
    worker_2.advance(60)
    assert worker_1.now() == T0 + 65
