"""The Vendor descriptor, and the RequestContext every hook and view of a vendor is handed."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

from flask import Blueprint, Response, current_app

from ..core.errors import VendorError
from ..core.jobs import Progression
from ..core.ratelimit import Decision

# (status, body, headers): body is a dict (sent as JSON) or a str (sent as text/plain)
Rendered = tuple[int, dict | str, dict[str, str]]


@dataclass(frozen=True)
class Vendor:
    """Everything the shared machinery needs to know about one vendor (its package's
    ``__init__.py`` holds nothing else). Every hook takes the request's RequestContext.

    - ``config``: the frozen dataclass of the vendor's settings (``config.py``); create_app builds
      it once from the settings layers, and ``ctx.config`` is that instance. Its
      ``max_body_bytes`` is the largest request body read (413 past it).
    - ``render_error(err, ctx)``: the vendor's envelope for a VendorError.
    - ``status_error(status, ctx)``: the vendor's own error for a bare HTTP status, the answer to
      a fault rule, an unknown path (404), a wrong method (405), an oversized body (413) or an
      unexpected exception (500).
    - ``invalid_request(violations, ctx)``: the documented answer to a request that breaks the
      spec (strict mode's ``reject``).
    - ``authenticate(ctx)``: returns the principal (a dict with at least ``credential``, the key
      of rate limits) or raises VendorError; ``public_operations`` skip it.
    - ``rate_limited(decision, ctx)``: the vendor's 429 (see ``core.ratelimit.retry_headers``).
    - ``acquire(ctx)`` runs after ``authenticate`` and may raise; ``release(ctx)`` runs when the
      request ends, whatever happened, if ``acquire`` kept something in ``ctx.held`` (FinAuth's
      concurrency slot).
    - ``deliveries(runtime, config)``: the ``web.deliveries.DeliveryWorker`` of the vendor's
      callback outbox; on any request a worker process resumes the deliveries left open.
    - ``decorate(ctx, response)``: headers the vendor puts on every answer (request ids...).
    - ``bootstrap(runtime, config)``: the vendor's fixed state (users, teams...); idempotent, it
      runs at start-up and after every reset.
    - ``admin``: a blueprint of vendor-specific admin routes, under ``/_admin/vendors/<slug>/``.
    """

    slug: str
    title: str
    spec: str
    blueprint: Blueprint
    config: type
    render_error: Callable[[VendorError, RequestContext], Rendered]
    status_error: Callable[[int, RequestContext], VendorError]
    invalid_request: Callable[[list, RequestContext], VendorError]
    rate_limited: Callable[[Decision, RequestContext], VendorError]
    progression: Progression = Progression("immediate")
    authenticate: Callable[[RequestContext], dict] | None = None
    public_operations: frozenset[str] = frozenset()
    acquire: Callable[[RequestContext], None] | None = None
    release: Callable[[RequestContext], None] | None = None
    deliveries: Callable[[Any, Any], Any] | None = None
    decorate: Callable[[RequestContext, Response], None] | None = None
    bootstrap: Callable[[Any, Any], None] | None = None
    admin: Blueprint | None = None


@dataclass
class RequestContext:
    """One vendor request as the pipeline sees it, handed to every hook and, as ``ctx``, to the
    view. ``held`` is where ``acquire`` keeps what ``release`` gives back; ``version`` is the
    store's when the request began (``web.answers``). A step that answers in the view's place
    (an override, a recording) says so in ``answered_by`` and ``answered_from``."""

    vendor: Vendor
    config: Any
    runtime: Any
    operation: str | None
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    principal: dict | None = None
    held: Any = None
    malformed: bool = False
    dropped: bool = False
    violations: list = field(default_factory=list)
    reason: str | None = None      # why the emulator itself answered an error (access log)
    version: Hashable = None
    settled: bool = False
    settled_until: float | None = None
    answered_by: str = "emulator"  # or override, replay, upstream (the journal says which)
    answered_from: str | None = None  # the override's id, the recording's file name

    @classmethod
    def new(cls, vendor: Vendor, rt, operation: str | None = None) -> RequestContext:
        """A request's context: the vendor's config from the runtime's settings, a new id."""
        return cls(vendor, rt.settings.vendors[vendor.slug], rt, operation, uuid.uuid4().hex)

    def settle(self, until: float | None = None) -> None:
        """The view's answer stays the same while the state does (until emulator time
        ``until``, if given): the pipeline may serve it again without the view."""
        self.settled, self.settled_until = True, until

    def elapsed_ms(self, digits: int | None = None):
        """Milliseconds since the request began: whole, or rounded to ``digits``."""
        elapsed = (time.perf_counter() - self.started) * 1000
        return int(elapsed) if digits is None else round(elapsed, digits)


def runtime():
    """The Runtime of the app handling this request."""
    return current_app.extensions["deepfake_mock"]

