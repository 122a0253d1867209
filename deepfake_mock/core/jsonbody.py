"""JSON documents from clients, parsed with a nesting limit.

A hostile document (ten thousand nested arrays) fails here as malformed JSON does, with a
ValueError, never with a RecursionError that would reach a view, the journal or the store as a
500. Vendors' documents are a few levels deep; MAX_DEPTH leaves ample room.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


def loads(data: str | bytes, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """``json.loads``, refusing documents nested deeper than ``max_depth`` (ValueError)."""
    try:
        value = json.loads(data, **kwargs)
    except RecursionError:
        raise ValueError("JSON document nested too deeply") from None
    if _deeper_than(value, max_depth):
        raise ValueError(f"JSON document nested deeper than {max_depth} levels")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (iterative: no recursion)."""
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
