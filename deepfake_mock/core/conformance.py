"""Strict mode's vocabulary: a Violation of the spec, the request strict mode looks at, and the
bounded log of violations found. The checking itself is ``request_checker``'s (openapi-core, loaded
only once strict mode is used)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

from werkzeug.datastructures import Headers, MultiDict

MODES = ("off", "record", "reject")
LOG = "violations"


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``side`` is request (a client's) or response (an upstream's, seen by the
    validation proxy); ``location`` is path, query, header, body or status; ``field`` the
    parameter, header or dotted body field (None for the body as a whole); ``rule`` the schema
    keyword (required, type, enum, pattern, maximum...), content-type, syntax, status,
    undocumented, or a vendor check's title."""

    location: str
    field: str | None
    rule: str
    message: str
    side: str = "request"

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def name(self) -> str:
        """The field, or where the problem is when it is not one field's."""
        return self.field or self.location


def by_field(violations: Iterable[Violation]) -> dict[str, list[str]]:
    """{field: [message, ...]}: the shape vendors' validation errors list problems in."""
    out: dict[str, list[str]] = {}
    for v in violations:
        out.setdefault(v.name, []).append(v.message)
    return out


@dataclass
class IncomingRequest:
    """What strict mode needs of a request. ``form``/``files`` are set for form bodies (files:
    the name of each file part); ``body`` for other bodies that were read; ``has_body`` says
    whether a body was sent at all."""

    method: str
    host_url: str
    path: str
    query: MultiDict
    headers: Headers
    content_type: str
    has_body: bool
    body: bytes | None = None
    form: MultiDict | None = None
    files: tuple[str, ...] = ()


class Violations:
    """The bounded log of violations strict mode found, newest last."""

    def __init__(self, store, bound: int):
        self._store = store
        self.bound = bound

    def record(self, entry: dict, violations: list[Violation]) -> None:
        for violation in violations:
            self._store.append_log(LOG, {**entry, **violation.as_dict()}, self.bound)

    def entries(self, vendor: str | None = None) -> list[dict]:
        return [e for e in self._store.read_log(LOG, self.bound)
                if vendor is None or e["vendor"] == vendor]

    def clear(self) -> None:
        self._store.clear_log(LOG)
