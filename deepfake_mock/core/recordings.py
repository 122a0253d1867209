"""Recorded exchanges: one readable JSON file per request the validation proxy forwarded, and
the index ``serve --replay`` answers from.

A recording is ``{vendor, operation, recorded_at, request, response, violations}``. The request
is a summary (method, path, query, headers, body); the response keeps its status, headers and
body. A JSON body is kept as JSON with the ``layout`` its bytes had, so that it is answered again
byte for byte; other text is kept as text; media (anything else) as its SHA-256 and size only.
Secrets are masked before a file is written (the runtime's redaction policy).

A request is identified by its operation, path, query and body (media by digest); several
recordings of the same request (a task polled until done) are answered in the order recorded,
the last one again once they are used up.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

SUFFIX = ".json"
TEXT_TYPES = ("text/", "application/json", "application/yaml", "application/xml",
              "application/problem+json", "application/x-www-form-urlencoded")

# How JSON text is laid out, by name: a body's bytes are one of these of its value, or text.
LAYOUTS = {
    "compact": dict(separators=(",", ":"), ensure_ascii=False),
    "compact-ascii": dict(separators=(",", ":"), ensure_ascii=True),
    "spaced": dict(separators=(", ", ": "), ensure_ascii=True),
    "spaced-utf8": dict(separators=(", ", ": "), ensure_ascii=False),
    "indented": dict(indent=2, ensure_ascii=False),
}


def digest(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def is_text(content_type: str | None) -> bool:
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    return mimetype.startswith(TEXT_TYPES) or mimetype.endswith("+json")


def encode_body(data: bytes, content_type: str | None) -> dict | None:
    """A body as a recording keeps it: ``{json, layout}``, ``{text}`` or ``{sha256, size}``."""
    if not data:
        return None
    if not is_text(content_type):
        return digest(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return digest(data)
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    for name in LAYOUTS:
        for newline in (False, True):
            if _layout(value, name, newline) == text:
                return {"json": value, "layout": name + ("+newline" if newline else "")}
    return {"text": text}


def decode_body(body: dict | None) -> bytes | None:
    """The bytes a recorded body stands for; None when only its digest was kept."""
    if body is None:
        return b""
    if "json" in body:
        name, _, newline = body.get("layout", "compact").partition("+")
        return _layout(body["json"], name, bool(newline)).encode("utf-8")
    if "text" in body:
        return body["text"].encode("utf-8")
    return None


def _layout(value, name: str, newline: bool) -> str:
    return json.dumps(value, **LAYOUTS.get(name, LAYOUTS["compact"])) + ("\n" if newline else "")


def identity(operation: str | None, request: dict) -> str:
    """What identifies a request among the recordings: its operation, path, query and body
    (the summary's, secrets masked as they are in the files)."""
    key = {"operation": operation, "method": request["method"], "path": request["path"],
           "query": request.get("query") or {}, "body": request.get("body")}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def file_name(vendor: str, operation: str | None, request_id: str, when: datetime) -> str:
    """``<UTC time>-<vendor>-<operation>-<id>.json``: names sort in the order recorded."""
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{vendor}-{operation or 'undocumented'}-{request_id[:8]}{SUFFIX}"


def write(directory: str | Path, recording: dict, name: str) -> Path:
    """Write one recording (atomically: a reader never sees half a file)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".recording-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(recording, out, indent=2, ensure_ascii=False)
        out.write("\n")
    path = directory / name
    os.replace(temp, path)
    return path


def load(directory: str | Path) -> list[tuple[str, dict]]:
    """Every recording of ``directory`` as (file name, recording), in the order recorded."""
    directory = Path(directory)
    found = []
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        try:
            found.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as error:
            raise RecordingError(f"{path}: not a recording ({error})") from error
    return found


class RecordingError(ValueError):
    """A file in a recordings folder that cannot be read as one."""


class Recordings:
    """The recordings of one folder by vendor and request identity, for replay."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._by_key: dict[tuple[str, str], list[tuple[str, dict]]] = {}
        for name, recording in load(self.directory):
            if decode_body(recording["response"].get("body")) is None:
                continue  # a media answer kept as its digest cannot be answered again
            key = (recording["vendor"], identity(recording["operation"], recording["request"]))
            self._by_key.setdefault(key, []).append((name, recording))

    def __len__(self) -> int:
        return sum(len(found) for found in self._by_key.values())

    def matching(self, vendor: str, operation: str | None, request: dict) -> tuple[str, list]:
        """The key of this request (for counting its replays) and its recordings, in order."""
        key = identity(operation, request)
        return key, self._by_key.get((vendor, key), [])


def recorded_at(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
