"""Deterministic verdicts, with override rules.

By default a verdict is a pure function of (seed, vendor, media digest): the same media under
the same seed always gets the same fake-probability. Rules added over the admin API override
that. A rule is consumed by a *new* media digest; a digest that already took a rule keeps that
verdict on every retry (sticky), as a client retrying an upload expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import AdminError
from .rng import unit_interval
from .rules import append_rule, rules_of, take_first

LABELS = ("fake", "real")
RULE_FIELDS = {"vendor", "operation", "digest", "label", "probability", "score", "outcome",
               "times", "fields"}


@dataclass(frozen=True)
class Verdict:
    """``probability`` is the chance the media is fake, in [0, 1]; ``score`` a vendor-native
    score a rule pinned; ``outcome`` a vendor-specific non-success outcome a rule asked for
    (Phonexia ``failed``, GLAIR ``FAILED``, FinAuth ``NO_FACE_FOUND``...); ``fields`` extra
    vendor-specific values a rule sets."""

    probability: float
    label: str
    score: float | None = None
    outcome: str | None = None
    fields: dict = field(default_factory=dict)
    rule: str | None = None

    @property
    def is_fake(self) -> bool:
        return self.label == "fake"


def validate_rule(doc: dict) -> dict:
    if not isinstance(doc, dict):
        raise AdminError("a verdict rule must be an object")
    unknown = set(doc) - RULE_FIELDS
    if unknown:
        raise AdminError(f"unknown rule fields: {', '.join(sorted(unknown))}")
    if doc.get("label") is not None and doc["label"] not in LABELS:
        raise AdminError("label must be 'fake' or 'real'")
    p = doc.get("probability")
    if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1):
        raise AdminError("probability must be a number in [0, 1]")
    s = doc.get("score")
    if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float))):
        raise AdminError("score must be a number")
    times = doc.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise AdminError("times must be a positive integer")
    if not isinstance(doc.get("fields", {}), dict):
        raise AdminError("fields must be an object")
    for key in ("operation", "digest", "outcome"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise AdminError(f"{key} must be a string")
    if not any(doc.get(k) is not None for k in ("label", "probability", "score", "outcome", "fields")):
        raise AdminError("a rule must set label, probability, score, outcome or fields")
    return doc


def _rules_key(vendor: str) -> str:
    return f"verdict_rules:{vendor}"


class Verdicts:
    def __init__(self, store, ids, seed_of):
        self._store = store
        self._ids = ids
        self._seed_of = seed_of

    def default(self, vendor: str, digest: str) -> Verdict:
        p = unit_interval(self._seed_of(), vendor, digest)
        return Verdict(probability=p, label="fake" if p >= 0.5 else "real")

    def decide(self, vendor: str, digest: str, operation: str | None = None) -> Verdict:
        sticky = self._store.get(f"verdict_assignments:{vendor}", digest)
        if sticky is not None:
            return self._from_rule(vendor, digest, sticky)
        rule = self._consume_rule(vendor, digest, operation)
        if rule is None:
            return self.default(vendor, digest)
        self._store.put(f"verdict_assignments:{vendor}", digest, rule)
        return self._from_rule(vendor, digest, rule)

    def _consume_rule(self, vendor: str, digest: str, operation: str | None) -> dict | None:
        return take_first(self._store, _rules_key(vendor),
                          lambda r: r.get("digest") in (None, digest)
                          and r.get("operation") in (None, operation))

    def _from_rule(self, vendor: str, digest: str, rule: dict) -> Verdict:
        u = unit_interval(self._seed_of(), vendor, digest)
        p = rule.get("probability")
        label = rule.get("label")
        if p is None:
            p = (0.5 + u / 2 if label == "fake" else u / 2) if label else u
        if label is None:
            label = "fake" if p >= 0.5 else "real"
        return Verdict(probability=p, label=label, score=rule.get("score"),
                       outcome=rule.get("outcome"), fields=rule.get("fields") or {},
                       rule=rule["id"])

    def add_rule(self, vendor: str, doc: dict) -> dict:
        rule = {k: v for k, v in validate_rule(doc).items() if v is not None}
        rule.update(id=self._ids.uuid4("verdict-rule"), vendor=vendor, used=0)
        append_rule(self._store, _rules_key(vendor), rule)
        return rule

    def rules(self, vendor: str) -> list[dict]:
        return rules_of(self._store, _rules_key(vendor))

    def clear(self, vendor: str) -> None:
        self._store.delete_meta(_rules_key(vendor))
        self._store.clear(f"verdict_assignments:{vendor}")

