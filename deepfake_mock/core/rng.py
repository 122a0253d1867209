"""Seeded randomness. Ids and scores are pure functions of (seed, namespace, input), so a run
with the same seed and the same requests gives the same ids and verdicts, in any worker."""

from __future__ import annotations

import hashlib
import uuid


def unit_interval(*parts: object) -> float:
    """A number in [0, 1) derived from the parts, uniformly distributed."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Ids:
    """Deterministic ids: the n-th id of a namespace under a seed is always the same.

    The counter lives in the store, so ids are unique across workers.
    """

    def __init__(self, store, seed_of):
        self._store = store
        self._seed_of = seed_of

    def _next(self, namespace: str) -> bytes:
        n = self._store.incr(f"ids:{namespace}")
        return hashlib.sha256(f"{self._seed_of()}\x1f{namespace}\x1f{n}".encode()).digest()

    def uuid4(self, namespace: str) -> str:
        """A version-4 UUID string."""
        return str(uuid.UUID(bytes=self._next(namespace)[:16], version=4))

    def hex(self, namespace: str, length: int = 32) -> str:
        return self._next(namespace).hex()[:length]
