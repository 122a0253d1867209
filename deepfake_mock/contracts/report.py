"""The contract report: per vendor and operation, each documented status as passed, FAILED or
not exercised, with the failing example as a curl command; as text or as JSON.

Every request the suite sends a vendor (generated cases and flow requests alike) is captured
(contracts/conftest.py wraps ``requests``' ``HTTPAdapter.send``) into the test's ``Recorder``
and stays pending until the test settles it: a generated case by its checks' verdict, a flow
at the test's end (passed: every exchange passed; failed: its last exchange failed with the
assertion message; skipped: dropped). An exchange belongs to the spec operation whose method
and path template match, the longest literal template winning.
"""

from __future__ import annotations

import re
import shlex
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.core.specs import Operation, Spec
from deepfake_mock.testing.target import Target

REDACTED = "[Filtered]"  # the word schemathesis's own sanitizer uses
SECRET_HEADERS = ("authorization", "x-api-key")
SECRET_FIELD = re.compile(r'("(?:sign|password)"\s*:\s*)"[^"]*"|((?:^|&)(?:sign|password)=)[^&]*')
UNSHOWN_HEADERS = ("content-length", "connection", "accept-encoding", "user-agent")
MAX_FAILURES = 3  # distinct failure messages kept per operation and status
SHORT_BODY = 1000  # characters of a text body shown in a curl command
WIDTH = 100


@dataclass(frozen=True)
class Route:
    """An operation of the spec and the request paths it answers."""

    operation: Operation
    pattern: re.Pattern

    @property
    def literal(self) -> int:
        """How much of the template is literal: the more specific template wins a match."""
        return len(re.sub(r"\{[^}]*\}", "", self.operation.path))


def load_routes(slug: str) -> list[Route]:
    """The spec's operations, in its order; a path may follow any of its servers' path
    prefixes (Hiya's ``/audiointel/{region}``)."""
    spec = Spec(SPEC_DIR / f"{slug}.yaml")
    prefixes = sorted({_template(urlsplit(server["url"]).path.rstrip("/"))
                       for server in spec.document.get("servers", [])} | {""},
                      key=len, reverse=True)
    return [Route(op, re.compile(f"^(?:{'|'.join(prefixes)}){_template(op.path)}$"))
            for op in spec.operations.values()]


def _template(path: str) -> str:
    return "".join("[^/]*" if part.startswith("{") else re.escape(part)
                   for part in re.split(r"(\{[^}]*\})", path))


@dataclass
class Exchange:
    """One request to a vendor and the status it got, kept until its test settles it."""

    vendor: str
    operation: str | None  # operationId; None when no operation of the spec matches
    request_line: str  # METHOD path (under the vendor's base)
    documented: bool  # the operation documents the status
    status: int
    method: str
    url: str
    headers: dict
    body: bytes | str | None

    def curl(self, redact: bool) -> str:
        parts = ["curl", "-X", self.method]
        for name, value in self.headers.items():
            if name.lower() in UNSHOWN_HEADERS or (name.lower() == "accept" and value == "*/*"):
                continue
            secret = redact and name.lower() in SECRET_HEADERS
            parts += ["-H", f"{name}: {REDACTED if secret else value}"]
        if self.body:
            parts += ["--data-binary", self._shown_body(redact)]
        return " ".join(shlex.quote(part) for part in [*parts, self.url])

    def _shown_body(self, redact: bool) -> str:
        body = self.body
        if isinstance(body, bytes):
            try:
                body = body.decode("utf-8")
            except UnicodeDecodeError:
                return self._placeholder()
        if len(body) > SHORT_BODY or "\r" in body or not body.isprintable():
            return self._placeholder()
        return SECRET_FIELD.sub(lambda m: f"{m.group(1) or m.group(2)}{_quoted_redaction(m)}",
                                body) if redact else body

    def _placeholder(self) -> str:
        kind = "multipart " if "multipart" in self.headers.get("Content-Type", "") else ""
        return f"@<{len(self.body)}-byte {kind}body>"


def _quoted_redaction(match) -> str:
    return f'"{REDACTED}"' if match.group(1) else REDACTED


@dataclass
class Outcome:
    passed: int = 0
    failed: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # message -> curl of its last example


