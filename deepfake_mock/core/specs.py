"""The vendors' OpenAPI documents as data: which operations exist and which statuses each
documents. Loaded lazily, once per process, from ``openapi/<vendor>.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str          # upper case
    path: str            # the spec's path template
    statuses: tuple[str, ...]   # documented response keys: "200", "4XX", "default"...

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def documents(self, status: int) -> bool:
        """Whether ``status`` is one of the documented responses (exactly or by range)."""
        code = str(status)
        return code in self.statuses or f"{code[0]}XX" in self.statuses


class Spec:
    def __init__(self, path: Path):
        self.path = path

    @cached_property
    def document(self) -> dict:
        return yaml.safe_load(self.path.read_text(encoding="utf-8"))

    @cached_property
    def operations(self) -> dict[str, Operation]:
        """operationId -> Operation, in the document's order."""
        found = {}
        for path, item in self.document.get("paths", {}).items():
            for method in HTTP_METHODS:
                op = item.get(method)
                if op and op.get("operationId"):
                    statuses = tuple(str(code).upper() for code in op.get("responses", {}))
                    found[op["operationId"]] = Operation(op["operationId"], method.upper(), path,
                                                         statuses)
        return found


class Specs:
    """One Spec per vendor slug, read on first use."""

    def __init__(self, spec_dir: Path, files: dict[str, str]):
        self._specs = {slug: Spec(Path(spec_dir) / name) for slug, name in files.items()}

    def __getitem__(self, slug: str) -> Spec:
        return self._specs[slug]

    def __iter__(self):
        return iter(self._specs)
