"""Settled answers, served again without running their view.

A view whose answer cannot change while the state does not (a finished task, a page of finished
results) calls ``ctx.settle(until)``. The pipeline keeps that answer (status, headers and body as
the view made them) in the worker, under the request (method, URL, principal) and the store's
version it was made at. The same request at the same version (and, with ``until``, before that
emulator time) gets the kept answer: every step before the view still runs (faults, auth, rate
limits, strict mode), and every step after it (vendor headers, malformed-body faults, journal,
coverage) runs on the kept answer as on a fresh one. Any change to the state, from any worker,
moves the version on and the next request runs the view again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable, NamedTuple

from flask import Response, request

from .vendor import RequestContext

KEPT = 256                # answers kept per worker, least recently used first out
LARGEST = 256 * 1024      # bytes of the largest body kept


class Kept(NamedTuple):
    version: Hashable
    until: float | None
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class SettledAnswers:
    def __init__(self, size: int = KEPT):
        self._size = size
        self._kept: OrderedDict[tuple, Kept] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(ctx: RequestContext) -> tuple:
        """The request as far as a settled answer depends on it: where it went and who asked
        (the principal authentication made of it: strings and numbers)."""
        environ = request.environ
        return (ctx.vendor.slug, environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME"),
                environ["PATH_INFO"], environ.get("QUERY_STRING"),
                tuple(sorted((ctx.principal or {}).items())))

    def answer(self, ctx: RequestContext) -> Response | None:
        """The answer kept for this request, if it still holds."""
        if request.method != "GET":
            return None
        key = self._key(ctx)
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or kept.version != ctx.version:
                return None
            self._kept.move_to_end(key)
        if kept.until is not None and ctx.runtime.clock.now() >= kept.until:
            return None
        return Response(kept.body, status=kept.status, headers=kept.headers)

    def keep(self, ctx: RequestContext, response: Response) -> None:
        """Keep the view's answer if it settled it, succeeded, and left the state as it was."""
        if (not ctx.settled or request.method != "GET" or response.status_code != 200
                or response.is_streamed or response.direct_passthrough):
            return
        body = response.get_data()
        if len(body) > LARGEST or ctx.runtime.store.version() != ctx.version:
            return
        kept = Kept(ctx.version, ctx.settled_until, response.status_code,
                    list(response.headers.items()), body)
        key = self._key(ctx)
        with self._lock:
            self._kept[key] = kept
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
