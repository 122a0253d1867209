"""Fixed rate-limit windows per (vendor, credential), counted in the store on the emulator clock.

Written here rather than taken from a library: the usual ones (``limits``) read the wall clock
and have no SQLite storage, and the emulator's windows must follow its admin-controlled clock and
be shared by every worker.

Windows follow the clock wherever it moves (advanced, set back, frozen, back to system time):
a request is counted in the window that holds the clock's ``now``, and a count kept for any
other window starts over (``Store.incr`` with the window's end). So ``reset_at`` is always ahead
of ``now`` and ``retry_after`` is the wait until then (seed 000: ``retry-after`` is how long to
wait, ``x-ratelimit-reset`` the epoch time the window resets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int       # epoch seconds at which the window resets
    retry_after: int    # whole seconds until then (at least 1)


class RateLimiter:
    def __init__(self, store, clock):
        self._store = store
        self._clock = clock

    def hit(self, key: str, limit: int, window: float) -> Decision:
        now = self._clock.now()
        start = math.floor(now / window) * window
        reset_at = start + window
        count = self._store.incr(f"ratelimit:{key}", 1, expires_at=reset_at)
        return Decision(allowed=count <= limit, limit=limit, remaining=max(0, limit - count),
                        reset_at=math.ceil(reset_at), retry_after=max(1, math.ceil(reset_at - now)))


def retry_headers(decision: Decision, *, window: bool = False) -> dict[str, str]:
    """The headers of a vendor's 429: ``Retry-After`` (whole seconds to wait) and, with
    ``window``, the window's ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (epoch
    seconds)."""
    headers = {"Retry-After": str(decision.retry_after)}
    if window:
        headers.update({"X-RateLimit-Limit": str(decision.limit),
                        "X-RateLimit-Remaining": str(decision.remaining),
                        "X-RateLimit-Reset": str(decision.reset_at)})
    return headers
