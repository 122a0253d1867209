"""The request journal: what clients sent and what they got back, bounded, secrets redacted."""

from __future__ import annotations

import json

from .errors import AdminError

LOG = "journal"
CRITERIA = ("vendor", "operation", "method", "path", "status", "request_id")
REDACTED = "[redacted]"
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


def redact_headers(headers: dict[str, str], secret_headers: frozenset[str]) -> dict[str, str]:
    """Replace secret header values; an Authorization header keeps its scheme."""
    out = {}
    for name, value in headers.items():
        if name.lower() not in secret_headers:
            out[name] = value
        elif name.lower() == "authorization" and " " in value:
            out[name] = f"{value.split(' ', 1)[0]} {REDACTED}"
        else:
            out[name] = REDACTED
    return out


def redact_fields(fields: dict, secret_fields: frozenset[str]) -> dict:
    return {k: (REDACTED if str(k).lower() in secret_fields else v) for k, v in fields.items()}


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
    def __init__(self, store, bound: int):
        self._store = store
        self.bound = bound

    def record(self, entry: dict, tally: str | None = None) -> None:
        """Keep ``entry``; with ``tally``, count one for it in the same commit."""
        self._store.append_log(LOG, entry, self.bound, tally)

    def entries(self, criteria: dict | None = None, limit: int | None = None) -> list[dict]:
        """Oldest first; ``limit`` keeps the newest."""
        found = [e for e in self._store.read_log(LOG, self.bound) if matches(e, criteria or {})]
        return [_parsed(e) for e in (found[-limit:] if limit else found)]

    def count(self, criteria: dict | None = None) -> int:
        return len(self.entries(criteria))

    def clear(self) -> None:
        self._store.clear_log(LOG)
