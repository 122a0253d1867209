"""The request journal: what clients sent and what they got back, bounded, secrets redacted."""

from __future__ import annotations

import json
from typing import Callable, Hashable, NamedTuple

from .errors import AdminError
from ..settings import Settings
from .redaction import Redaction, json_escaped
from .worker_logs import Shared

LOG = "journal"
CRITERIA = ("vendor", "operation", "method", "path", "status", "request_id", "answered_by")
FIELD_PREVIEW = 256      # characters of one string value the journal keeps
SIDES_REMEMBERED = 512   # sides of exchanges kept redacted per process (a polled path repeats)


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


class Side(NamedTuple):
    """One side of an inbound exchange, redacted: the client's request (method, path, query,
    headers, body) or the answer (headers, body), as JSON text."""
    text: str
    secrets: tuple[str, ...]   # found in it, as JSON text writes them: not to show on the other side


class Journal:
    """Entries are kept with their secrets masked by ``redaction`` (the runtime's policy).

    An inbound exchange is recorded from its two sides, each redacted once per distinct content
    (``side``): a client polling one path sends the same request and gets the same answer, and
    only the request id, time, status and duration differ from one entry to the next."""

    def __init__(self, store, bound: int, redaction: Redaction | None = None):
        self._store = store
        self.bound = bound
        self.redaction = redaction or Redaction.from_settings(Settings())
        self._sides: dict[Hashable, Side] = {}

    def record(self, entry: dict, tally: str | None = None) -> None:
        """Keep ``entry``, secrets masked; with ``tally``, count one for it in the same commit."""
        self._store.append_log(LOG, self.redaction.redact_json(entry), self.bound, tally)

    def side(self, key: Hashable | None, fields: Callable[[], dict], *,
             members: bool = False) -> Side:
        """The side ``fields()`` gives, redacted; remembered under ``key`` (None: a side that
        does not repeat, such as a request with a body). With ``members``, its text is the
        object's members without braces: fields of the entry itself (the request's)."""
        side = self._sides.get(key) if key is not None else None
        if side is None:
            text, found = self.redaction.redact_json_found(fields())
            side = Side(Shared(text[1:-1] if members else text),
                        tuple(json_escaped(secret) for secret in found))
            if key is not None:
                if len(self._sides) >= SIDES_REMEMBERED:
                    self._sides.clear()
                self._sides[key] = side
        return side

    def record_exchange(self, head: dict, sent: Side, answer: Side, tally: str | None) -> None:
        """Keep the inbound entry of ``head`` (request id, time, vendor, operation, status,
        duration) and its two sides: the same document as ``exchange_entry`` makes."""
        pieces = [json.dumps({"direction": "inbound", **head}, separators=(",", ":"))[:-1], ",",
                  sent.text, ',"response":', answer.text, "}"]
        if (any(secret in answer.text for secret in sent.secrets)
                or any(secret in sent.text for secret in answer.secrets)):
            pieces = [self.redaction.redact_json(json.loads("".join(pieces)))]
        self._store.append_log(LOG, pieces, self.bound, tally)

    def entries(self, criteria: dict | None = None, limit: int | None = None) -> list[dict]:
        """Oldest first; ``limit`` keeps the newest."""
        found = [e for e in self._store.read_log(LOG, self.bound) if matches(e, criteria or {})]
        return [_parsed(e) for e in (found[-limit:] if limit else found)]

    def count(self, criteria: dict | None = None) -> int:
        return len(self.entries(criteria))

    def clear(self) -> None:
        self._store.clear_log(LOG)
