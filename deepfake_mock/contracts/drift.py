"""``deepfake-mock drift DIR``: what a vendor's recorded answers break or add of its spec, per
operation: the list of what the emulator's specs should learn.

Every recording of ``proxy --record`` is checked again against today's specs (so the report
shrinks as the specs learn): the request by strict mode's checker, the answer by the response
checker and the contract suite's watch-only vendor checks. A finding is *added* when the
upstream answered something the spec does not have (a field, a status, a path), *broken* when
it contradicts what the spec says (a type, an enum, a required field, an error string).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from werkzeug.datastructures import Headers, MultiDict

from ..core import recordings
from ..core.conformance import IncomingRequest, Violation
from ..core.request_checker import RequestChecker
from ..core.response_checker import ResponseChecker
from ..core.specs import Specs
from .watch import vendor_violations

ADDED_RULES = ("undocumented", "status")
EXAMPLE_CHARACTERS = 200


class Checkers:
    """Each vendor's request and response checkers, built on first use."""

    def __init__(self, specs: Specs):
        self.specs = specs
        self._built: dict = {}

    def __call__(self, slug: str) -> tuple[RequestChecker, ResponseChecker]:
        if slug not in self._built:
            spec = self.specs[slug]
            self._built[slug] = (RequestChecker(spec), ResponseChecker(spec))
        return self._built[slug]


def recheck(recording: dict, checkers: Checkers) -> list[Violation]:
    """What one recorded exchange breaks of today's spec (for a path that is no operation of
    the spec: what was recorded)."""
    operation, slug = recording["operation"], recording["vendor"]
    if operation is None or operation not in checkers.specs[slug].operations:
        return [Violation(**v) for v in recording.get("violations", [])]
    request_checker, response_checker = checkers(slug)
    answer = recording["response"]
    body = recordings.decode_body(answer.get("body"))
    status, headers = answer["status"], answer["headers"]
    return [*request_checker.check(operation, incoming(recording["request"])),
            *response_checker.check(operation, status, headers, body),
            *vendor_violations(slug, checkers.specs[slug].operations[operation],
                               recording["request"]["method"], status, headers, body or b"")]


def incoming(summary: dict) -> IncomingRequest:
    """A recorded request as strict mode's checker reads one."""
    headers = Headers(summary.get("headers") or {})
    body = summary.get("body")
    shaped = IncomingRequest(method=summary["method"], host_url="http://recorded/",
                             path=summary["path"], query=MultiDict(summary.get("query") or {}),
                             headers=headers, content_type=headers.get("Content-Type", ""),
                             has_body=body is not None)
    if body is None:
        return shaped
    if "form" in body:
        shaped.form = MultiDict(body["form"])
        shaped.files = tuple(part["field"] for part in body.get("files", ()))
    elif "json" in body:
        shaped.body = json.dumps(body["json"]).encode()
    elif "text" in body:
        shaped.body = body["text"].encode()
    return shaped


def from_recordings(directory: str | Path, spec_dir: Path, spec_files: dict[str, str]) -> dict:
    checkers = Checkers(Specs(spec_dir, spec_files))
    found, exchanges = [], Counter()
    for _, recording in recordings.load(directory):
        key = (recording["vendor"], recording["operation"])
        exchanges[key] += 1
        status = recording["response"]["status"]
        found += [(key, status, v) for v in recheck(recording, checkers)]
    return summarise(found, exchanges)


def summarise(found: list[tuple[tuple, int, Violation]], exchanges: Counter) -> dict:
    """``{recordings, operations: [{vendor, operation, exchanges, statuses, added, broken}]}``,
    only the operations with findings; each finding once, with how often and for which
    statuses it was seen, and its first message."""
    by_operation: dict[tuple, dict] = {}
    for key, status, violation in found:
        kind = "added" if violation.rule in ADDED_RULES else "broken"
        findings = by_operation.setdefault(key, {"added": {}, "broken": {}})[kind]
        name = (violation.side, violation.location, violation.field, violation.rule)
        finding = findings.setdefault(name, {
            "side": violation.side, "location": violation.location, "field": violation.field,
            "rule": violation.rule, "count": 0, "statuses": [],
            "example": violation.message[:EXAMPLE_CHARACTERS]})
        finding["count"] += 1
        if status not in finding["statuses"]:
            finding["statuses"].append(status)
    operations = [{"vendor": vendor, "operation": operation,
                   "exchanges": exchanges[(vendor, operation)],
                   "added": list(kinds["added"].values()),
                   "broken": list(kinds["broken"].values())}
                  for (vendor, operation), kinds in sorted(by_operation.items(),
                                                           key=lambda item: str(item[0]))]
    return {"recordings": sum(exchanges.values()), "operations": operations}


def render_text(report: dict) -> str:
    lines = [f"{report['recordings']} recorded exchange(s); "
             f"{len(report['operations'])} operation(s) drifted from the spec"]
    for op in report["operations"]:
        lines.append(f"\n{op['vendor']} {op['operation'] or '(no operation)'} "
                     f"({op['exchanges']} exchange(s))")
        for kind in ("added", "broken"):
            for f in op[kind]:
                where = f["field"] or f["location"]
                lines.append(f"  {kind:<7}{f['side']:<9}{where:<32} {f['rule']:<22} "
                             f"x{f['count']} (status {', '.join(map(str, f['statuses']))}): "
                             f"{f['example']}")
    return "\n".join(lines) + "\n"
