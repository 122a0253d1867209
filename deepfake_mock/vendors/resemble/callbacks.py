"""Callback delivery: an outbox in the store and a background worker that empties it.

When a detect (or batch) with a ``callback_url`` is created, a delivery is written to the outbox
in state ``waiting``. A worker thread, started lazily in each process that serves Resemble, wakes
every ``interval`` seconds of real time and:

1. for each ``waiting`` delivery, asks ``resolve_body`` whether its detect has left
   ``processing`` (by any route: a poll, the emulator clock passing, an admin override); if so
   the body (the same JSON as a GET) is frozen into the delivery, which becomes ``pending``;
2. for each ``pending`` delivery whose ``next_at`` has come on the *emulator* clock, claims it
   (a short lease on the wall clock, so that the worker threads of several gunicorn processes
   never deliver the same attempt twice), POSTs it, and records the attempt. A 2xx ends it
   ``delivered``; anything else schedules the next attempt after the policy's backoff, until
   ``max_attempts`` have failed (``failed``). A URL ``core.outbound`` refuses (a host outside
   the allow-list, an admin path, user information...) is never contacted: the delivery ends
   ``blocked`` with one recorded attempt saying why.

Every attempt is appended to the delivery document and passed to ``on_attempt`` (the runtime's
journal), so the admin API shows each one. Because backoff runs on the emulator clock, a test
drives retries by advancing the clock, never by sleeping.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Callable

from ...core import outbound

COLLECTION = "resemble_callbacks"
INDEX = "resemble_callbacks_open"     # ids of deliveries not yet final (waiting or pending)
FINAL_STATES = ("delivered", "failed", "blocked")


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` POSTs at most; the n-th retry waits ``backoff * factor**(n-1)`` seconds of
    emulator time, at most ``max_delay``."""

    max_attempts: int = 5
    backoff: float = 1.0
    factor: float = 2.0
    max_delay: float = 300.0

    def delay(self, attempts_made: int) -> float | None:
        """Seconds until the next attempt after ``attempts_made`` failures; None when spent."""
        if attempts_made >= self.max_attempts:
            return None
        return min(self.max_delay, self.backoff * self.factor ** (attempts_made - 1))


class Outbox:
    """Delivery documents in the store, scoped by team; ``outbound`` says where and how long."""

    def __init__(self, store, clock, policy: RetryPolicy, outbound_policy: outbound.Policy,
                 iso: Callable[[float], str]):
        self._store = store
        self._clock = clock
        self.policy = policy
        self.outbound = outbound_policy
        self._iso = iso

    def enqueue(self, delivery_id: str, *, team: str, kind: str, ref: str, url: str) -> dict:
        doc = {"id": delivery_id, "team": team, "kind": kind, "ref": ref, "url": url,
               "state": "waiting", "body": None, "attempts": [], "next_at": None,
               "lease_until": None, "created_at": self._iso(self._clock.now())}
        self._store.put(COLLECTION, delivery_id, doc, scope=team)
        self._store.put(INDEX, delivery_id, {"id": delivery_id})
        return doc

    def get(self, delivery_id: str) -> dict | None:
        return self._store.get(COLLECTION, delivery_id)

    def list(self, team: str | None = None) -> list[dict]:
        return self._store.scan(COLLECTION, scope=team)

    def open_ids(self) -> list[str]:
        return [d["id"] for d in self._store.scan(INDEX)]

    def has_open(self) -> bool:
        return self._store.count(INDEX) > 0

    def ready(self, delivery_id: str, body: dict) -> dict | None:
        """The referenced job finished: freeze the body and make the first attempt due now."""
        now = self._clock.now()

        def change(doc):
            if doc["state"] != "waiting":
                return None
            doc.update(state="pending", body=body, next_at=now)
            return doc
        return self._store.update(COLLECTION, delivery_id, change)

    def claim(self, delivery_id: str, lease: float = 30.0) -> dict | None:
        """Take a due delivery for one attempt; None when it is not due or another has it."""
        now, wall = self._clock.now(), time.time()
        claimed = []

        def change(doc):
            if (doc["state"] != "pending" or doc["next_at"] is None or doc["next_at"] > now
                    or (doc["lease_until"] or 0) > wall):
                return None
            doc["lease_until"] = wall + lease
            claimed.append(True)
            return doc
        doc = self._store.update(COLLECTION, delivery_id, change)
        return doc if claimed else None

    def record(self, delivery_id: str, *, status: int | None, error: str | None,
               elapsed_ms: int, blocked: bool = False) -> dict | None:
        """Append an attempt and move the delivery on: delivered, retry later, failed, blocked."""
        now = self._clock.now()

        def change(doc):
            n = len(doc["attempts"]) + 1
            doc["attempts"].append({"attempt": n, "at": self._iso(now), "status": status,
                                    "error": error, "elapsed_ms": elapsed_ms})
            doc["lease_until"] = None
            if blocked:
                doc.update(state="blocked", next_at=None)
            elif status is not None and 200 <= status < 300:
                doc.update(state="delivered", next_at=None)
            else:
                delay = self.policy.delay(n)
                if delay is None:
                    doc.update(state="failed", next_at=None)
                else:
                    doc["next_at"] = now + delay
            return doc
        doc = self._store.update(COLLECTION, delivery_id, change)
        if doc is not None and doc["state"] in FINAL_STATES:
            self._store.delete(INDEX, delivery_id)
        return doc


