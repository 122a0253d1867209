"""Hiya's handles: how every user, organisation, space and resource is named in paths and
bodies (DOCUMENTED wording: lowercase alphanumerics separated by hyphens, 1 to 50 characters)."""

from __future__ import annotations

import re

HANDLE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
HANDLE_RE = re.compile(HANDLE_PATTERN)
HANDLE_MAX = 50


def is_handle(value: object) -> bool:
    """Lowercase alphanumerics separated by single hyphens, 1-50 characters."""
    return (isinstance(value, str) and 1 <= len(value) <= HANDLE_MAX
            and HANDLE_RE.fullmatch(value) is not None)
