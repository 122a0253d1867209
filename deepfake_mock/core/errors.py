"""Errors are data: domain code raises VendorError, each vendor's envelope renders it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class VendorError(Exception):
    """An error the vendor's API documents, rendered by that vendor's error envelope.

    ``code`` is the vendor's machine-readable code (Phonexia's ``type``, FinAuth's ``error``...),
    ``message`` its human-readable text, ``detail`` any structured extra the envelope uses.
    """

    status: int
    code: str
    message: str = ""
    detail: list | dict | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class AdminError(Exception):
    """A bad request to the admin API (rendered as ``{"error": message}``)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status