class DeliveryWorker:
    """The thread that empties an outbox. ``resolve_body(delivery)`` returns the callback body
    once the referenced job is terminal (None while it is still processing); ``send(target, policy,
    body)`` POSTs to a checked target (``outbound.post_json``); ``on_attempt(delivery, attempt)``
    records it (the journal)."""

    def __init__(self, outbox: Outbox, *, resolve_body: Callable[[dict], dict | None],
                 send: Callable[[outbound.Target, outbound.Policy, dict], int] = outbound.post_json,
                 on_attempt: Callable[[dict, dict], None] | None = None,
                 interval: float = 0.1, idle_exit: float = 60.0):
        self.outbox = outbox
        self._resolve_body = resolve_body
        self._send = send
        self._on_attempt = on_attempt
        self.interval = interval
        self.idle_exit = idle_exit
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()

    # -- one pass, callable directly (tests, Prefer: wait) --------------------------------------

    def run_once(self) -> int:
        """Promote finished jobs and make every due attempt; the number of attempts made."""
        attempts = 0
        for delivery_id in self.outbox.open_ids():
            doc = self.outbox.get(delivery_id)
            if doc is None:
                continue
            if doc["state"] == "waiting":
                body = self._resolve_body(doc)
                if body is None:
                    continue
                doc = self.outbox.ready(delivery_id, body) or doc
            if doc["state"] == "pending":
                claimed = self.outbox.claim(delivery_id)
                if claimed is not None:
                    self._attempt(claimed)
                    attempts += 1
        return attempts

    def _attempt(self, doc: dict) -> None:
        started = time.monotonic()
        status, error, blocked = None, None, False
        try:
            target = outbound.check(doc["url"], self.outbox.outbound)
            status = int(self._send(target, self.outbox.outbound, doc["body"]))
            if not 200 <= status < 300:
                error = f"receiver answered HTTP {status}"
        except outbound.Refused as exc:
            blocked, error = True, f"{exc.reason}; not contacted"
        except outbound.Failed as exc:
            error = str(exc)
        except Exception as exc:  # any network failure is a failed attempt, never a crash
            error = f"{type(exc).__name__}: {exc}"
        elapsed_ms = int((time.monotonic() - started) * 1000)
        updated = self.outbox.record(doc["id"], status=status, error=error,
                                     elapsed_ms=elapsed_ms, blocked=blocked)
        if self._on_attempt is not None and updated is not None:
            self._on_attempt(updated, updated["attempts"][-1])

    # -- the thread -----------------------------------------------------------------------------

    def ensure_running(self) -> None:
        """Start the thread in this process if it is not running (after a fork too)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._wake.set()
                return
            self._stop.clear()
            self._thread = threading.Thread(target=_loop, args=(weakref.ref(self),),
                                            name="resemble-callbacks", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _tick(self) -> bool:
        """One pass; False when the thread should end (stopped, or idle with nothing open)."""
        if self._stop.is_set():
            return False
        try:
            self.run_once()
        except Exception:  # a broken store read must not kill the worker; try again next tick
            pass
        return True


def _loop(ref) -> None:
    idle_since = time.monotonic()
    while True:
        worker = ref()
        if worker is None or not worker._tick():
            return
        if worker.outbox.has_open():
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > worker.idle_exit:
            with worker._lock:  # ensure_running either sees no thread or we see its delivery
                if not worker.outbox.has_open():
                    worker._thread = None
                    return
        wake, interval = worker._wake, worker.interval
        del worker  # do not keep the worker alive while sleeping
        wake.wait(interval)
        wake.clear()
