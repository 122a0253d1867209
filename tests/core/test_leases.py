"""Leases: counted slots that end with their holder's process or their deadline."""

from __future__ import annotations

import os
import subprocess

from hypothesis import given
from hypothesis import strategies as st

from deepfake_mock.core.leases import Leases, clear_all, pid_alive
from deepfake_mock.core.store import MemoryStore


class Wall:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(store=None, *, alive=lambda pid: True, host="here", wall=None):
    return Leases(store or MemoryStore(), ttl=300, wall=wall or Wall(), alive=alive, host=host)


def test_acquire_up_to_the_limit_and_release():
    slots = make()
    assert slots.acquire("k", "r1", 2) and slots.acquire("k", "r2", 2)
    assert not slots.acquire("k", "r3", 2)
    assert slots.held("k") == 2 and slots.held("other") == 0
    slots.release("k", "r1")
    slots.release("k", "r1")  # twice: nothing more
    assert slots.held("k") == 1
    assert slots.acquire("k", "r3", 2)


def test_no_limit():
    slots = make()
    assert all(slots.acquire("k", f"r{n}", None) for n in range(50))
    assert slots.held("k") == 50


def test_a_lease_of_a_dead_process_is_reclaimed():
    dead: set[int] = set()
    store = MemoryStore()
    slots = make(store, alive=lambda pid: pid not in dead)
    assert slots.acquire("k", "r1", 1)
    assert not slots.acquire("k", "r2", 1)
    dead.add(os.getpid())  # the holder's worker is killed
    assert slots.held("k") == 0
    assert slots.acquire("k", "r2", 1)
    assert list(store.get_meta("leases")["k"]) == ["r2"]  # the dead one is gone for good


def test_a_lease_runs_out_at_its_deadline():
    wall = Wall()
    slots = make(wall=wall)
    assert slots.acquire("k", "r1", 1)
    wall.now += 299
    assert not slots.acquire("k", "r2", 1)
    wall.now += 1
    assert slots.acquire("k", "r2", 1)


def test_another_hosts_lease_is_not_judged_by_a_local_pid():
    store = MemoryStore()
    there = make(store, host="there")
    assert there.acquire("k", "r1", 1)
    here = make(store, host="here", alive=lambda pid: False)
    assert here.held("k") == 1  # only its deadline ends it
    assert not here.acquire("k", "r2", 1)


def test_clear_all():
    store = MemoryStore()
    slots = make(store)
    slots.acquire("a", "r1", 1)
    slots.acquire("b", "r2", 1)
    clear_all(store)
    assert slots.held("a") == slots.held("b") == 0


def test_pid_alive_sees_a_zombie_as_dead():
    child = subprocess.Popen(["sleep", "30"])
    assert pid_alive(child.pid)
    child.kill()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, not reaped: a zombie
    assert not pid_alive(child.pid)
    child.wait()
    assert not pid_alive(child.pid)
    assert pid_alive(os.getpid())


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 7)), max_size=60), st.integers(0, 4))
def test_held_never_passes_the_limit(steps, limit):
    slots = make()
    holding: set[int] = set()
    for take, holder in steps:
        if take:
            if slots.acquire("k", str(holder), limit):
                holding.add(holder)
        else:
            slots.release("k", str(holder))
            holding.discard(holder)
        assert slots.held("k") == len(holding) <= limit
