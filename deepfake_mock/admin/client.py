"""AdminClient: the admin API from Python, one method per operation, with the same names.

    admin = AdminClient("http://127.0.0.1:8080")
    admin.set_clock(1767225600)
    admin.add_verdict_rule("phonexia", label="fake", times=1)
    admin.add_fault(fault="status", status=503, vendor="phonexia", times=1)
    admin.find_requests(vendor="phonexia", operation="start_authenticity_verification")
"""

from __future__ import annotations

from typing import Any, Callable

import requests


class AdminClientError(Exception):
    def __init__(self, status: int, body: Any):
        super().__init__(f"admin API answered {status}: {body}")
        self.status = status
        self.body = body


Transport = Callable[[str, str, Any, dict | None], tuple[int, Any]]


def _requests_transport(base_url: str, session: requests.Session, timeout: float) -> Transport:
    def send(method, path, body, params):
        r = session.request(method, f"{base_url}/_admin{path}", json=body, params=params,
                            timeout=timeout)
        return r.status_code, r.json() if r.content else None
    return send


class AdminClient:
    def __init__(self, base_url: str, *, session: requests.Session | None = None,
                 timeout: float = 10.0, transport: Transport | None = None):
        self.base_url = base_url.rstrip("/")
        self._send = transport or _requests_transport(self.base_url, session or requests.Session(),
                                                      timeout)

    @classmethod
    def for_test_client(cls, client) -> "AdminClient":
        """An AdminClient over a Flask test client (no network)."""
        def send(method, path, body, params):
            r = client.open(f"/_admin{path}", method=method, json=body, query_string=params)
            return r.status_code, r.get_json(silent=True)
        return cls("http://localhost", transport=send)

    def _call(self, method: str, path: str, body: Any = None, params: dict | None = None):
        status, data = self._send(method, path, body, params)
        if status >= 400:
            raise AdminClientError(status, data)
        return data

    # server
    def health(self) -> dict:
        return self._call("GET", "/health")

    def list_vendors(self) -> list[dict]:
        return self._call("GET", "/vendors")["vendors"]

    def get_settings(self) -> dict:
        return self._call("GET", "/settings")

    def reset(self) -> None:
        self._call("POST", "/reset")

    # clock
    def get_clock(self) -> float:
        return self._call("GET", "/clock")["now"]

    def set_clock(self, now: float) -> float:
        """Freeze the clock at ``now`` (epoch seconds)."""
        return self._call("PUT", "/clock", {"now": now})["now"]

    def resume_clock(self) -> float:
        """Back to system time."""
        return self._call("PUT", "/clock", {"mode": "system"})["now"]

    def advance_clock(self, seconds: float) -> float:
        return self._call("POST", "/clock/advance", {"seconds": seconds})["now"]

    # seed
    def get_seed(self) -> int:
        return self._call("GET", "/seed")["seed"]

    def set_seed(self, seed: int) -> int:
        return self._call("PUT", "/seed", {"seed": seed})["seed"]

    # journal
    def list_requests(self, limit: int | None = None, **criteria) -> list[dict]:
        params = dict(criteria, **({"limit": limit} if limit else {}))
        return self._call("GET", "/journal", params=params)["entries"]

    def find_requests(self, **criteria) -> list[dict]:
        return self._call("POST", "/journal/find", criteria)["entries"]

    def count_requests(self, **criteria) -> int:
        return self._call("POST", "/journal/count", criteria)["count"]

    def clear_journal(self) -> None:
        self._call("DELETE", "/journal")

    # faults
    def list_faults(self) -> list[dict]:
        return self._call("GET", "/faults")["faults"]

    def add_fault(self, **fault) -> dict:
        """``fault`` is status | delay | drop | malformed; scope with vendor, operation, times."""
        return self._call("POST", "/faults", fault)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # verdict rules
    def list_verdict_rules(self, vendor: str) -> list[dict]:
        return self._call("GET", f"/vendors/{vendor}/verdicts")["rules"]

    def add_verdict_rule(self, vendor: str, **rule) -> dict:
        """E.g. ``label="fake"``, ``probability=0.9``, ``score=4.2``, ``outcome="failed"``,
        ``digest=...``, ``operation=...``, ``times=1``, ``fields={...}``."""
        return self._call("POST", f"/vendors/{vendor}/verdicts", rule)

    def clear_verdict_rules(self, vendor: str) -> None:
        self._call("DELETE", f"/vendors/{vendor}/verdicts")

    # jobs and progression
    def list_jobs(self, vendor: str) -> list[dict]:
        return self._call("GET", f"/vendors/{vendor}/jobs")["jobs"]

    def get_job(self, vendor: str, job_id: str) -> dict:
        return self._call("GET", f"/vendors/{vendor}/jobs/{job_id}")

    def force_job_state(self, vendor: str, job_id: str, state: str) -> dict:
        return self._call("PUT", f"/vendors/{vendor}/jobs/{job_id}/state", {"state": state})

    def get_progression(self, vendor: str) -> dict:
        return self._call("GET", f"/vendors/{vendor}/progression")

    def set_progression(self, vendor: str, mode: str, value: float = 0) -> dict:
        """``immediate``, ``after_polls`` (value = n), ``after_seconds`` (value = s) or ``manual``."""
        return self._call("PUT", f"/vendors/{vendor}/progression", {"mode": mode, "value": value})

    # rate limits
    def get_rate_limit(self, vendor: str) -> dict | None:
        return self._call("GET", f"/vendors/{vendor}/rate-limit")["rate_limit"]

    def set_rate_limit(self, vendor: str, limit: int | None, window: float = 1) -> dict | None:
        """``limit`` requests per ``window`` seconds per credential; ``None`` turns it off."""
        rule = None if limit is None else {"limit": limit, "window": window}
        return self._call("PUT", f"/vendors/{vendor}/rate-limit", {"rate_limit": rule})["rate_limit"]

    # client verification
    def get_strict(self) -> str:
        return self._call("GET", "/strict")["mode"]

    def set_strict(self, mode: str) -> str:
        """``off``, ``record`` (violations journaled) or ``reject`` (answered with the vendor's
        documented validation error as well)."""
        return self._call("PUT", "/strict", {"mode": mode})["mode"]

    def list_violations(self, vendor: str | None = None) -> list[dict]:
        params = {"vendor": vendor} if vendor else None
        return self._call("GET", "/violations", params=params)["violations"]

    def clear_violations(self) -> None:
        self._call("DELETE", "/violations")

    def get_coverage(self, vendor: str | None = None) -> dict:
        params = {"vendor": vendor} if vendor else None
        return self._call("GET", "/coverage", params=params)

    def clear_coverage(self) -> None:
        self._call("DELETE", "/coverage")
