"""Rules consumed by count (faults, verdict overrides): the first match wins and is used once.

A set of rules is one meta document, ``{"rules": [...]}`` in the order they were added, so a
request reads it with its meta snapshot and the common case (no rule applies) costs no query.
"""

from __future__ import annotations

from typing import Callable


def rules_of(store, key: str) -> list[dict]:
    """The rules of the set ``key``, in the order they were added."""
    return (store.get_meta(key) or {"rules": []})["rules"]


def append_rule(store, key: str, rule: dict) -> None:
    store.update_meta(key, lambda doc: {"rules": (doc or {"rules": []})["rules"] + [rule]})


def take_first(store, key: str, matches: Callable[[dict], bool]) -> dict | None:
    """Consume one use of the first rule of the set ``key`` that ``matches``, atomically.

    A rule with ``times`` is deleted once used up; one without runs forever.
    """
    if not any(matches(rule) for rule in rules_of(store, key)):
        return None  # the common case, answered from the request's meta snapshot
    taken = {}

    def use(doc: dict | None) -> dict | None:
        rules = (doc or {"rules": []})["rules"]
        for i, rule in enumerate(rules):
            if matches(rule):
                rule["used"] += 1
                taken["rule"] = rule
                if rule.get("times") is not None and rule["used"] >= rule["times"]:
                    del rules[i]
                return {"rules": rules}
        return None  # another worker used the last match up in the meantime

    store.update_meta(key, use)
    return taken.get("rule")


def scope_matches(rule: dict, vendor: str, operation: str | None) -> bool:
    return rule.get("vendor") in (None, vendor) and rule.get("operation") in (None, operation)
