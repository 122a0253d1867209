"""The emulator's clock. Every timestamp the emulator uses comes from it, never from ``time``
directly.

``SharedClock`` keeps its state (frozen instant or offset) in the store, so that every gunicorn
worker sees the same time and the admin API can set or advance it for all of them at once.
"""

from __future__ import annotations

import time


class SharedClock:
    """System time, or a frozen manual time, as the store says.

    State document: ``{"mode": "system", "offset": s}`` or ``{"mode": "manual", "frozen": t}``.
    """

    KEY = "clock"

    def __init__(self, store, *, initial_mode: str = "system", start: float | None = None,
                 wall=time.time):
        self._store = store
        self._wall = wall
        self._initial = self._initial_state(initial_mode, start)

    def _initial_state(self, mode: str, start: float | None) -> dict:
        if mode == "manual":
            return {"mode": "manual", "frozen": float(start if start is not None else self._wall())}
        return {"mode": "system", "offset": 0.0}

    def state(self) -> dict:
        return self._store.get_meta(self.KEY) or self._initial

    def now(self) -> float:
        state = self.state()
        if state["mode"] == "manual":
            return state["frozen"]
        return self._wall() + state.get("offset", 0.0)

    def set(self, instant: float) -> None:
        """Freeze the clock at ``instant`` (epoch seconds): manual mode."""
        self._store.put_meta(self.KEY, {"mode": "manual", "frozen": float(instant)})

    def advance(self, seconds: float) -> None:
        state = self.state()
        if state["mode"] == "manual":
            state = {"mode": "manual", "frozen": state["frozen"] + seconds}
        else:
            state = {"mode": "system", "offset": state.get("offset", 0.0) + seconds}
        self._store.put_meta(self.KEY, state)

    def resume(self) -> None:
        """Back to system time (keeping no offset)."""
        self._store.put_meta(self.KEY, {"mode": "system", "offset": 0.0})

    def reset(self) -> None:
        self._store.delete_meta(self.KEY)
