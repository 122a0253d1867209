"""Jobs and their progression: immediate, after_polls, after_seconds, manual, forced states."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepfake_mock.core.errors import AdminError
from deepfake_mock.core.jobs import PROGRESSION_MODES, Jobs, Progression
from deepfake_mock.core.store import MemoryStore
from deepfake_mock.testing.clock import ManualClock

STATES = ("pending", "running")
T0 = 1_767_225_600.0


class CountingStore(MemoryStore):
    """A MemoryStore that counts the updates which asked for a write."""

    def __init__(self):
        super().__init__()
        self.writes = 0

    def update(self, collection, key, change):
        def counted(doc):
            new = change(doc)
            if new is not None:
                self.writes += 1
            return new
        return super().update(collection, key, counted)


class Env:
    def __init__(self):
        self.store = CountingStore()
        self.clock = ManualClock(T0)
        self.progressions = {"acme": Progression("immediate")}
        self.jobs = Jobs(self.store, self.clock, lambda vendor: self.progressions[vendor])

    def progress(self, mode, value=0):
        self.progressions["acme"] = Progression(mode, value)

    def create(self, job_id="j1", outcome="done", scope=None, data=None):
        return self.jobs.create("acme", job_id, states=STATES, outcome=outcome,
                                data=data or {"result": 1}, scope=scope)

    def observe(self, job_id="j1"):
        return self.jobs.observe("acme", job_id)["state"]


@pytest.fixture
def env():
    return Env()


# ---- Progression -----------------------------------------------------------------------------

def test_the_modes_are_a_closed_list():
    assert PROGRESSION_MODES == ("immediate", "after_polls", "after_seconds", "manual")


@pytest.mark.parametrize("doc, message", [
    ({"mode": "sometimes"}, "mode must be one of immediate, after_polls, after_seconds, manual"),
    ({}, "mode must be one of immediate, after_polls, after_seconds, manual"),
    ({"mode": "after_polls"}, "after_polls needs a positive value"),
    ({"mode": "after_polls", "value": 0}, "after_polls needs a positive value"),
    ({"mode": "after_seconds", "value": -1}, "after_seconds needs a positive value"),
    ({"mode": "after_polls", "value": "3"}, "value must be a number"),
    ({"mode": "after_polls", "value": True}, "value must be a number"),
    ({"mode": "after_polls", "value": None}, "value must be a number"),
    ([], "progression must be an object"),
])
def test_parse_refuses(doc, message):
    with pytest.raises(AdminError) as err:
        Progression.parse(doc)
    assert err.value.message == message
    assert err.value.status == 400


@pytest.mark.parametrize("doc, expected", [
    ({"mode": "immediate"}, {"mode": "immediate", "value": 0}),
    ({"mode": "manual", "value": 4}, {"mode": "manual", "value": 4}),
    ({"mode": "after_polls", "value": 3}, {"mode": "after_polls", "value": 3}),
    ({"mode": "after_seconds", "value": 0.5}, {"mode": "after_seconds", "value": 0.5}),
])
def test_parse_accepts(doc, expected):
    assert Progression.parse(doc).as_dict() == expected


def test_constructing_checks_too():
    with pytest.raises(AdminError):
        Progression("eventually")
    with pytest.raises(AdminError):
        Progression("after_seconds", 0)
    assert Progression() == Progression("immediate", 0)


def test_stage_of_immediate_and_manual():
    assert Progression("immediate").stage(STATES, 0, 0) == 2
    assert Progression("manual").stage(STATES, 10**6, 1e9) == 0


@settings(deadline=None)
@given(n=st.integers(1, 1000), states=st.integers(1, 5), polls=st.lists(st.integers(0, 3000),
                                                                        min_size=2, max_size=20))
def test_after_polls_stage_is_monotonic_and_terminal_exactly_at_n(n, states, polls):
    names = tuple(f"s{i}" for i in range(states))
    progression = Progression("after_polls", n)
    stages = [progression.stage(names, p, 0) for p in sorted(polls)]
    assert stages == sorted(stages)
    for p, stage in zip(sorted(polls), stages):
        assert 0 <= stage <= states
        assert (stage == states) == (p >= n)


@settings(deadline=None)
@given(seconds=st.floats(0.001, 1e6), states=st.integers(1, 5),
       elapsed=st.lists(st.floats(0, 2e6), min_size=2, max_size=20))
def test_after_seconds_stage_is_monotonic_in_elapsed_time(seconds, states, elapsed):
    names = tuple(f"s{i}" for i in range(states))
    progression = Progression("after_seconds", seconds)
    stages = [progression.stage(names, 0, e) for e in sorted(elapsed)]
    assert stages == sorted(stages)
    assert all(0 <= s <= states for s in stages)
    assert progression.stage(names, 0, seconds) == states
    assert progression.stage(names, 10**6, 0) == 0  # polls do not matter


def test_after_polls_spreads_the_intermediate_states():
    four = Progression("after_polls", 4)
    assert [four.stage(STATES, p, 0) for p in range(6)] == [0, 0, 1, 1, 2, 2]


# ---- Jobs ------------------------------------------------------------------------------------

def test_create_stores_the_job_in_its_first_state(env):
    job = env.create(scope="team-1")
    assert job == {"id": "j1", "vendor": "acme", "states": ["pending", "running"],
                   "outcome": "done", "state": "pending", "polls": 0, "created_at": T0,
                   "forced": None, "data": {"result": 1}, "scope": "team-1"}
    assert env.store.get("jobs:acme", "j1") == job
    assert env.jobs.count("acme", scope="team-1") == 1


def test_immediate_is_terminal_on_the_first_observation(env):
    env.create()
    assert env.jobs.get("acme", "j1")["state"] == "done"
    job = env.jobs.observe("acme", "j1")
    assert (job["state"], job["polls"]) == ("done", 1)


def test_a_terminal_job_is_not_written_again(env):
    env.create()
    env.observe()
    writes = env.store.writes
    stored = env.store.get("jobs:acme", "j1")
    for _ in range(5):
        assert env.jobs.observe("acme", "j1") == stored
    assert env.store.writes == writes
    assert env.store.get("jobs:acme", "j1")["polls"] == 1


def test_after_polls_walks_the_states(env):
    env.progress("after_polls", 2)
    env.create()
    assert [env.observe() for _ in range(4)] == ["running", "done", "done", "done"]
    env.progress("after_polls", 4)
    env.create("j2", outcome="failed")
    assert [env.observe("j2") for _ in range(5)] == ["pending", "running", "running", "failed",
                                                     "failed"]


def test_get_does_not_count_an_observation(env):
    env.progress("after_polls", 2)
    env.create()
    for _ in range(5):
        assert env.jobs.get("acme", "j1")["state"] == "pending"
    assert env.jobs.get("acme", "j1")["polls"] == 0
    assert env.observe() == "running"


def test_after_seconds_follows_the_clock(env):
    env.progress("after_seconds", 10)
    env.create()
    assert env.observe() == "pending"
    env.clock.advance(5)
    assert env.jobs.get("acme", "j1")["state"] == "running"
    assert env.observe() == "running"
    env.clock.advance(4.999)
    assert env.observe() == "running"
    env.clock.advance(0.001)
    assert env.jobs.list("acme")[0]["state"] == "done"
    assert env.observe() == "done"
    assert env.jobs.get("acme", "j1")["polls"] == 4


def test_manual_stays_in_the_first_state(env):
    env.progress("manual")
    env.create()
    env.clock.advance(10**6)
    assert [env.observe() for _ in range(10)] == ["pending"] * 10


def test_force_an_intermediate_state_sticks(env):
    env.progress("manual")
    env.create()
    job = env.jobs.force("acme", "j1", "running")
    assert (job["state"], job["forced"], job["outcome"]) == ("running", "running", "done")
    env.progress("immediate")  # a forced state wins over the progression
    assert [env.observe() for _ in range(3)] == ["running"] * 3


def test_force_a_terminal_state_makes_it_the_outcome(env):
    env.progress("after_polls", 100)
    env.create(outcome="done")
    job = env.jobs.force("acme", "j1", "failed")
    assert (job["state"], job["outcome"]) == ("failed", "failed")
    writes = env.store.writes
    assert env.observe() == "failed"
    assert env.store.writes == writes  # terminal: not written


def test_force_the_outcome_early(env):
    env.progress("manual")
    env.create(outcome="done")
    env.jobs.force("acme", "j1", "done")
    assert env.observe() == "done"


def test_unknown_jobs(env):
    assert env.jobs.get("acme", "nope") is None
    assert env.jobs.observe("acme", "nope") is None
    assert env.jobs.force("acme", "nope", "done") is None
    assert env.jobs.delete("acme", "nope") is False


def test_a_progression_change_applies_to_existing_jobs(env):
    env.progress("manual")
    env.create()
    assert env.observe() == "pending"
    env.progress("immediate")
    assert env.observe() == "done"


def test_a_job_seen_terminal_stays_terminal_for_readers(env):
    env.create()
    assert env.observe() == "done"
    env.progress("manual")
    assert env.observe() == "done"
    assert env.jobs.get("acme", "j1")["state"] == "done"
    assert env.jobs.list("acme")[0]["state"] == "done"


def test_change_and_delete(env):
    env.create()
    env.jobs.change("acme", "j1", lambda job: {**job, "data": {"result": 2}})
    assert env.jobs.get("acme", "j1")["data"] == {"result": 2}
    assert env.jobs.delete("acme", "j1") is True
    assert env.jobs.get("acme", "j1") is None


def test_list_and_count_by_scope_and_page(env):
    env.progress("manual")
    for i in range(6):
        env.create(f"j{i}", scope="a" if i % 2 else "b")
    assert [j["id"] for j in env.jobs.list("acme")] == [f"j{i}" for i in range(6)]
    assert [j["id"] for j in env.jobs.list("acme", scope="a")] == ["j1", "j3", "j5"]
    assert [j["id"] for j in env.jobs.list("acme", offset=1, limit=2, newest_first=True)] == \
        ["j4", "j3"]
    assert env.jobs.count("acme") == 6
    assert env.jobs.count("acme", scope="b") == 3
    assert env.jobs.list("other") == [] and env.jobs.count("other") == 0
