"""Asynchronous jobs and how fast they progress.

A job walks its vendor's ``states`` (e.g. pending -> running) to the ``outcome`` chosen when it
was created (done, failed, rejected...). The progression decides when it gets there:

- ``immediate``: terminal on the first observation;
- ``after_polls`` (n): terminal on the n-th observation, intermediate states spread before it;
- ``after_seconds`` (s): terminal once s seconds have passed on the emulator clock;
- ``manual``: stays in its first state until the admin API forces a state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .errors import AdminError

PROGRESSION_MODES = ("immediate", "after_polls", "after_seconds", "manual")


@dataclass(frozen=True)
class Progression:
    mode: str = "immediate"
    value: float = 0

    def __post_init__(self):
        if self.mode not in PROGRESSION_MODES:
            raise AdminError(f"mode must be one of {', '.join(PROGRESSION_MODES)}")
        if self.mode in ("after_polls", "after_seconds") and not self.value > 0:
            raise AdminError(f"{self.mode} needs a positive value")

    @classmethod
    def parse(cls, doc: dict) -> "Progression":
        if not isinstance(doc, dict):
            raise AdminError("progression must be an object")
        value = doc.get("value", 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AdminError("value must be a number")
        return cls(str(doc.get("mode", "")), value)

    def as_dict(self) -> dict:
        return asdict(self)

    def stage(self, states: tuple[str, ...], polls: int, elapsed: float) -> int:
        """Index into ``states + (outcome,)`` reached after ``polls`` observations."""
        last = len(states)
        if self.mode == "immediate":
            return last
        if self.mode == "manual":
            return 0
        progress = polls / self.value if self.mode == "after_polls" else elapsed / self.value
        return last if progress >= 1 else int(progress * last)


class Jobs:
    """Job records of every vendor, in the store's ``jobs:<vendor>`` collections."""

    def __init__(self, store, clock, progression_of):
        self._store = store
        self._clock = clock
        self._progression_of = progression_of

    @staticmethod
    def _collection(vendor: str) -> str:
        return f"jobs:{vendor}"

    def create(self, vendor: str, job_id: str, *, states: tuple[str, ...], outcome: str,
               data: dict, scope: str | None = None) -> dict:
        job = {"id": job_id, "vendor": vendor, "states": list(states), "outcome": outcome,
               "state": states[0], "polls": 0, "created_at": self._clock.now(),
               "forced": None, "data": data, "scope": scope}
        self._store.put(self._collection(vendor), job_id, job, scope=scope)
        return job

    def get(self, vendor: str, job_id: str) -> dict | None:
        """The job as it stands, without counting an observation."""
        job = self._store.get(self._collection(vendor), job_id)
        return self._with_state(vendor, job, job["polls"]) if job else None

    def observe(self, vendor: str, job_id: str) -> dict | None:
        """A client poll: count it and return the job in the state it has reached."""
        job = self._store.get(self._collection(vendor), job_id)
        if job is None or job["state"] == job["outcome"]:
            return job  # unknown, or terminal: a plain read, no write

        def count(job):
            if job["state"] == job["outcome"]:
                return None  # terminal: nothing to write
            job["polls"] += 1
            job["state"] = self._with_state(vendor, job, job["polls"])["state"]
            return job
        return self._store.update(self._collection(vendor), job_id, count)

    def _with_state(self, vendor: str, job: dict, polls: int) -> dict:
        if job["forced"] is not None:
            job["state"] = job["forced"]
            return job
        if job["state"] == job["outcome"]:
            return job  # a client has seen it finish: it stays finished
        states = tuple(job["states"])
        elapsed = self._clock.now() - job["created_at"]
        stage = self._progression_of(vendor).stage(states, polls, elapsed)
        job["state"] = job["outcome"] if stage >= len(states) else states[stage]
        return job

    def force(self, vendor: str, job_id: str, state: str) -> dict | None:
        """Put a job in ``state`` now; a terminal state also becomes its outcome."""
        def set_state(job):
            job["forced"] = state
            job["state"] = state
            if state not in job["states"]:
                job["outcome"] = state
            return job
        return self._store.update(self._collection(vendor), job_id, set_state)

    def change(self, vendor: str, job_id: str, fn) -> dict | None:
        return self._store.update(self._collection(vendor), job_id, fn)

    def delete(self, vendor: str, job_id: str) -> bool:
        return self._store.delete(self._collection(vendor), job_id)

    def list(self, vendor: str, scope: str | None = None, offset: int = 0,
             limit: int | None = None, newest_first: bool = False) -> list[dict]:
        jobs = self._store.scan(self._collection(vendor), scope=scope, offset=offset,
                                limit=limit, newest_first=newest_first)
        return [self._with_state(vendor, job, job["polls"]) for job in jobs]

    def count(self, vendor: str, scope: str | None = None) -> int:
        return self._store.count(self._collection(vendor), scope=scope)
