"""Rule sets consumed by count: the one mechanism behind faults and verdict rules."""

from __future__ import annotations

import sys
import threading

import pytest

from deepfake_mock.core.rules import append_rule, rules_of, take_first
from deepfake_mock.core.store import MemoryStore, SQLiteStore

KEY = "test_rules"
TIMES = 150
TAKES_EACH = 100  # two consumers ask for more uses than there are


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    return MemoryStore() if request.param == "memory" else SQLiteStore(str(tmp_path / "s.db"))


def test_rules_are_kept_in_the_order_they_were_added(store):
    append_rule(store, KEY, {"id": "a", "used": 0})
    append_rule(store, KEY, {"id": "b", "used": 0, "times": 1})
    assert [r["id"] for r in rules_of(store, KEY)] == ["a", "b"]
    assert take_first(store, KEY, lambda r: r["id"] == "b")["used"] == 1
    assert [r["id"] for r in rules_of(store, KEY)] == ["a"]
    assert take_first(store, KEY, lambda r: r["id"] == "b") is None


@pytest.fixture
def eager_thread_switches():
    """Switch threads as often as the interpreter can, so that the consumers interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("eager_thread_switches")
def test_two_racing_consumers_never_use_a_rule_more_than_times(store):
    append_rule(store, KEY, {"id": "r", "used": 0, "times": TIMES})
    start = threading.Barrier(2, timeout=30)
    uses: list[list[int]] = [[], []]

    def consume(mine: list[int]) -> None:
        start.wait()
        for _ in range(TAKES_EACH):
            taken = take_first(store, KEY, lambda r: True)
            if taken is not None:
                mine.append(taken["used"])

    threads = [threading.Thread(target=consume, args=(mine,)) for mine in uses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    assert sorted(uses[0] + uses[1]) == list(range(1, TIMES + 1))  # each use handed out once
    assert rules_of(store, KEY) == []
