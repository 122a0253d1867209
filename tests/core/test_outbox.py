"""The outbox: deliveries kept in the store, retried with backoff on the emulator clock, each
attempt journaled; and the thread that empties it (tests/vendors/resemble/test_api.py drives
Resemble's callbacks through the app)."""

from __future__ import annotations

import threading

from deepfake_mock.core import outbound, outbox
from deepfake_mock.testing.clock import ManualClock
from deepfake_mock.core.journal import Journal
from deepfake_mock.core.outbox import Outbox, RetryPolicy
from deepfake_mock.core.store import MemoryStore
from deepfake_mock.web.deliveries import DeliveryWorker


class Receiver:
    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.calls = []

    def __call__(self, target, policy, body):
        self.calls.append((target.url, body))
        status = self.statuses.pop(0) if self.statuses else 200
        if isinstance(status, Exception):
            raise status
        return status


class TestRetryPolicy:
    def test_backoff_doubles_up_to_the_cap(self):
        policy = RetryPolicy(max_attempts=6, backoff=1, factor=2, max_delay=5)
        assert [policy.delay(n) for n in range(1, 7)] == [1, 2, 4, 5, 5, None]

    def test_single_attempt(self):
        assert RetryPolicy(max_attempts=1).delay(1) is None


class TestOutbox:
    def setup_method(self):
        self.store = MemoryStore()
        self.clock = ManualClock(1000.0)
        self.done = {}
        self.journal = Journal(self.store, bound=100)

    def box(self, send, retry=None, allow=("loopback",)) -> Outbox:
        return Outbox(self.store, self.clock, vendor="acme",
                      retry=retry or RetryPolicy(max_attempts=3, backoff=2),
                      outbound_policy=outbound.Policy.of(allow, "acme.callback_allow_hosts", 5),
                      render_body=lambda d: self.done.get(d["ref"]), iso=str,
                      journal=self.journal, send=send)

    def test_waits_for_the_job_then_delivers_once(self):
        receiver = Receiver([200])
        box = self.box(receiver)
        box.enqueue("c1", team="t", kind="detect", ref="d1", url="http://127.0.0.1:9/cb")
        assert box.run_once() == 0 and receiver.calls == []
        self.done["d1"] = {"success": True, "item": {"uuid": "d1"}}
        assert box.run_once() == 1
        assert receiver.calls == [("http://127.0.0.1:9/cb", {"success": True, "item": {"uuid": "d1"}})]
        doc = box.get("c1")
        assert doc["state"] == "delivered" and len(doc["attempts"]) == 1
        assert doc["attempts"][0]["status"] == 200 and doc["attempts"][0]["error"] is None
        assert box.run_once() == 0 and not box.has_open()
        (entry,) = self.journal.entries()
        assert (entry["request_id"], entry["direction"], entry["vendor"], entry["operation"]) == (
            "c1-1", "outbound", "acme", "callback")
        assert (entry["method"], entry["path"], entry["status"]) == (
            "POST", "http://127.0.0.1:9/cb", 200)
        assert entry["body"] == {"json": {"success": True, "item": {"uuid": "d1"}}}
        assert entry["response"] == {"headers": {}, "body": None}
        assert entry["callback"] == {"id": "c1", "kind": "detect", "ref": "d1", "attempt": 1,
                                     "state": "delivered"}

    def test_retries_on_the_emulator_clock_then_gives_up(self):
        receiver = Receiver([500, ConnectionError("refused"), 503])
        box = self.box(receiver)
        box.enqueue("c1", team="t", kind="detect", ref="d1", url="http://localhost/cb")
        self.done["d1"] = {"success": True}
        assert box.run_once() == 1
        assert box.run_once() == 0           # backoff: not due before the clock moves
        self.clock.advance(1.9)
        assert box.run_once() == 0
        self.clock.advance(0.1)
        assert box.run_once() == 1           # second attempt after 2 s
        self.clock.advance(3.9)
        assert box.run_once() == 0
        self.clock.advance(0.1)
        assert box.run_once() == 1           # third after 4 more
        doc = box.get("c1")
        assert doc["state"] == "failed" and doc["next_at"] is None
        assert [a["status"] for a in doc["attempts"]] == [500, None, 503]
        assert "ConnectionError: refused" in doc["attempts"][1]["error"]
        assert doc["attempts"][0]["error"] == "receiver answered HTTP 500"
        self.clock.advance(1000)
        assert box.run_once() == 0 and len(receiver.calls) == 3
        entries = self.journal.entries()
        assert [e["status"] for e in entries] == [500, None, 503]
        assert [e["callback"]["state"] for e in entries] == ["pending", "pending", "failed"]
        assert entries[0]["response"]["error"] == "receiver answered HTTP 500"

    def test_recovers_after_a_failure(self):
        box = self.box(Receiver([502, 204]))
        box.enqueue("c1", team="t", kind="detect", ref="d1", url="http://localhost/cb")
        self.done["d1"] = {"success": True}
        box.run_once()
        self.clock.advance(2)
        box.run_once()
        assert box.get("c1")["state"] == "delivered"

    def test_hosts_outside_the_allow_list_are_never_contacted(self):
        receiver = Receiver([200])
        box = self.box(receiver)
        box.enqueue("c1", team="t", kind="detect", ref="d1", url="https://hooks.example.org/detect")
        self.done["d1"] = {"success": True}
        assert box.run_once() == 1
        doc = box.get("c1")
        assert receiver.calls == [] and doc["state"] == "blocked"
        assert "not in acme.callback_allow_hosts" in doc["attempts"][0]["error"]
        assert not box.has_open()
        (entry,) = self.journal.entries()
        assert entry["status"] is None and "not contacted" in entry["response"]["error"]

    def test_a_claimed_delivery_is_not_claimed_twice(self):
        box = self.box(Receiver([]))
        box.enqueue("c1", team="t", kind="detect", ref="d1", url="http://localhost/cb")
        box.ready("c1", {"success": True})
        assert box.claim("c1") is not None
        assert box.claim("c1") is None
        assert box.run_once() == 0

    def test_deliveries_are_listed_by_team_and_kept_per_vendor(self):
        box = self.box(Receiver([]))
        box.enqueue("c1", team="t1", kind="detect", ref="d1", url="http://localhost/cb")
        box.enqueue("c2", team="t2", kind="batch", ref="b1", url="http://localhost/cb")
        assert [d["id"] for d in box.list()] == ["c1", "c2"]
        assert [d["id"] for d in box.list("t2")] == ["c2"]
        assert box.get("c1")["created_at"] == "1000.0"     # the vendor's time format
        other = Outbox(self.store, self.clock, vendor="other", retry=RetryPolicy(),
                       outbound_policy=box.outbound, render_body=lambda d: None, iso=str)
        assert other.list() == [] and not other.has_open()


