"""Fault injection: a closed set of faults, scoped by vendor and operation, consumed by count.

- ``status``: answer with that HTTP status in the vendor's own error body;
- ``delay``: wait ``delay_ms`` before handling the request normally;
- ``drop``: close the connection without answering;
- ``malformed``: answer normally, but with the body cut in half (invalid JSON).
"""

from __future__ import annotations

from .errors import AdminError
from .rules import append_rule, rules_of, scope_matches, take_first

FAULTS = ("status", "delay", "drop", "malformed")
FIELDS = {"fault", "vendor", "operation", "status", "delay_ms", "times"}
KEY = "faults"  # the rule set


def validate(doc: dict) -> dict:
    if not isinstance(doc, dict):
        raise AdminError("a fault must be an object")
    unknown = set(doc) - FIELDS
    if unknown:
        raise AdminError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    if doc.get("fault") not in FAULTS:
        raise AdminError(f"fault must be one of {', '.join(FAULTS)}")
    status = doc.get("status")
    if doc["fault"] == "status" and (isinstance(status, bool) or not isinstance(status, int)
                                     or not 400 <= status <= 599):
        raise AdminError("a status fault needs a status from 400 to 599")
    delay = doc.get("delay_ms")
    if doc["fault"] == "delay" and (isinstance(delay, bool) or not isinstance(delay, (int, float))
                                    or not 0 < delay <= 60_000):
        raise AdminError("a delay fault needs delay_ms from 1 to 60000")
    times = doc.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise AdminError("times must be a positive integer")
    for key in ("vendor", "operation"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise AdminError(f"{key} must be a string")
    return doc


class Faults:
    def __init__(self, store, ids):
        self._store = store
        self._ids = ids

    def add(self, doc: dict) -> dict:
        rule = {k: v for k, v in validate(doc).items() if v is not None}
        rule.update(id=self._ids.uuid4("fault"), used=0)
        append_rule(self._store, KEY, rule)
        return rule

    def list(self) -> list[dict]:
        return rules_of(self._store, KEY)

    def clear(self) -> None:
        self._store.delete_meta(KEY)

    def take(self, vendor: str, operation: str | None) -> dict | None:
        """The first rule matching this request, consumed once; None when none applies."""
        return take_first(self._store, KEY, lambda r: scope_matches(r, vendor, operation))
