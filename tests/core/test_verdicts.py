"""Deterministic verdicts and the rules that override them."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepfake_mock.core.errors import AdminError
from deepfake_mock.core.rng import Ids, unit_interval
from deepfake_mock.core.store import MemoryStore
from deepfake_mock.core.verdicts import Verdict, Verdicts, validate_rule

VENDOR = "acme"


def digest(n: int) -> str:
    return hashlib.sha256(f"media-{n}".encode()).hexdigest()


A, B, C = digest(1), digest(2), digest(3)


class Env:
    def __init__(self, seed=0):
        self.seed = seed
        self.store = MemoryStore()
        self.verdicts = Verdicts(self.store, Ids(self.store, lambda: self.seed), lambda: self.seed)

    def rule(self, **doc):
        return self.verdicts.add_rule(VENDOR, doc)

    def decide(self, media, operation=None):
        return self.verdicts.decide(VENDOR, media, operation)


@pytest.fixture
def env():
    return Env()


# ---- defaults --------------------------------------------------------------------------------

@settings(deadline=None)
@given(seed=st.integers(), media=st.text(min_size=1))
def test_default_is_a_pure_function_of_seed_vendor_and_digest(seed, media):
    one, two = Env(seed), Env(seed)
    first = one.decide(media)
    assert first == one.decide(media) == two.decide(media)
    assert 0 <= first.probability < 1
    assert first.label == ("fake" if first.probability >= 0.5 else "real")
    assert first.is_fake == (first.label == "fake")
    assert (first.score, first.outcome, first.fields, first.rule) == (None, None, {}, None)
    assert first.probability == unit_interval(seed, VENDOR, media)


def test_default_depends_on_seed_vendor_and_digest(env):
    base = env.decide(A).probability
    assert env.decide(B).probability != base
    assert env.verdicts.decide("other", A).probability != base
    env.seed = 1
    assert env.decide(A).probability != base


def test_defaults_are_plausibly_spread():
    env = Env(seed=7)
    probabilities = [env.decide(digest(i)).probability for i in range(2000)]
    fakes = sum(p >= 0.5 for p in probabilities)
    assert 0.45 < fakes / 2000 < 0.55
    assert 0.45 < sum(probabilities) / 2000 < 0.55
    assert min(probabilities) < 0.05 and max(probabilities) > 0.95


def test_a_default_verdict_is_not_remembered(env):
    env.decide(A)
    assert env.store.count(f"verdict_assignments:{VENDOR}") == 0


# ---- rules -----------------------------------------------------------------------------------

def test_add_rule_stores_the_non_null_fields_with_id_vendor_and_used(env):
    rule = env.rule(label="fake", probability=None, times=2)
    assert set(rule) == {"label", "times", "id", "vendor", "used"}
    assert (rule["label"], rule["times"], rule["vendor"], rule["used"]) == ("fake", 2, VENDOR, 0)
    assert env.verdicts.rules(VENDOR) == [rule]
    assert env.verdicts.rules("other") == []


def test_rule_ids_are_deterministic_per_seed():
    assert Env(3).rule(label="fake")["id"] == Env(3).rule(label="fake")["id"]
    assert Env(3).rule(label="fake")["id"] != Env(4).rule(label="fake")["id"]


def test_a_label_rule_draws_the_probability_in_the_labels_half(env):
    env.rule(label="real", digest=B)
    env.rule(label="fake")
    fake, real = env.decide(A), env.decide(B)
    assert fake.label == "fake" and 0.5 <= fake.probability < 1
    assert real.label == "real" and 0 <= real.probability < 0.5


def test_a_probability_rule_sets_the_label_from_it(env):
    env.rule(probability=0.5, times=1)
    env.rule(probability=0.2, times=1)
    assert (env.decide(A).label, env.decide(A).probability) == ("fake", 0.5)
    assert (env.decide(B).label, env.decide(B).probability) == ("real", 0.2)


def test_label_and_probability_together_are_taken_as_given(env):
    env.rule(label="real", probability=0.9)
    verdict = env.decide(A)
    assert (verdict.label, verdict.probability) == ("real", 0.9)


def test_score_outcome_and_fields_pass_through(env):
    rule = env.rule(score=4.2, outcome="failed", fields={"reason": "x"})
    verdict = env.decide(A)
    assert verdict == Verdict(probability=unit_interval(0, VENDOR, A),
                              label="fake" if unit_interval(0, VENDOR, A) >= 0.5 else "real",
                              score=4.2, outcome="failed", fields={"reason": "x"}, rule=rule["id"])


def test_a_rule_sticks_to_the_digest_that_took_it(env):
    rule = env.rule(label="fake", score=9, times=1)
    first = env.decide(A)
    assert first.rule == rule["id"] and first.score == 9
    assert env.verdicts.rules(VENDOR) == []            # used up
    for _ in range(3):
        assert env.decide(A) == first                   # retries keep it
    assert env.decide(B).rule is None                   # a new media gets the default


def test_times_counts_new_digests_only(env):
    env.rule(score=1, times=2)
    assert env.decide(A).score == 1
    assert env.decide(A).score == 1
    assert env.verdicts.rules(VENDOR)[0]["used"] == 1
    assert env.decide(B).score == 1
    assert env.decide(C).score is None


def test_a_rule_without_times_applies_to_every_new_media(env):
    env.rule(label="fake", probability=0.99)
    for i in range(5):
        assert env.decide(digest(i)).probability == 0.99
    assert env.verdicts.rules(VENDOR)[0]["used"] == 5


def test_rules_are_taken_in_the_order_they_were_added(env):
    env.rule(score=1, times=1)
    env.rule(score=2, times=1)
    env.rule(score=3)
    assert [env.decide(digest(i)).score for i in range(4)] == [1, 2, 3, 3]


def test_a_digest_rule_waits_for_its_media(env):
    env.rule(score=7, digest=C)
    env.rule(score=1)
    assert env.decide(A).score == 1
    assert env.decide(C).score == 7


def test_an_operation_rule_applies_to_that_operation_only(env):
    env.rule(score=5, operation="detect", times=1)
    assert env.decide(A, "batch").rule is None
    assert env.decide(A).rule is None
    assert env.decide(B, "detect").score == 5
    assert env.decide(B, "batch").score == 5  # sticky for the digest, whatever the operation


def test_rules_are_per_vendor(env):
    env.verdicts.add_rule("other", {"score": 1})
    assert env.decide(A).rule is None
    assert env.verdicts.decide("other", A).score == 1


def test_clear_forgets_rules_and_sticky_digests(env):
    env.rule(score=3)
    env.decide(A)
    env.verdicts.clear(VENDOR)
    assert env.verdicts.rules(VENDOR) == []
    assert env.decide(A).rule is None


# ---- validation ------------------------------------------------------------------------------

@pytest.mark.parametrize("doc, message", [
    ("fake", "a verdict rule must be an object"),
    ({"label": "fake", "colour": 1, "size": 2}, "unknown rule fields: colour, size"),
    ({"label": "maybe"}, "label must be 'fake' or 'real'"),
    ({"probability": 1.5}, "probability must be a number in [0, 1]"),
    ({"probability": -0.1}, "probability must be a number in [0, 1]"),
    ({"probability": True}, "probability must be a number in [0, 1]"),
    ({"probability": "0.5"}, "probability must be a number in [0, 1]"),
    ({"score": "high"}, "score must be a number"),
    ({"score": False}, "score must be a number"),
    ({"label": "fake", "times": 0}, "times must be a positive integer"),
    ({"label": "fake", "times": 1.5}, "times must be a positive integer"),
    ({"label": "fake", "times": True}, "times must be a positive integer"),
    ({"fields": []}, "fields must be an object"),
    ({"fields": None}, "fields must be an object"),
    ({"label": "fake", "operation": 3}, "operation must be a string"),
    ({"label": "fake", "digest": ["x"]}, "digest must be a string"),
    ({"outcome": 1}, "outcome must be a string"),
    ({}, "a rule must set label, probability, score, outcome or fields"),
    ({"digest": A, "times": 1, "label": None}, "a rule must set label, probability, score, "
                                               "outcome or fields"),
])
def test_validation_errors(doc, message):
    with pytest.raises(AdminError) as err:
        validate_rule(doc)
    assert (err.value.message, err.value.status) == (message, 400)


@pytest.mark.parametrize("doc", [
    {"label": "real"}, {"probability": 0}, {"probability": 1}, {"score": -3},
    {"outcome": "failed"}, {"fields": {}}, {"vendor": "acme", "label": "fake"},
    {"label": "fake", "times": None, "digest": None, "operation": None},
])
def test_valid_rules(doc):
    assert validate_rule(doc) is doc


def test_an_invalid_rule_is_not_stored(env):
    with pytest.raises(AdminError):
        env.rule(label="maybe")
    assert env.verdicts.rules(VENDOR) == []
