"""Who may use the admin API (every path under /_admin, vendors' admin routes too).

In order, each refusal a JSON ``{"error": ...}`` like every admin answer:

1. ``Host`` must be a name this server answers for (403): an IP address, ``localhost`` (and
   ``*.localhost``), the host it was bound to, or one of the ``admin_hosts`` setting (``"*"``:
   any). A DNS-rebinding page reaches the port under its own name, so its requests carry that.
2. A write (POST, PUT, PATCH, DELETE) whose ``Origin`` is not the server's own is refused (403):
   a page on another site cannot reset the emulator, whatever it sends.
3. With the ``admin_token`` setting, every request needs ``Authorization: Bearer <token>``
   (401, compared in constant time).
4. A write with a body must be ``application/json`` (415): the one kind a cross-site form or
   "simple" request cannot send without the browser asking first.

``/_admin/health`` and ``/_admin/openapi.yaml`` stay open to all: the Docker HEALTHCHECK and
the contract command's target detection read health, and neither tells anything secret.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from flask import Blueprint, request

PREFIX = "/_admin"
OPEN = ("/_admin/health", "/_admin/openapi.yaml")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WILDCARD_BINDS = ("", "0.0.0.0", "::", "[::]")


def host_names(settings) -> frozenset[str]:
    """The names (not addresses: those always pass) admin requests may carry in ``Host``."""
    extra = settings.admin_hosts
    extra = extra.split(",") if isinstance(extra, str) else list(extra)
    names = {"localhost", *(h.strip().lower().rstrip(".") for h in extra if h.strip())}
    if settings.host not in WILDCARD_BINDS:
        names.add(settings.host.lower())
    return frozenset(names)


def check_token_setting(settings) -> None:
    token = settings.admin_token
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise ValueError("admin_token must be a non-empty string (quote a numeric one in JSON)")


def install(blueprint: Blueprint, settings_of) -> None:
    """Guard every admin request of the app ``blueprint`` is registered on; ``settings_of()``
    gives the running app's settings (checked when the blueprint is registered)."""

    @blueprint.record_once
    def check_settings(state):
        with state.app.app_context():
            check_token_setting(settings_of())

    @blueprint.before_app_request
    def guard_admin():
        path = request.path
        if not (path == PREFIX or path.startswith(PREFIX + "/")) or path in OPEN:
            return None
        settings = settings_of()
        refusal = refuse(settings, host_names(settings))
        if refusal is None:
            return None
        status, message = refusal
        headers = {"WWW-Authenticate": 'Bearer realm="deepfake-mock admin"'} if status == 401 else {}
        return {"error": message}, status, headers


def refuse(settings, names: frozenset[str]) -> tuple[int, str] | None:
    """(status, message) when this request may not use the admin API, else None."""
    host, _ = _split_host(request.host)
    if not _host_allowed(host, names):
        return 403, (f"Host {request.host!r} is not a name this server answers admin requests "
                     f"for: add it to the admin_hosts setting (MOCKSERVER_ADMIN_HOSTS)")
    write = request.method in WRITES
    origin = request.headers.get("Origin")
    if write and origin is not None and not _same_origin(origin):
        return 403, f"Origin {origin!r} may not change this server: admin writes come from " \
                    f"clients, not pages of other sites"
    if settings.admin_token is not None and not _bearer_matches(settings.admin_token):
        return 401, "the admin API needs Authorization: Bearer <admin_token>"
    if write and _has_body() and request.mimetype != "application/json":
        return 415, "admin requests with a body must be Content-Type: application/json"
    return None


def _split_host(value: str) -> tuple[str, int | None]:
    """(host, port) of a Host header; brackets of an IPv6 address removed."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
    else:
        host, port = value, ""
    return host.rstrip("."), int(port) if port.isdigit() else None


def _host_allowed(host: str, names: frozenset[str]) -> bool:
    if "*" in names or host in names or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _same_origin(origin: str) -> bool:
    try:
        parts = urlsplit(origin)
        origin_port = parts.port
    except ValueError:
        return False
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host, port = _split_host(request.host)
    return (parts.scheme == request.scheme and (parts.hostname or "") == host
            and (origin_port or default) == (port or default))


def _bearer_matches(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()


def exposure_warning(settings) -> str | None:
    """What ``serve`` says when the admin API is reachable beyond this machine with no token."""
    if settings.admin_token is not None or _is_loopback(settings.host):
        return None
    return (f"warning: {settings.host}:{settings.port} is reachable from other machines and "
            f"admin_token is not set: anyone who can reach the port can use the admin API "
            f"(/_admin) to reset all state, read the request journal, change verdicts, faults, "
            f"rate limits and the clock. Set MOCKSERVER_ADMIN_TOKEN (clients then send "
            f"Authorization: Bearer <token>) or serve on 127.0.0.1.")


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
