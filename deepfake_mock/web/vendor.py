"""The Vendor descriptor, and what a view may ask about the request it is handling."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from flask import Blueprint, current_app, g

from ..core.errors import VendorError
from ..core.jobs import Progression
from ..core.ratelimit import Decision

# (status, body, headers): body is a dict (sent as JSON) or a str (sent as text/plain)
Rendered = tuple[int, dict | str, dict[str, str]]


@dataclass(frozen=True)
class Vendor:
    """Everything the shared machinery needs to know about one vendor.

    ``status_error(status)`` is the vendor's own error for a bare HTTP status: it is what a fault
    rule, an unknown path (404), a wrong method (405), an oversized body (413) or an unexpected
    exception (500) answer with. ``authenticate(request, operation, runtime, settings)`` returns a
    principal (a dict with at least ``credential``, used to key rate limits) or raises
    VendorError; ``public_operations`` skip it. ``rate_limited(decision)`` is the vendor's 429;
    ``rate_limit_headers(decision)``, if set, is also added to every limited-but-allowed answer.
    ``bootstrap(runtime, settings)`` creates the vendor's fixed state (users, teams...) and must
    be idempotent: it runs at start-up and after every reset. ``max_body_bytes(settings)`` is
    the largest request body accepted (413 past it). ``decorate(response)`` adds headers the
    vendor puts on every answer (request ids...). ``admin`` is an optional blueprint of
    vendor-specific admin routes, served under ``/_admin/vendors/<slug>/``.
    ``invalid_request(violations)`` is the vendor's documented answer to a request that breaks
    its spec, used by strict mode's ``reject``.
    """

    slug: str
    title: str
    spec: str
    blueprint: Blueprint
    render_error: Callable[[VendorError], Rendered]
    status_error: Callable[[int], VendorError]
    invalid_request: Callable[[list], VendorError]
    progression: Progression = Progression("immediate")
    defaults: Mapping[str, Any] = field(default_factory=dict)
    authenticate: Callable[..., dict] | None = None
    public_operations: frozenset[str] = frozenset()
    rate_limited: Callable[[Decision], VendorError] | None = None
    rate_limit_headers: Callable[[Decision], dict[str, str]] | None = None
    bootstrap: Callable[..., None] | None = None
    max_body_bytes: Callable[[Mapping[str, Any]], int | None] = lambda settings: None
    decorate: Callable[[Any], None] | None = None
    admin: Blueprint | None = None


def runtime():
    """The Runtime of the app handling this request."""
    return current_app.extensions["deepfake_mock"]


def vendor_settings() -> Mapping[str, Any]:
    """The settings of the vendor this request is for."""
    return runtime().settings.vendor_settings(g.ctx.vendor.slug)


def principal() -> dict | None:
    """What the vendor's authenticate step returned for this request."""
    return g.ctx.principal
