"""The Runtime: everything one app needs (store, clock, media limits, ids, jobs, verdicts,
faults, limiter, journal, specs, strict-mode checkers, violations, coverage), built from its
settings. Test knobs kept in the store (seed, progression, rate-limit overrides, strict mode) are
shared by every worker; ``reset`` returns all of them to the settings (coverage tallies outlive
it)."""

from __future__ import annotations

import os
import shutil
from typing import Mapping

from .clock import SharedClock
from .conformance import MODES, Violations
from .coverage import Coverage
from .errors import AdminError
from .faults import Faults
from .jobs import Jobs, Progression
from .journal import Journal
from .media import MediaLimits
from .ratelimit import RateLimiter
from .redaction import Redaction
from .rng import Ids
from .specs import Specs
from .spool import Spool
from .store import open_store
from .verdicts import Verdicts


class Runtime:
    def __init__(self, settings, default_progressions: Mapping[str, Progression],
                 specs: Specs):
        if settings.strict not in MODES:
            raise ValueError(f"strict must be one of {', '.join(MODES)}, not {settings.strict!r}")
        self.settings = settings
        self.specs = specs
        self._checkers: dict = {}
        self.spool_dir = settings.spool_dir
        self._default_progressions = dict(default_progressions)
        self.store = open_store(settings.state)
        self.clock = SharedClock(self.store, initial_mode=settings.clock, start=settings.clock_start)
        self.media_limits = MediaLimits.from_settings(settings)  # what every media probe obeys
        self.spool = Spool(self.spool_dir, self.store, self.clock, max_bytes=settings.spool_max_bytes,
                           retention=settings.media_retention_s)
        self.ids = Ids(self.store, self.seed)
        self.jobs = Jobs(self.store, self.clock, self.progression)
        self.verdicts = Verdicts(self.store, self.ids, self.seed)
        self.faults = Faults(self.store, self.ids)
        self.redaction = Redaction.from_settings(settings)
        self.journal = Journal(self.store, settings.journal_limit, self.redaction)
        self.limiter = RateLimiter(self.store, self.clock)
        self.violations = Violations(self.store, settings.journal_limit)
        self.coverage = Coverage(self.store, specs)
        os.makedirs(self.spool_dir, exist_ok=True)

    def checker(self, vendor: str):
        """Strict mode's checker of the vendor's spec, built on first use (so that openapi-core
        loads only in a server that checks requests)."""
        checker = self._checkers.get(vendor)
        if checker is None:
            from .request_checker import RequestChecker
            checker = self._checkers[vendor] = RequestChecker(self.specs[vendor])
        return checker

    # seed
    def seed(self) -> int:
        doc = self.store.get_meta("seed")
        return self.settings.seed if doc is None else doc["seed"]

    def set_seed(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise AdminError("seed must be an integer")
        self.store.put_meta("seed", {"seed": seed})

    # progression
    def progression(self, vendor: str) -> Progression:
        doc = self.store.get_meta(f"progression:{vendor}")
        if doc is not None:
            return Progression(doc["mode"], doc["value"])
        return self._default_progressions.get(vendor, Progression())

    def set_progression(self, vendor: str, progression: Progression) -> None:
        self.store.put_meta(f"progression:{vendor}", progression.as_dict())

    # rate limits: {"limit": n, "window": seconds} or None (off)
    def rate_limit(self, vendor: str) -> dict | None:
        doc = self.store.get_meta(f"rate_limit:{vendor}")
        if doc is not None:
            return doc["rule"]
        return self.settings.vendors[vendor].rate_limit

    def set_rate_limit(self, vendor: str, rule: dict | None) -> None:
        if rule is not None and not isinstance(rule, dict):
            raise AdminError("rate_limit must be an object or null")
        if rule is not None:
            limit, window = rule.get("limit"), rule.get("window", 1)
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise AdminError("limit must be a non-negative integer")
            if isinstance(window, bool) or not isinstance(window, (int, float)) or window <= 0:
                raise AdminError("window must be a positive number of seconds")
            rule = {"limit": limit, "window": window}
        self.store.put_meta(f"rate_limit:{vendor}", {"rule": rule})

    # strict mode: "off", "record" (violations journaled) or "reject" (and answered)
    def strict_mode(self) -> str:
        doc = self.store.get_meta("strict")
        return self.settings.strict if doc is None else doc["mode"]

    def set_strict_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise AdminError(f"mode must be one of {', '.join(MODES)}")
        self.store.put_meta("strict", {"mode": mode})

    def reset(self) -> None:
        """Forget every request, job, upload, rule and knob: back to the settings."""
        self.store.reset()
        shutil.rmtree(self.spool_dir, ignore_errors=True)
        os.makedirs(self.spool_dir, exist_ok=True)
