"""The request journal: what clients sent and what they got back, bounded, secrets redacted."""

from __future__ import annotations

import json

from .errors import AdminError
from ..settings import Settings
from .redaction import Redaction

LOG = "journal"
CRITERIA = ("vendor", "operation", "method", "path", "status", "request_id")
FIELD_PREVIEW = 256      # characters of one string value the journal keeps


def shorten(value):
    """``value`` with long strings replaced by their length and lists cut to 50 items."""
    if isinstance(value, str) and len(value) > FIELD_PREVIEW:
        return f"<{len(value)} characters>"
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten(v) for v in value[:50]]
    return value


def exchange_entry(*, direction: str, request_id: str, time: float, vendor: str,
                   operation: str | None, method: str, path: str, query: dict, headers: dict,
                   body: dict | None, status: int | None, response_headers: dict,
                   response_body: str | None, duration_ms: float,
                   error: str | None = None) -> dict:
    """One journal entry, the same shape both ways: ``inbound`` (a client's request and our
    answer) and ``outbound`` (a request the emulator made, a callback, and what came of it;
    ``error`` says why it failed or was never sent)."""
    response = {"headers": response_headers, "body": response_body}
    if error is not None:
        response["error"] = error
    return {"request_id": request_id, "time": time, "vendor": vendor, "operation": operation,
            "direction": direction, "method": method, "path": path, "query": query,
            "headers": headers, "body": body, "status": status, "response": response,
            "duration_ms": duration_ms}


def matches(entry: dict, criteria: dict) -> bool:
    for key, wanted in criteria.items():
        if key not in CRITERIA:
            raise AdminError(f"unknown journal criterion {key!r}; use {', '.join(CRITERIA)}")
        if key == "path":
            if wanted not in entry["path"]:
                return False
        elif entry.get(key) != wanted:
            return False
    return True


def _parsed(entry: dict) -> dict:
    """A response body recorded as JSON text comes back as JSON."""
    response = entry.get("response") or {}
    body = response.get("body")
    if isinstance(body, str) and body[:1] in ("{", "["):
        try:
            response["body"] = json.loads(body)
        except ValueError:
            pass
    return entry


class Journal:
    """Entries are kept with their secrets masked by ``redaction`` (the runtime's policy)."""

    def __init__(self, store, bound: int, redaction: Redaction | None = None):
        self._store = store
        self.bound = bound
        self.redaction = redaction or Redaction.from_settings(Settings())

    def record(self, entry: dict, tally: str | None = None) -> None:
        """Keep ``entry``, secrets masked; with ``tally``, count one for it in the same commit."""
        self._store.append_log(LOG, self.redaction.redact_json(entry), self.bound, tally)

    def entries(self, criteria: dict | None = None, limit: int | None = None) -> list[dict]:
        """Oldest first; ``limit`` keeps the newest."""
        found = [e for e in self._store.read_log(LOG, self.bound) if matches(e, criteria or {})]
        return [_parsed(e) for e in (found[-limit:] if limit else found)]

    def count(self, criteria: dict | None = None) -> int:
        return len(self.entries(criteria))

    def clear(self) -> None:
        self._store.clear_log(LOG)
