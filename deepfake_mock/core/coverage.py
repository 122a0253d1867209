"""Coverage of a client's test run: which operations and documented statuses its requests
reached, and which it never saw (a 429 never handled, a failed task never polled...).

Every answer to a known operation is tallied as ``vendor|operation|status``. Tallies outlive
``reset`` (a client's suite resets the emulator between its tests); ``clear`` forgets them.
"""

from __future__ import annotations

from .specs import Specs

SEP = "|"


class Coverage:
    def __init__(self, store, specs: Specs):
        self._store = store
        self._specs = specs

    @staticmethod
    def key(vendor: str, operation: str, status: int) -> str:
        """The tally one answer counts for (the journal counts it as it records the answer)."""
        return SEP.join((vendor, operation, str(status)))

    def clear(self) -> None:
        self._store.clear_tallies()

    def report(self, vendors: list[str]) -> dict:
        """Per vendor and operation: the documented statuses seen (with counts), those never
        seen, and any undocumented status answered; totals per vendor and overall."""
        seen: dict[tuple[str, str], dict[int, int]] = {}
        for key, count in self._store.tallies().items():
            vendor, operation, status = key.split(SEP)
            seen.setdefault((vendor, operation), {})[int(status)] = count
        out = {"vendors": [], "totals": _totals([])}
        for slug in vendors:
            operations = []
            for op in self._specs[slug].operations.values():
                counts = seen.get((slug, op.operation_id), {})
                documented = [s for s in op.statuses if s != "DEFAULT"]
                operations.append({
                    "operation": op.operation_id, "method": op.method, "path": op.path,
                    "requests": sum(counts.values()),
                    "seen": {str(s): n for s, n in sorted(counts.items())},
                    "never_seen": [s for s in documented if not _reached(s, counts)],
                    "undocumented": [str(s) for s in sorted(counts) if not op.documents(s)],
                    "documented": documented,
                })
            out["vendors"].append({"vendor": slug, "operations": operations,
                                   "totals": _totals(operations)})
        out["totals"] = _totals([op for v in out["vendors"] for op in v["operations"]])
        return out


def _reached(documented: str, counts: dict[int, int]) -> bool:
    if documented.endswith("XX"):
        return any(str(s)[0] == documented[0] for s in counts)
    return int(documented) in counts


def _totals(operations: list[dict]) -> dict:
    statuses = sum(len(op["documented"]) for op in operations)
    missing = sum(len(op["never_seen"]) for op in operations)
    return {"operations": len(operations),
            "operations_reached": sum(1 for op in operations if op["requests"]),
            "statuses": statuses, "statuses_reached": statuses - missing}


def render_text(report: dict) -> str:
    """The report as a person reads it: one block per vendor, one line per operation."""
    lines = []
    for vendor in report["vendors"]:
        t = vendor["totals"]
        lines.append(f"{vendor['vendor']}: {t['operations_reached']}/{t['operations']} operations, "
                     f"{t['statuses_reached']}/{t['statuses']} documented statuses")
        for op in vendor["operations"]:
            seen = " ".join(f"{s}x{n}" for s, n in op["seen"].items()) or "-"
            lines.append(f"  {op['operation']:<32} {op['method']:<6} {op['path']}")
            lines.append(f"      seen: {seen}")
            if op["never_seen"]:
                lines.append(f"      never seen: {' '.join(op['never_seen'])}")
            if op["undocumented"]:
                lines.append(f"      undocumented: {' '.join(op['undocumented'])}")
    t = report["totals"]
    lines.append(f"total: {t['operations_reached']}/{t['operations']} operations, "
                 f"{t['statuses_reached']}/{t['statuses']} documented statuses reached")
    return "\n".join(lines) + "\n"
