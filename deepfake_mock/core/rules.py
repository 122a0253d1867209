"""Rules consumed by count (faults, verdict overrides): the first match wins and is used once."""

from __future__ import annotations

from typing import Callable


def take_first(store, collection: str, matches: Callable[[dict], bool]) -> dict | None:
    """Consume one use of the first rule in ``collection`` that ``matches``, atomically.

    A rule with ``times`` is deleted once used up; one without runs forever.
    """
    for rule in store.scan(collection):
        if not matches(rule):
            continue
        outcome = {}

        def use(current: dict) -> dict | None:
            if current.get("times") is not None and current["used"] >= current["times"]:
                return None  # another worker used it up in the meantime
            current["used"] += 1
            outcome["rule"] = current
            return current

        store.update(collection, rule["id"], use)
        taken = outcome.get("rule")
        if taken is None:
            continue
        if taken.get("times") is not None and taken["used"] >= taken["times"]:
            store.delete(collection, rule["id"])
        return taken
    return None


def scope_matches(rule: dict, vendor: str, operation: str | None) -> bool:
    return rule.get("vendor") in (None, vendor) and rule.get("operation") in (None, operation)
