"""Resemble Detect's domain: plain Python over the runtime's store, clock, ids and jobs, one
module per resource, every record scoped to the team of the token that made it.

- ``intake``: media by URL, direct upload or secure-upload token (``media_tokens``), and the
  documented upload rules;
- ``detects``: a detect is a job (``jobs:resemble``, scope = team) walking ``processing`` to
  ``completed`` or ``failed``; its metrics (``results``) are decided when it is created and show
  once it has left ``processing``;
- ``batches``: many detects made from one request;
- ``questions``: detect intelligence, a job walking ``pending`` -> ``processing`` -> ``completed``;
- ``tracings`` and ``intelligences``: records a finished detect leaves; ``POST /intelligence``
  makes intelligence records of its own;
- ``watermarks``: apply and detect jobs; ``files``: the files served at the emulator's URLs;
- ``callbacks``: the bodies POSTed to a ``callback_url``, through the core outbox.

A detect is *settled* the first time anything sees it finished (a GET, a list, the callback
worker): that is when its tracing and intelligence records appear and, under zero retention,
its media file is deleted. Settling is idempotent and safe across workers.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

from ....core.rng import unit_interval
from ..errors import error

VENDOR = "resemble"
FILE_PREFIX = "resemble-"
UNSETTLED = "resemble_unsettled"   # finished-but-unseen detects and intelligence runs

AUTH_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
AUTH_TOKEN = re.compile(r'^\s*Token\s+token="?([^",\s]+)"?\s*(,.*)?$', re.IGNORECASE)
HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
DASHED = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def parse_authorization(header: str | None) -> str | None:
    """The API token of ``Bearer <token>`` or ``Token token=<token>`` (quoted or not)."""
    if not header:
        return None
    match = AUTH_BEARER.match(header) or AUTH_TOKEN.match(header)
    return match.group(1) if match else None


def authenticate(header: str | None, config) -> dict:
    """The principal of a known token: ``credential`` (the token) and its ``team``; else 401."""
    token = parse_authorization(header)
    if token is None or token not in config.tokens:
        raise error(401)
    return {"credential": token, "team": config.tokens[token]}


def normalize_uuid(value: str) -> str | None:
    """32 lowercase hex digits from a 32-hex or dashed 36-character id; None for anything else."""
    if HEX32.match(value):
        return value.lower()
    if DASHED.match(value):
        return value.replace("-", "").lower()
    return None


def iso(ts: float) -> str:
    """``2026-01-15T10:30:00.000Z``."""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def page_window(total: int, page: int, page_size: int) -> tuple[int, int]:
    """(offset, num_pages): the page's first index (at most ``total``: a page past the last is
    empty, however far past, within SQLite's integers), and the page count (0 with no records)."""
    return min((page - 1) * page_size, total), math.ceil(total / page_size)


def page(page: int, page_size: int, total: int, items: list) -> dict:
    """A page of a list endpoint."""
    return {"success": True, "page": page, "num_pages": page_window(total, page, page_size)[1],
            "page_size": page_size, "total_count": total, "items": items}


def unit_of(seed: int, digest: str):
    """The numbers in [0, 1) of one media file under one seed, by key parts."""
    return lambda *parts: unit_interval(seed, VENDOR, digest, *parts)


def public(record: dict) -> dict:
    """A stored record without the emulator's bookkeeping keys (``_team``, ``_pending``...)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def list_records(rt, collection: str, team: str, page_number: int, page_size: int) -> dict:
    """A page of the team's records of ``collection``, newest first (settled detects first)."""
    from .detects import settle_team

    settle_team(rt, team)
    total = rt.store.count(collection, scope=team)
    offset, _ = page_window(total, page_number, page_size)
    items = rt.store.scan(collection, scope=team, offset=offset, limit=page_size,
                          newest_first=True)
    return page(page_number, page_size, total, [public(r) for r in items])


def get_record(rt, collection: str, team: str, raw_id: str) -> dict | None:
    """The team's record of ``collection`` with that id, or None."""
    from .detects import settle_team

    record_id = normalize_uuid(raw_id)
    if record_id is None:
        return None
    settle_team(rt, team)
    record = rt.store.get(collection, record_id)
    return public(record) if record is not None and record["_team"] == team else None


def stamp_settled(rt, job: dict, working_states: tuple[str, ...]) -> dict:
    """Record when a finished job (a question, a watermark job) was first seen: its
    ``updated_at``. One winner across workers."""
    if job["state"] in working_states or job["data"]["settled_at"] is not None:
        return job
    now = rt.clock.now()

    def stamp(current):
        if current["data"]["settled_at"] is not None:
            return None
        current["data"]["settled_at"] = now
        return current
    rt.jobs.change(VENDOR, job["id"], stamp)
    return rt.jobs.get(VENDOR, job["id"])
