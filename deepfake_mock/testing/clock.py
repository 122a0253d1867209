"""A clock for unit tests of code that takes one (``now()``): it moves only when told to."""

from __future__ import annotations


class ManualClock:
    def __init__(self, start: float = 1_700_000_000.0):
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def set(self, instant: float) -> None:
        self._now = float(instant)

    def advance(self, seconds: float) -> None:
        self._now += float(seconds)
