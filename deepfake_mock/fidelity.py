"""The fidelity table: every ``x-emulator-note`` of every spec, where a user sees it
(docs/FIDELITY.md, between the markers)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

START, END = "<!-- fidelity:start -->", "<!-- fidelity:end -->"
METHODS = ("get", "post", "put", "patch", "delete")


def notes(spec: dict):
    """(where, note) pairs, in document order."""
    def walk(node, trail):
        if isinstance(node, dict):
            if "x-emulator-note" in node:
                yield _where(trail), " ".join(str(node["x-emulator-note"]).split())
            for key, value in node.items():
                yield from walk(value, trail + [str(key)])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                name = value.get("name") if isinstance(value, dict) else None
                yield from walk(value, trail + [name or str(i)])
    yield from walk(spec, [])


def _where(trail: list[str]) -> str:
    if not trail:
        return "whole API"
    if trail[0] == "paths" and len(trail) >= 3 and trail[2] in METHODS:
        rest = [t for t in trail[3:] if t not in ("content", "schema", "properties", "parameters",
                                                  "application/json", "multipart/form-data",
                                                  "requestBody", "headers")]
        return " ".join([trail[2].upper(), trail[1], *rest])
    if trail[0] == "paths":
        return " ".join(trail[1:])
    return " ".join(t for t in trail if t not in ("components", "properties"))


def table(spec_dir: Path, slugs: list[str]) -> str:
    rows = ["| vendor | where | what the emulator does |", "| --- | --- | --- |"]
    for slug in slugs:
        spec = yaml.safe_load((spec_dir / f"{slug}.yaml").read_text())
        for where, note in notes(spec):
            cell = note.replace("|", "\\|")
            rows.append(f"| {slug} | `{where}` | {cell} |")
    return "\n".join(rows)


class NoMarkers(ValueError):
    """The file has no ``<!-- fidelity:start -->`` ... ``<!-- fidelity:end -->`` pair."""


def write_table(path: Path, rendered: str) -> bool:
    """Write the table between the markers; True when the file changed."""
    text = path.read_text()
    pattern = re.escape(START) + ".*?" + re.escape(END)
    if not re.search(pattern, text, flags=re.S):
        raise NoMarkers(f"{path}: no {START} ... {END} markers to write the table between")
    new = re.sub(pattern, lambda _: f"{START}\n{rendered}\n{END}", text, flags=re.S)
    if new != text:
        path.write_text(new)
    return new != text
