"""What ``deepfake-mock serve`` tells the person who started it, and the gunicorn options it
passes through."""

from __future__ import annotations

from argparse import Namespace
from typing import Sequence

from . import __version__
from .settings import Settings

README_CREDENTIALS = 'README.md, "Point a client at it"'

# gthread workers' threads unless told: a WebSocket (Hiya's streaming verification) holds one
# thread while it lasts, not the worker
GTHREAD_THREADS = 8

# serve's option -> gunicorn's setting, for those given on the command line
GUNICORN_OPTIONS = {"keep_alive": "keepalive", "worker_class": "worker_class",
                    "threads": "threads", "certfile": "certfile", "keyfile": "keyfile"}


def gunicorn_options(args: Namespace) -> dict:
    """The gunicorn settings the command line asked for (the rest keep serve's choices)."""
    options = {setting: getattr(args, option) for option, setting in GUNICORN_OPTIONS.items()
               if getattr(args, option, None) is not None}
    if options.get("worker_class") == "gthread":
        options.setdefault("threads", GTHREAD_THREADS)
    return options


def server_url(settings: Settings, tls: bool = False) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"{'https' if tls else 'http'}://{host}:{settings.port}"


def banner(settings: Settings, vendors: Sequence, *, tls: bool = False) -> list[str]:
    """The lines printed before the server accepts requests: where each vendor is, where its
    spec is, the admin API, and where the default credentials are listed."""
    root = server_url(settings, tls)
    served = [v for v in vendors if settings.vendor in (None, v.slug)]
    workers = f"{settings.workers} worker{'s' if settings.workers != 1 else ''}"
    lines = [f"deepfake-mock {__version__} on {root} ({workers}, state {settings.state})"]
    width = max(len(f"{root}/{v.slug}") for v in served) + 1
    for vendor in served:
        base = f"{root}/" if settings.vendor else f"{root}/{vendor.slug}"
        lines.append(f"  {vendor.slug:<10}{base:<{width}} spec {root}/{vendor.slug}/openapi.yaml"
                     f"  {vendor.title}")
    if settings.upstream:
        lines.append(f"  validation proxy: every request forwarded to {settings.upstream}, both "
                     f"sides checked (/_admin/violations)")
        if settings.record:
            lines.append(f"  recording each exchange in {settings.record}/")
    elif settings.vendor:
        lines.append(f"  single-vendor mode: {settings.vendor}'s real paths at the root")
    if settings.replay:
        lines.append(f"  replaying the recordings of {settings.replay}/ before emulating")
    lines.append(f"  {'admin':<10}{root + '/_admin/':<{width}} spec {root}/_admin/openapi.yaml")
    if not settings.upstream:
        lines.append(f"default credentials of each vendor: {README_CREDENTIALS}")
    if settings.access_log:
        lines.append("access log: one line per request below (--quiet turns it off)")
    return lines