class Report:
    """Every settled exchange of one run against one target."""

    def __init__(self, target: Target):
        self.target = target
        self.routes = {slug: load_routes(slug) for slug in target.slugs}
        self.outcomes: dict[tuple[str, str, int], Outcome] = {}

    def exchange(self, request, response) -> Exchange | None:
        """The exchange a prepared request and its response make, if it went to a vendor."""
        located = self._locate(request.url)
        if located is None:
            return None
        slug, path = located
        matches = [route for route in self.routes[slug]
                   if route.operation.method == request.method and route.pattern.match(path)]
        route = max(matches, key=lambda r: r.literal, default=None)
        op, status = route and route.operation, response.status_code
        return Exchange(slug, op.operation_id if op else None, f"{request.method} {path}",
                        op is not None and op.documents(status), status, request.method,
                        request.url, dict(request.headers), request.body)

    def _locate(self, url: str) -> tuple[str, str] | None:
        """(vendor, path under its base) for a URL under a vendor's base, admin calls excluded."""
        for slug in self.target.slugs:
            base = self.target.url(slug)
            if url == base or url.startswith((base + "/", base + "?")):
                path = urlsplit(url).path[len(urlsplit(base).path):] or "/"
                return None if path.split("/")[1] == "_admin" else (slug, path)
        return None

    def add(self, exchange: Exchange, message: str | None = None, curl: str | None = None):
        """Count one settled exchange; a status its operation does not document always fails."""
        key = (exchange.vendor, exchange.operation or exchange.request_line, exchange.status)
        outcome = self.outcomes.setdefault(key, Outcome())
        if message is None and exchange.operation and not exchange.documented:
            message = f"{exchange.status} is not a documented response of {exchange.operation}"
        if message is None:
            outcome.passed += 1
            return
        outcome.failed += 1
        if message in outcome.failures or len(outcome.failures) < MAX_FAILURES:
            outcome.failures[message] = curl or exchange.curl(redact=not self.target.is_emulator)

    def data(self) -> dict:
        """The report as JSON-ready data."""
        vendors = [self._vendor_data(slug) for slug in self.target.slugs]
        statuses = [s for v in vendors for op in v["operations"] for s in op["statuses"]]
        documented = [s for s in statuses if s["documented"]]
        return {
            "target": {"base_url": self.target.base_url, "emulator": self.target.is_emulator},
            "vendors": vendors,
            "summary": {
                "vendors": len(vendors),
                "operations": sum(len(v["operations"]) for v in vendors),
                "documented": len(documented),
                **{key: sum(s["result"] == result for s in documented)
                   for key, result in (("passed", "passed"), ("failed", "failed"),
                                       ("not_exercised", "not exercised"))},
                "undocumented": len(statuses) - len(documented),
            },
        }

    def _vendor_data(self, slug: str) -> dict:
        seen = {}
        for (vendor, operation, status), outcome in sorted(self.outcomes.items()):
            if vendor == slug:
                seen.setdefault(operation, {})[status] = outcome
        operations = []
        for op in (route.operation for route in self.routes[slug]):
            outcomes = seen.pop(op.operation_id, {})
            documented = [_status(code, True, outcomes.pop(int(code), None)) for code in op.statuses]
            undocumented = [_status(str(code), False, o) for code, o in outcomes.items()]
            operations.append({"operation_id": op.operation_id, "method": op.method,
                               "path": op.path, "statuses": documented + undocumented})
        other = [{"request": request, "statuses": [_status(str(code), None, o)
                                                   for code, o in outcomes.items()]}
                 for request, outcomes in seen.items()]
        return {"vendor": slug, "base_url": self.target.url(slug), "operations": operations,
                "other": other}


def _status(code: str, documented: bool | None, outcome: Outcome | None) -> dict:
    """One status of an operation (``documented`` None: of a request no operation matches)."""
    result = ("not exercised" if outcome is None
              else "failed" if outcome.failed else "passed")
    failures = outcome.failures.items() if outcome else ()
    return {"status": code, "documented": documented, "result": result,
            "passed": outcome.passed if outcome else 0, "failed": outcome.failed if outcome else 0,
            "failures": [{"message": message, "curl": curl} for message, curl in failures]}


