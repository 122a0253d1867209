"""The outbox: a vendor's outbound deliveries (callbacks) kept in the store, retried with backoff
on the emulator clock.

A delivery is enqueued in state ``waiting`` when a client asks for a callback. Each delivery
pass (``run_once``, made by a background thread or the admin API):

1. for each ``waiting`` delivery, asks the vendor's ``render_body`` whether the referenced job has
   finished (by any route: a poll, the emulator clock passing, an admin override); if so its body
   is frozen into the delivery, which becomes ``pending``;
2. for each ``pending`` delivery whose ``next_at`` has come on the *emulator* clock, claims it
   (a short lease on the wall clock, so that the passes of several server processes never make
   the same attempt twice), POSTs it through ``core.outbound`` and records the attempt. A 2xx
   ends it ``delivered``; anything else schedules the next attempt after the retry policy's
   backoff, until ``max_attempts`` have failed (``failed``). A URL the vendor's outbound policy
   refuses is never contacted: the delivery ends ``blocked`` with one attempt saying why.

Every attempt is appended to the delivery document and to the journal as an outbound exchange.
Because backoff runs on the emulator clock, a test drives retries by advancing the clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from . import outbound
from .journal import exchange_entry, shorten

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
    """One vendor's deliveries, scoped by team. What is the vendor's is handed in:
    ``render_body(delivery)`` is the body to POST once the referenced job is finished (None while
    it is not), ``retry`` and ``outbound_policy`` say how often and where, ``iso`` formats times.
    ``send(target, policy, body)`` makes the POST and ``wall`` is the lease clock."""

    def __init__(self, store, clock, *, vendor: str, retry: RetryPolicy,
                 outbound_policy: outbound.Policy, render_body: Callable[[dict], dict | None],
                 iso: Callable[[float], str], journal=None,
                 send: Callable[[outbound.Target, outbound.Policy, dict], int] = outbound.post_json,
                 wall: Callable[[], float] = time.time):
        self._store = store
        self._clock = clock
        self.vendor = vendor
        self.retry = retry
        self.outbound = outbound_policy
        self._render_body = render_body
        self._iso = iso
        self._journal = journal
        self._send = send
        self._wall = wall
        self._collection = f"{vendor}_callbacks"
        self._open = f"{vendor}_callbacks_open"     # ids of deliveries not yet final

    # -- the documents --------------------------------------------------------------------------

    def enqueue(self, delivery_id: str, *, team: str, kind: str, ref: str, url: str) -> dict:
        doc = {"id": delivery_id, "team": team, "kind": kind, "ref": ref, "url": url,
               "state": "waiting", "body": None, "attempts": [], "next_at": None,
               "lease_until": None, "created_at": self._iso(self._clock.now())}
        self._store.put(self._collection, delivery_id, doc, scope=team)
        self._store.put(self._open, delivery_id, {"id": delivery_id})
        return doc

    def get(self, delivery_id: str) -> dict | None:
        return self._store.get(self._collection, delivery_id)

    def list(self, team: str | None = None) -> list[dict]:
        return self._store.scan(self._collection, scope=team)

    def open_ids(self) -> list[str]:
        return [d["id"] for d in self._store.scan(self._open)]

    def has_open(self) -> bool:
        return self._store.count(self._open) > 0

    def ready(self, delivery_id: str, body: dict) -> dict | None:
        """The referenced job finished: freeze the body and make the first attempt due now."""
        now = self._clock.now()

        def change(doc):
            if doc["state"] != "waiting":
                return None
            doc.update(state="pending", body=body, next_at=now)
            return doc
        return self._store.update(self._collection, delivery_id, change)

    def claim(self, delivery_id: str, lease: float = 30.0) -> dict | None:
        """Take a due delivery for one attempt; None when it is not due or another has it."""
        now, wall = self._clock.now(), self._wall()
        claimed = []

        def change(doc):
            if (doc["state"] != "pending" or doc["next_at"] is None or doc["next_at"] > now
                    or (doc["lease_until"] or 0) > wall):
                return None
            doc["lease_until"] = wall + lease
            claimed.append(True)
            return doc
        doc = self._store.update(self._collection, delivery_id, change)
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
                delay = self.retry.delay(n)
                if delay is None:
                    doc.update(state="failed", next_at=None)
                else:
                    doc["next_at"] = now + delay
            return doc
        doc = self._store.update(self._collection, delivery_id, change)
        if doc is not None and doc["state"] in FINAL_STATES:
            self._store.delete(self._open, delivery_id)
        return doc

    # -- a delivery pass ------------------------------------------------------------------------

    def run_once(self) -> int:
        """Promote finished jobs and make every due attempt; the number of attempts made."""
        attempts = 0
        for delivery_id in self.open_ids():
            doc = self.get(delivery_id)
            if doc is None:
                continue
            if doc["state"] == "waiting":
                body = self._render_body(doc)
                if body is None:
                    continue
                doc = self.ready(delivery_id, body) or doc
            if doc["state"] == "pending":
                claimed = self.claim(delivery_id)
                if claimed is not None:
                    self._attempt(claimed)
                    attempts += 1
        return attempts

    def _attempt(self, doc: dict) -> None:
        started = time.monotonic()
        status, error, blocked = None, None, False
        try:
            target = outbound.check(doc["url"], self.outbound)
            status = int(self._send(target, self.outbound, doc["body"]))
            if not 200 <= status < 300:
                error = f"receiver answered HTTP {status}"
        except outbound.Refused as exc:
            blocked, error = True, f"{exc.reason}; not contacted"
        except outbound.Failed as exc:
            error = str(exc)
        except Exception as exc:  # any network failure is a failed attempt, never a crash
            error = f"{type(exc).__name__}: {exc}"
        elapsed_ms = int((time.monotonic() - started) * 1000)
        updated = self.record(doc["id"], status=status, error=error,
                              elapsed_ms=elapsed_ms, blocked=blocked)
        if self._journal is not None and updated is not None:
            self._journal.record(self._journal_entry(updated, updated["attempts"][-1]))

    def _journal_entry(self, delivery: dict, attempt: dict) -> dict:
        """One attempt as an outbound exchange (operation ``callback``)."""
        entry = exchange_entry(
            direction="outbound", request_id=f"{delivery['id']}-{attempt['attempt']}",
            time=self._clock.now(), vendor=self.vendor, operation="callback", method="POST",
            path=delivery["url"], query={}, headers={"Content-Type": "application/json"},
            body={"json": shorten(delivery["body"])}, status=attempt["status"],
            response_headers={}, response_body=None, duration_ms=attempt["elapsed_ms"],
            error=attempt["error"])
        entry["callback"] = {"id": delivery["id"], "kind": delivery["kind"],
                             "ref": delivery["ref"], "attempt": attempt["attempt"],
                             "state": delivery["state"]}
        return entry
