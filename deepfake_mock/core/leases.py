"""Leases: counted slots (FinAuth's requests in flight per key) that end with their holder.

A lease names the process holding it (host and pid) and a deadline on the wall clock (the
emulator clock may be frozen; a lease must still run out). A lease whose process is gone, or
whose deadline passed, is reclaimed whenever the slots are counted, so a worker killed in the
middle of a request (kill -9, gunicorn's timeout) leaks nothing. ``clear_all`` forgets every
lease: at server start, when no request on this state can be in flight and a recycled pid could
pass for a live holder. Every lease lives in one meta document, changed atomically across
workers; ``reset`` forgets them with the rest of the meta.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Callable

KEY = "leases"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host: a killed worker that nobody reaped yet
    (a zombie, as under a container's init that does not reap) is not alive."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return not os.path.isdir("/proc/self")  # no /proc on this system: it exists
    return state not in ("Z", "X")


def clear_all(store) -> None:
    store.delete_meta(KEY)


class Leases:
    def __init__(self, store, ttl: float, *, wall: Callable[[], float] = time.time,
                 alive: Callable[[int], bool] = pid_alive, host: str | None = None):
        self._store = store
        self._ttl = ttl
        self._wall = wall
        self._alive = alive
        self._host = host or socket.gethostname()

    def acquire(self, name: str, holder: str, limit: int | None) -> bool:
        """Take one of ``limit`` slots of ``name`` for ``holder`` (None: no limit); False when
        every slot is held by a live lease."""
        now = self._wall()
        taken = []

        def change(doc):
            doc = doc or {}
            live = self._live(doc.get(name, {}), now)
            if limit is None or len(live) < limit:
                live[holder] = {"host": self._host, "pid": os.getpid(), "until": now + self._ttl}
                taken.append(holder)
            doc[name] = live  # reclaimed leases are dropped either way
            return doc
        self._store.update_meta(KEY, change)
        return bool(taken)

    def release(self, name: str, holder: str) -> None:
        def change(doc):
            if not doc or holder not in doc.get(name, {}):
                return None
            del doc[name][holder]
            return doc
        self._store.update_meta(KEY, change)

    def held(self, name: str) -> int:
        """Live leases of ``name`` now."""
        doc = self._store.get_meta(KEY) or {}
        return len(self._live(doc.get(name, {}), self._wall()))

    def _live(self, leases: dict, now: float) -> dict:
        return {holder: lease for holder, lease in leases.items()
                if lease["until"] > now
                and (lease["host"] != self._host or self._alive(lease["pid"]))}