def render(data: dict) -> str:
    """The report as text, one block per vendor, then a summary line."""
    lines = []
    for vendor in data["vendors"]:
        lines.append(f"{vendor['vendor']}  ({vendor['base_url']})")
        for op in vendor["operations"]:
            lines.append(f"  {op['operation_id']}  {op['method']} {op['path']}")
            lines += _status_lines(op["statuses"])
        if vendor["other"]:
            lines.append("  requests no operation of the spec matches")
            for other in vendor["other"]:
                lines += _status_lines(other["statuses"], lead=other["request"])
    s = data["summary"]
    lines.append(f"summary: {_count(s['vendors'], 'vendor')}, "
                 f"{_count(s['operations'], 'operation')}, "
                 f"{s['documented']} documented statuses: {s['passed']} passed, "
                 f"{s['failed']} failed, {s['not_exercised']} not exercised"
                 + (f"; {s['undocumented']} undocumented seen" if s["undocumented"] else ""))
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _status_lines(statuses: list[dict], lead: str = "") -> list[str]:
    """The statuses as words, wrapped; then each failure's message and curl command."""
    words = [f"{s['status']} {'FAILED' if s['result'] == 'failed' else s['result']}"
             + (" (undocumented)" if s["documented"] is False else "") for s in statuses]
    lines = [f"    {lead}"]
    for word in words:
        if len(lines[-1]) + len(word) + 3 > WIDTH and lines[-1].strip():
            lines.append("    ")
        lines[-1] += word if not lines[-1].strip() else f"   {word}"
    for s in statuses:
        for failure in s["failures"]:
            lines.append(f"      {s['status']}: {failure['message']}")
            lines.append(f"      {failure['curl']}")
    return lines


class Recorder:
    """One test's exchanges with the vendors, pending until the test settles them."""

    def __init__(self, report: Report):
        self.report = report
        self.pending: list[Exchange] = []

    def wrap(self, send):
        """``send`` (``HTTPAdapter.send``) recording every exchange with a vendor."""
        def recording_send(adapter, request, *args, **kwargs):
            response = send(adapter, request, *args, **kwargs)
            exchange = self.report.exchange(request, response)
            if exchange is not None:
                self.pending.append(exchange)
            return response
        return recording_send

    def settle(self, message: str | None = None, curl: str | None = None, *, first: bool = False):
        """Pending exchanges passed; with ``message``, the last one (the first one with
        ``first``) failed with it, shown as ``curl`` (default: built from the request)."""
        exchanges, self.pending = self.pending, []
        failed = (exchanges[0] if first else exchanges[-1]) if message and exchanges else None
        message = _one_line(message) if message else None
        for exchange in exchanges:
            if exchange is failed:
                self.report.add(exchange, message, curl)
            else:
                self.report.add(exchange)

    def drop(self):
        self.pending = []

    def pending_curl(self) -> str | None:
        """The first pending exchange (a generated case's own request) as a curl command,
        secrets hidden unless the target is the emulator."""
        if not self.pending:
            return None
        return self.pending[0].curl(redact=not self.report.target.is_emulator)

    @contextmanager
    def case(self, curl):
        """Settle one generated case: its first exchange fails with the checks' failures, shown
        as ``curl()``; the exchanges its checks made themselves (polls) pass."""
        self.settle()
        try:
            yield
        except (Exception, BaseExceptionGroup) as error:  # schemathesis raises a FailureGroup
            self.settle(describe(error), curl(), first=True)
            raise
        self.settle()


def describe(error: BaseException) -> str:
    """One line per failure: the check's title and the first line of its message."""
    failures = getattr(error, "exceptions", None) or [error]
    return "; ".join(f"{getattr(f, 'title', type(f).__name__)}: "
                     f"{_one_line(getattr(f, 'message', str(f)))}" for f in failures)


def flow_failure(longrepr) -> str:
    """A failed test's message: where it failed, the failing line, pytest's first word on it."""
    crash = getattr(longrepr, "reprcrash", None)
    if crash is None:
        return _one_line(str(longrepr))
    entries = longrepr.reprtraceback.reprentries
    lines = getattr(entries[-1], "lines", []) if entries else []
    marked = [line[1:].strip() for line in lines if line.startswith(">")]
    source = f"{marked[-1]} -> " if marked else ""
    return _one_line(f"{Path(crash.path).name}:{crash.lineno}: {source}{crash.message}")


def _one_line(text: str) -> str:
    """The first line that says something, at most 300 characters."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:300]