class TestDeliveryWorker:
    def test_thread_delivers_without_being_driven(self):
        delivered = threading.Event()

        def send(target, policy, body):
            delivered.set()
            return 200
        box = Outbox(MemoryStore(), ManualClock(1000.0), vendor="acme", retry=RetryPolicy(),
                     outbound_policy=outbound.Policy.of(["loopback"], "acme.hosts", 5),
                     render_body=lambda d: {"success": True}, iso=str, send=send)
        worker = DeliveryWorker(box, interval=0.01)
        box.enqueue("c1", team="t", kind="detect", ref="d1", url="http://localhost/cb")
        worker.resume()
        try:
            assert delivered.wait(5)
        finally:
            worker.stop()
        assert box.get("c1")["state"] == "delivered"

    def test_resume_starts_nothing_without_open_deliveries(self):
        box = Outbox(MemoryStore(), ManualClock(1000.0), vendor="acme", retry=RetryPolicy(),
                     outbound_policy=outbound.Policy.of(["loopback"], "acme.hosts", 5),
                     render_body=lambda d: None, iso=str)
        DeliveryWorker(box).resume()
        assert "acme-callbacks" not in [t.name for t in threading.enumerate()]


def test_the_outbox_is_plain_python():
    source = open(outbox.__file__, encoding="utf-8").read()
    assert "import flask" not in source and "from flask" not in source
