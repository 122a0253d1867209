"""Hiya's lists: query parameters, filtering, sorting and header pagination.

Every list endpoint answers a bare JSON array and carries its pagination in the ``Page-Total``,
``Page-Size``, ``Page-Current`` and ``Item-Total`` response headers (DOCUMENTED). Items given to
``select`` are plain dicts holding ``handle``, ``alias``, the epoch timestamps they are sorted or
filtered on, and ``score`` where scores apply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from .iso8601 import parse_timestamp

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 50

VERIFICATION_SORTS = ("handle", "createdAt", "performedAt")
AUDIO_SORTS = ("handle", "createdAt", "uploadedAt")
IDENTITY_SORTS = ("handle", "createdAt")
RECORD_SORTS = ("performedAt",)


class QueryError(ValueError):
    """Invalid query parameters: ``errors`` maps each parameter to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT
    sort: str = "createdAt"
    search: str | None = None
    after: float | None = None
    before: float | None = None
    min_score: float | None = None
    max_score: float | None = None


def _int(value: str, low: int, high: int | None) -> int:
    text = value.strip()
    if not text or not (text.isdigit() or (text[0] in "+-" and text[1:].isdigit())):
        raise ValueError
    number = int(text)
    if number < low or (high is not None and number > high):
        raise ValueError
    return number


def _score(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= 1:
        raise ValueError
    return number


def parse_query(args: Mapping[str, str], sorts: tuple[str, ...], *, default_sort: str | None = None,
                scores: bool = False, search: bool = True) -> ListQuery:
    """Read ``page``, ``page-size``, ``sort``, ``search``, ``after``, ``before`` and (when
    ``scores``) ``min-score`` / ``max-score``. Unknown parameters are ignored."""
    errors: dict[str, list[str]] = {}
    values: dict = {"sort": default_sort or ("createdAt" if "createdAt" in sorts else sorts[0])}

    def read(name, key, convert, message):
        raw = args.get(name)
        if raw is None:
            return
        try:
            values[key] = convert(raw)
        except (ValueError, TypeError, OverflowError):
            errors[name] = [message]

    read("page", "page", lambda v: _int(v, 1, None), "Must be an integer greater than or equal to 1.")
    read("page-size", "page_size", lambda v: _int(v, 1, PAGE_SIZE_MAX),
         f"Must be an integer between 1 and {PAGE_SIZE_MAX}.")
    read("sort", "sort", lambda v: _choice(v, sorts), f"Must be one of: {', '.join(sorts)}.")
    if search:
        read("search", "search", str, "Must be a string.")
    read("after", "after", parse_timestamp, "Not a valid date-time.")
    read("before", "before", parse_timestamp, "Not a valid date-time.")
    if scores:
        read("min-score", "min_score", _score, "Must be a number between 0 and 1.")
        read("max-score", "max_score", _score, "Must be a number between 0 and 1.")
    if errors:
        raise QueryError(errors)
    return ListQuery(**values)


def _choice(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError
    return value


def select(items: list[dict], query: ListQuery, *, date_field: str = "createdAt") -> list[dict]:
    """Filter and sort (ascending; ties keep the given order, i.e. creation order)."""
    chosen = []
    needle = query.search.lower() if query.search else None
    for item in items:
        if needle is not None and needle not in item["handle"].lower() \
                and needle not in (item.get("alias") or "").lower():
            continue
        moment = item.get(date_field)
        if query.after is not None and (moment is None or moment < query.after - 5e-7):
            continue
        if query.before is not None and (moment is None or moment > query.before + 5e-7):
            continue
        if query.min_score is not None or query.max_score is not None:
            score = item.get("score")
            if score is None:
                continue
            if query.min_score is not None and score < query.min_score:
                continue
            if query.max_score is not None and score > query.max_score:
                continue
        chosen.append(item)
    key = query.sort
    if key == "handle":
        return sorted(chosen, key=lambda i: i["handle"])
    return sorted(chosen, key=lambda i: (i.get(key) is None, i.get(key) or 0.0))


def paginate(items: list, page: int, page_size: int) -> tuple[list, dict[str, str]]:
    """One page of ``items`` and its pagination headers. A page past the end is empty."""
    total = len(items)
    start = (page - 1) * page_size
    headers = {
        "Page-Total": str(math.ceil(total / page_size)),
        "Page-Size": str(page_size),
        "Page-Current": str(page),
        "Item-Total": str(total),
    }
    return items[start:start + page_size], headers


def page(items: list[dict], query: ListQuery, *,
         date_field: str = "createdAt") -> tuple[list, dict[str, str]]:
    """The ``doc`` of each item on the page ``query`` asks for, and the pagination headers."""
    chosen = select(items, query, date_field=date_field)
    shown, headers = paginate(chosen, query.page, query.page_size)
    return [item["doc"] for item in shown], headers
