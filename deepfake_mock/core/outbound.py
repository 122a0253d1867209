"""Outbound HTTP that connects exactly to what was checked.

The emulator makes requests on a client's behalf (Resemble's ``url`` media and callbacks), so a
client chooses where they go. ``check`` parses the URL once and refuses what a second parser
could read differently (user information, backslashes, spaces, non-ASCII, schemes other than
http and https, bad ports) and any path reaching an emulator's admin API (a ``_admin`` segment,
whatever the host). It resolves the host once and keeps the addresses the allow-list admits;
``get`` and ``post_json`` then connect to the first of them that accepts, sending the URL's
host as ``Host`` (and, for https, as SNI and the name the certificate must carry). Redirects
are never followed. One deadline covers the whole exchange, from connect to the last byte, and
``get`` reads at most ``max_bytes``.

Allow-list entries (parsed once by ``Policy.of``), each optionally ending in ``:port``:

- ``*``: any host;
- ``loopback``: a loopback address, written as one or as ``localhost`` (or ``*.localhost``);
- an address (``127.0.0.2``, ``::1``) or a network (``10.0.0.0/8``): what the host resolves to;
- ``*.example.org``: any subdomain's name; any other entry: exactly that host name (the name is
  trusted, and the connection goes to an address it resolved to when checked).

A host name no entry could admit is refused without being resolved.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import re
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
ADMIN_SEGMENT = "_admin"
CHUNK = 1 << 16
LABEL = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
HOST_NAME = re.compile(rf"^{LABEL}(\.{LABEL})*\.?$")
PORTED_ENTRY = re.compile(r"^(?P<host>\[[^\]]*\]|[^:]*):(?P<port>\d{1,5})$")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not be contacted; nothing was sent. ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Failed(Exception):
    """The exchange was tried and gave no usable answer (network, deadline, size, status)."""


@dataclass(frozen=True)
class Rule:
    """One allow-list entry: ``kind`` is any, loopback, network, suffix or name."""

    kind: str
    value: object = None
    port: int | None = None

    @classmethod
    def parse(cls, entry: str) -> "Rule":
        text = entry.strip().lower()
        port = None
        ported = PORTED_ENTRY.match(text)
        if ported:
            text, port = ported["host"], int(ported["port"])
            if not 0 < port < 65536:
                raise ValueError(f"not an allow-list entry: {entry!r}")
        text = text.strip("[]")
        if text == "*":
            return cls("any", None, port)
        if text == "loopback":
            return cls("loopback", None, port)
        try:
            return cls("network", ipaddress.ip_network(text, strict=False), port)
        except ValueError:
            pass
        if text.startswith("*.") and HOST_NAME.match(text[2:]):
            return cls("suffix", text[1:].rstrip("."), port)
        if text and HOST_NAME.match(text):
            return cls("name", text.rstrip("."), port)
        raise ValueError(f"not an allow-list entry: {entry!r}")

    def may_admit(self, host: str, port: int) -> bool:
        """Whether the entry can admit ``host`` at all, before its address is known."""
        if self.port is not None and port != self.port:
            return False
        if self.kind == "loopback":
            return (_address(host) is not None or host == "localhost"
                    or host.endswith(".localhost"))
        if self.kind == "suffix":
            return host.endswith(self.value)
        if self.kind == "name":
            return host == self.value
        return True

    def admits(self, host: str, address: Address, port: int) -> bool:
        if not self.may_admit(host, port):
            return False
        if self.kind == "loopback":
            return address.is_loopback
        if self.kind == "network":
            return address.version == self.value.version and address in self.value
        return True


@dataclass(frozen=True)
class Policy:
    """Where requests may go (``rules``, named ``setting`` in refusals), the ``deadline`` in
    seconds for a whole exchange, and the most bytes a ``get`` reads."""

    rules: tuple[Rule, ...]
    setting: str
    deadline: float
    max_bytes: int | None = None
    resolve: Callable = socket.getaddrinfo

    @classmethod
    def of(cls, entries, setting: str, deadline: float, max_bytes: int | None = None,
           resolve: Callable = socket.getaddrinfo) -> "Policy":
        if isinstance(entries, str) or not all(isinstance(e, str) for e in entries):
            raise ValueError(f"{setting} must be a list of strings")
        try:
            rules = tuple(Rule.parse(e) for e in entries)
        except ValueError as exc:
            raise ValueError(f"{setting}: {exc}") from None
        return cls(rules, setting, float(deadline), max_bytes, resolve)


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to one of ``addresses`` (in order) at ``port``, send
    ``host_header`` and ``target``."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    host_header: str
    target: str


def check(url: str, policy: Policy) -> Target:
    """Where ``url`` may be fetched from, or ``Refused`` saying why not (nothing resolved or
    sent); ``Failed`` when its host does not resolve."""
    if not isinstance(url, str) or not url.isascii() or re.search(r"[\x00-\x20\x7f\\]", url):
        raise Refused("the URL has a backslash, a space, a control or a non-ASCII character")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("the URL's host or port cannot be read") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise Refused("only http and https URLs are fetched")
    if "@" in parts.netloc:
        raise Refused("the URL carries user information")
    host = parts.hostname or ""
    literal = None if "%" in host else _address(host)
    if literal is None:
        host = host.rstrip(".")
        if not HOST_NAME.match(host):
            raise Refused("the URL's host is not a host name or an address")
    if port is None:
        port = DEFAULT_PORTS[scheme]
    elif port == 0:
        raise Refused("the URL's port is 0")
    if any(seg.lower() == ADMIN_SEGMENT for seg in unquote(parts.path).split("/")):
        raise Refused("the URL's path reaches an emulator's admin API")
    if not any(rule.may_admit(host, port) for rule in policy.rules):
        raise Refused(f"{host} port {port} is not in {policy.setting}")
    candidates = [literal] if literal is not None else _resolve(policy, host, port)
    admitted = tuple(str(address) for address in candidates
                     if any(rule.admits(host, address, port) for rule in policy.rules))
    if not admitted:
        where = host if literal is not None else f"{host} ({', '.join(map(str, candidates))})"
        raise Refused(f"{where} port {port} is not in {policy.setting}")
    shown = f"[{host}]" if ":" in host else host
    return Target(url, scheme, host, port, admitted,
                  shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}",
                  (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))


def get(target: Target, policy: Policy, write: Callable[[bytes], object]) -> int:
    """GET ``target``, passing the body to ``write`` in chunks; the number of bytes. ``Failed``
    for anything but a 2xx within the deadline and ``policy.max_bytes``."""
    with _Exchange(target, policy) as exchange:
        response = exchange.send("GET", None, {"Accept": "*/*", "Accept-Encoding": "identity"})
        if not 200 <= response.status < 300:
            kind = "a redirect (not followed)" if 300 <= response.status < 400 else "an error"
            raise Failed(f"HTTP {response.status}: {kind}")
        limit = policy.max_bytes
        declared = response.getheader("Content-Length")
        if limit is not None and declared and declared.isdigit() and int(declared) > limit:
            raise Failed(f"Content-Length {declared} is above {limit} bytes")
        size = 0
        while chunk := exchange.read(response, CHUNK):
            size += len(chunk)
            if limit is not None and size > limit:
                raise Failed(f"the body is larger than {limit} bytes")
            write(chunk)
        if response.length:
            raise Failed(f"the body ended {response.length} bytes early")
        return size


def post_json(target: Target, policy: Policy, body) -> int:
    """POST ``body`` as JSON to ``target``; the status of the answer (its body is not read)."""
    data = json.dumps(body).encode()
    with _Exchange(target, policy) as exchange:
        return exchange.send("POST", data, {"Content-Type": "application/json"}).status


class _Exchange:
    """One connection to a checked target, every step of it within one deadline."""

    def __init__(self, target: Target, policy: Policy):
        self._target = target
        self._seconds = policy.deadline
        self._deadline = time.monotonic() + policy.deadline
        self._sock: socket.socket | None = None

    def __enter__(self) -> "_Exchange":
        return self

    def __exit__(self, *exc) -> None:
        if self._sock is not None:
            self._sock.close()

    def remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self._late()
        return left

    def _late(self) -> Failed:
        return Failed(f"no answer within the deadline of {self._seconds:g} s")

    def send(self, method: str, data: bytes | None, headers: dict) -> http.client.HTTPResponse:
        t = self._target
        try:
            self._sock = self._connect()
            if t.scheme == "https":
                self._sock.settimeout(self.remaining())
                self._sock = ssl.create_default_context().wrap_socket(
                    self._sock, server_hostname=t.host)
            conn = http.client.HTTPConnection(t.host, t.port)
            conn.sock = _DeadlineSocket(self._sock, self.remaining)
            conn.putrequest(method, t.target, skip_host=True, skip_accept_encoding=True)
            for name, value in {"Host": t.host_header, "User-Agent": "deepfake-mock",
                                "Connection": "close", **headers,
                                **({"Content-Length": str(len(data))} if data is not None
                                   else {})}.items():
                conn.putheader(name, value)
            conn.endheaders(data)
            return conn.getresponse()
        except TimeoutError:
            raise self._late() from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise Failed(f"{type(exc).__name__}: {exc}") from exc

    def _connect(self) -> socket.socket:
        """A connection to the first checked address that takes one."""
        error: OSError | None = None
        for address in self._target.addresses:
            try:
                return socket.create_connection((address, self._target.port),
                                                timeout=self.remaining())
            except OSError as exc:
                error = exc
        raise error

    def read(self, response: http.client.HTTPResponse, size: int) -> bytes:
        try:
            return response.read1(size)
        except TimeoutError:
            raise self._late() from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise Failed(f"{type(exc).__name__}: {exc}") from exc


class _DeadlineSocket:
    """What ``http.client`` needs of a socket, each send and read bounded by what is left of
    the deadline (``remaining`` raises ``Failed`` once it has passed). Closed by its owner."""

    def __init__(self, sock: socket.socket, remaining: Callable[[], float]):
        self._sock = sock
        self._remaining = remaining

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._remaining())
        self._sock.sendall(data)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._remaining), CHUNK)

    def close(self) -> None:
        pass


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, remaining: Callable[[], float]):
        self._sock = sock
        self._remaining = remaining

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(self._remaining())
        return self._sock.recv_into(buffer)


def _address(host: str) -> Address | None:
    """The address ``host`` names literally (IPv4-mapped IPv6 as IPv4), or None for a name."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def _resolve(policy: Policy, host: str, port: int) -> list[Address]:
    try:
        infos = policy.resolve(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise Failed(f"cannot resolve {host}: {exc}") from exc
    found: list[Address] = []
    for *_, sockaddr in infos:
        address = _address(sockaddr[0].split("%", 1)[0])
        if address is not None and address not in found:
            found.append(address)
    if not found:
        raise Failed(f"cannot resolve {host}")
    return found
