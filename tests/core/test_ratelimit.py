"""Fixed rate-limit windows on the emulator clock (a SharedClock driven by a ManualClock)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepfake_mock.core.clock import SharedClock
from deepfake_mock.core.ratelimit import Decision, RateLimiter
from deepfake_mock.core.store import MemoryStore
from deepfake_mock.testing.clock import ManualClock

T0 = 1_767_225_600.0  # a multiple of 60: a minute window starts here


class Env:
    def __init__(self, start=T0):
        self.wall = ManualClock(start)
        self.store = MemoryStore()
        self.clock = SharedClock(self.store, wall=self.wall.now)
        self.limiter = RateLimiter(self.store, self.clock)


@pytest.fixture
def env():
    return Env()


def test_allows_limit_requests_then_refuses(env):
    decisions = [env.limiter.hit("acme:key", 3, 60) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0, 0]
    assert decisions[0] == Decision(allowed=True, limit=3, remaining=2, reset_at=int(T0) + 60,
                                    retry_after=60)


def test_reset_at_and_retry_after_inside_a_window(env):
    env.wall.advance(17.25)
    decision = env.limiter.hit("acme:key", 1, 60)
    assert decision.reset_at == int(T0) + 60
    assert decision.retry_after == 43  # ceil(42.75)
    env.wall.advance(42.5)  # 0.25 s left: still at least one second
    assert env.limiter.hit("acme:key", 1, 60).retry_after == 1


def test_a_new_window_starts_afresh(env):
    for _ in range(2):
        env.limiter.hit("acme:key", 2, 60)
    assert not env.limiter.hit("acme:key", 2, 60).allowed
    env.clock.advance(60)  # the admin API moves the shared clock
    decision = env.limiter.hit("acme:key", 2, 60)
    assert decision.allowed and decision.remaining == 1
    assert decision.reset_at == int(T0) + 120


def test_windows_follow_a_frozen_clock(env):
    env.clock.set(T0 + 1000)
    env.wall.advance(10**6)  # the system time does not matter while frozen
    decision = env.limiter.hit("acme:key", 5, 60)
    assert decision.reset_at == int(T0) + 1020
    assert decision.retry_after == 20


def test_keys_are_counted_separately(env):
    assert not [env.limiter.hit("acme:a", 1, 60) for _ in range(2)][-1].allowed
    assert env.limiter.hit("acme:b", 1, 60).allowed
    assert env.limiter.hit("other:a", 1, 60).allowed


def test_limit_zero_refuses_everything(env):
    decision = env.limiter.hit("acme:key", 0, 1)
    assert (decision.allowed, decision.remaining) == (False, 0)


def test_fractional_windows(env):
    env.wall.set(T0 + 0.3)
    decision = env.limiter.hit("acme:key", 1, 0.5)
    assert decision.reset_at == math.ceil(T0 + 0.5)
    assert decision.retry_after == 1
    env.wall.advance(0.2)
    assert env.limiter.hit("acme:key", 1, 0.5).allowed


@settings(deadline=None)
@given(limit=st.integers(0, 50), window=st.integers(1, 3600), hits=st.integers(1, 120),
       offset=st.floats(0, 1e5, allow_nan=False))
def test_counts_within_one_window(limit, window, hits, offset):
    env = Env(T0 + offset)
    now = env.clock.now()
    start = math.floor(now / window) * window
    for i in range(1, hits + 1):
        decision = env.limiter.hit("acme:key", limit, window)
        assert decision.allowed == (i <= limit)
        assert decision.remaining == max(0, limit - i)
        assert decision.limit == limit
        assert decision.reset_at == math.ceil(start + window)
        assert decision.retry_after == max(1, math.ceil(start + window - now))
        assert 1 <= decision.retry_after <= window


@settings(deadline=None)
@given(limit=st.integers(1, 10), steps=st.lists(st.floats(0, 100, allow_nan=False), max_size=40))
def test_each_window_allows_exactly_its_first_limit_requests(limit, steps):
    env = Env()
    hits: dict[float, int] = {}
    for step in steps:
        env.wall.advance(step)
        window_start = math.floor(env.clock.now() / 30) * 30
        hits[window_start] = hits.get(window_start, 0) + 1
        decision = env.limiter.hit("acme:key", limit, 30)
        assert decision.allowed == (hits[window_start] <= limit)
        assert decision.remaining == max(0, limit - hits[window_start])


# ---- the clock moves: windows follow it ----------------------------------------------------------

def test_advance_one_request_then_back_to_system_time_is_not_limited(env):
    """Issue 12: a request made while the clock was ahead must not limit the present."""
    env.clock.advance(120)
    assert env.limiter.hit("acme:key", 2, 2).allowed
    env.clock.resume()
    for _ in range(20):  # paced at one per 1.1 s, under 2 per 2 s
        decision = env.limiter.hit("acme:key", 2, 2)
        assert decision.allowed, decision
        assert decision.reset_at > env.clock.now()
        env.wall.advance(1.1)


def test_setting_the_clock_back_starts_a_fresh_window(env):
    for _ in range(3):
        env.limiter.hit("acme:key", 3, 60)
    assert not env.limiter.hit("acme:key", 3, 60).allowed
    env.clock.set(T0 - 3600)
    decision = env.limiter.hit("acme:key", 3, 60)
    assert (decision.allowed, decision.remaining) == (True, 2)
    assert (decision.reset_at, decision.retry_after) == (int(T0) - 3540, 60)


def test_a_window_left_behind_does_not_come_back(env):
    env.clock.set(T0)
    for _ in range(3):
        env.limiter.hit("acme:key", 3, 60)
    env.clock.set(T0 + 600)
    env.limiter.hit("acme:key", 3, 60)
    env.clock.set(T0 + 1)  # back into the first window: counted afresh
    assert env.limiter.hit("acme:key", 3, 60).remaining == 2


def test_manual_to_system_time_uses_the_system_window(env):
    env.clock.set(T0 + 10**6)
    for _ in range(2):
        env.limiter.hit("acme:key", 2, 60)
    assert not env.limiter.hit("acme:key", 2, 60).allowed
    env.clock.resume()
    decision = env.limiter.hit("acme:key", 2, 60)
    assert decision.allowed and decision.reset_at == int(T0) + 60


def test_the_limit_still_holds_after_a_move(env):
    env.clock.advance(120)
    env.clock.resume()
    decisions = [env.limiter.hit("acme:key", 2, 60) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[-1].retry_after == 60


moves = st.one_of(
    st.tuples(st.just("wall"), st.floats(0, 50, allow_nan=False)),
    st.tuples(st.just("advance"), st.floats(-200, 200, allow_nan=False)),
    st.tuples(st.just("set"), st.floats(-500, 500, allow_nan=False)),
    st.tuples(st.just("resume"), st.just(0.0)),
    st.tuples(st.just("hit"), st.just(0.0)),
)


@settings(deadline=None)
@given(limit=st.integers(1, 5), window=st.sampled_from([0.5, 1, 2, 30]),
       steps=st.lists(moves, max_size=60))
def test_any_clock_moves_count_only_the_current_window(limit, window, steps):
    """Whatever the clock does, a hit counts the hits made since the clock entered its window;
    the reset it names is ahead of the clock, and retry-after is the wait until it."""
    env = Env()
    current, count = None, 0
    for kind, amount in steps:
        if kind == "wall":
            env.wall.advance(amount)
        elif kind == "advance":
            env.clock.advance(amount)
        elif kind == "set":
            env.clock.set(T0 + amount)
        elif kind == "resume":
            env.clock.resume()
        now = env.clock.now()
        start = math.floor(now / window) * window
        if kind != "hit":
            continue
        count = count + 1 if start == current else 1
        current = start
        decision = env.limiter.hit("acme:key", limit, window)
        assert decision.allowed == (count <= limit)
        assert decision.remaining == max(0, limit - count)
        assert decision.reset_at > now
        assert decision.retry_after == max(1, math.ceil(start + window - now))
