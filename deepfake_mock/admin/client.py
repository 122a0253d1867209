"""AdminClient: the admin API from Python, one method per operation of ``openapi/admin.yaml``,
named by its operationId, with the operation's parameters and body fields as keyword arguments.

    admin = AdminClient("http://127.0.0.1:8080")            # token="..." if admin_token is set
    admin.set_clock(1767225600)
    admin.add_verdict_rule("phonexia", label="fake", times=1)
    admin.add_fault("status", status=503, vendor="phonexia", times=1)
    admin.find_requests(vendor="phonexia", operation="start_authenticity_verification")

An argument left at ``None`` is not sent. The few fields where ``null`` itself means something
(a FinAuth key's ``quota``, ``allowed_ips``, ``concurrency_limit``) default to ``UNSET`` instead,
so ``None`` sends ``null``. ``set_rate_limit(slug, limit, window)`` spells out the fields of the
body's one ``rate_limit`` object (``limit=None`` lifts the limit).
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import quote

import requests


class AdminClientError(Exception):
    def __init__(self, status: int, body: Any):
        super().__init__(f"admin API answered {status}: {body}")
        self.status = status
        self.body = body


class _Unset:
    def __repr__(self):
        return "UNSET"


UNSET: Any = _Unset()  # "not sent", for fields whose null is a value

# (method, path under /_admin, JSON body or None, query parameters, headers) -> (status, body)
Transport = Callable[[str, str, Any, dict, dict], tuple[int, Any]]


def _requests_transport(base_url: str, session: requests.Session, timeout: float) -> Transport:
    def send(method, path, body, params, headers):
        r = session.request(method, f"{base_url}/_admin{path}", json=body, params=params,
                            headers=headers, timeout=timeout)
        if not r.content:
            return r.status_code, None
        json_body = r.headers.get("Content-Type", "").startswith("application/json")
        return r.status_code, r.json() if json_body else r.text
    return send


def _given(**fields) -> dict:
    """The fields to send: those not left at ``None`` or ``UNSET``."""
    return {k: v for k, v in fields.items() if v is not None and v is not UNSET}


def _nullable(**fields) -> dict:
    """The fields to send where ``None`` is sent as null: those not left at ``UNSET``."""
    return {k: v for k, v in fields.items() if v is not UNSET}


class AdminClient:
    def __init__(self, base_url: str, *, token: str | None = None,
                 session: requests.Session | None = None, timeout: float = 10.0,
                 transport: Transport | None = None):
        """``token``: sent as ``Authorization: Bearer <token>`` on every request (the server's
        ``admin_token`` setting)."""
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._send = transport or _requests_transport(self.base_url, session or requests.Session(),
                                                      timeout)

    @classmethod
    def for_test_client(cls, client, *, token: str | None = None) -> AdminClient:
        """An AdminClient over a Flask test client (no network)."""
        def send(method, path, body, params, headers):
            r = client.open(f"/_admin{path}", method=method, json=body, query_string=params,
                            headers=headers)
            if r.is_json or not r.data:
                return r.status_code, r.get_json(silent=True)
            return r.status_code, r.get_data(as_text=True)
        return cls("http://localhost", token=token, transport=send)

    def _call(self, method: str, template: str, body: Any = None, params: dict | None = None,
              **segments: str):
        """Send one request; ``template``'s ``{name}`` parts are the quoted ``segments``."""
        path = template.format(**{k: quote(str(v), safe="") for k, v in segments.items()})
        status, data = self._send(method, path, body, params or {}, self._headers)
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

    def set_clock(self, now: float | None = None, mode: str | None = None) -> float:
        """Freeze the clock at ``now`` (epoch seconds), or ``mode="system"`` for system time."""
        return self._call("PUT", "/clock", _given(now=now, mode=mode))["now"]

    def advance_clock(self, seconds: float) -> float:
        return self._call("POST", "/clock/advance", {"seconds": seconds})["now"]

    # seed
    def get_seed(self) -> int:
        return self._call("GET", "/seed")["seed"]

    def set_seed(self, seed: int) -> int:
        return self._call("PUT", "/seed", {"seed": seed})["seed"]

    # journal
    def list_requests(self, vendor: str | None = None, operation: str | None = None,
                      method: str | None = None, path: str | None = None,
                      status: int | None = None, request_id: str | None = None,
                      answered_by: str | None = None, limit: int | None = None) -> list[dict]:
        params = _given(vendor=vendor, operation=operation, method=method, path=path,
                        status=status, request_id=request_id, answered_by=answered_by,
                        limit=limit)
        return self._call("GET", "/journal", params=params)["entries"]

    def find_requests(self, vendor: str | None = None, operation: str | None = None,
                      method: str | None = None, path: str | None = None,
                      status: int | None = None, request_id: str | None = None,
                      answered_by: str | None = None, limit: int | None = None) -> list[dict]:
        body = _given(vendor=vendor, operation=operation, method=method, path=path,
                      status=status, request_id=request_id, answered_by=answered_by,
                      limit=limit)
        return self._call("POST", "/journal/find", body)["entries"]

    def count_requests(self, vendor: str | None = None, operation: str | None = None,
                       method: str | None = None, path: str | None = None,
                       status: int | None = None, request_id: str | None = None,
                       answered_by: str | None = None) -> int:
        body = _given(vendor=vendor, operation=operation, method=method, path=path,
                      status=status, request_id=request_id, answered_by=answered_by)
        return self._call("POST", "/journal/count", body)["count"]

    def clear_journal(self) -> None:
        self._call("DELETE", "/journal")

    # faults
    def list_faults(self) -> list[dict]:
        return self._call("GET", "/faults")["faults"]

    def add_fault(self, fault: str, vendor: str | None = None, operation: str | None = None,
                  times: int | None = None, status: int | None = None,
                  delay_ms: float | None = None) -> dict:
        """``fault`` is ``status`` (with ``status``), ``delay`` (with ``delay_ms``), ``drop`` or
        ``malformed``; scoped by ``vendor`` and ``operation``, used ``times`` times."""
        body = _given(fault=fault, vendor=vendor, operation=operation, times=times,
                      status=status, delay_ms=delay_ms)
        return self._call("POST", "/faults", body)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # verdict rules
    def list_verdict_rules(self, slug: str) -> list[dict]:
        return self._call("GET", "/vendors/{slug}/verdicts", slug=slug)["rules"]

    def add_verdict_rule(self, slug: str, label: str | None = None,
                         probability: float | None = None, score: float | None = None,
                         outcome: str | None = None, fields: dict | None = None,
                         digest: str | None = None, operation: str | None = None,
                         times: int | None = None) -> dict:
        """What the next new media gets (``label``, ``probability``, ``score``, ``outcome``,
        ``fields``), for which requests (``digest``, ``operation``), how often (``times``)."""
        body = _given(label=label, probability=probability, score=score, outcome=outcome,
                      fields=fields, digest=digest, operation=operation, times=times)
        return self._call("POST", "/vendors/{slug}/verdicts", body, slug=slug)

    def clear_verdict_rules(self, slug: str) -> None:
        self._call("DELETE", "/vendors/{slug}/verdicts", slug=slug)

    # jobs and progression
    def list_jobs(self, slug: str) -> list[dict]:
        return self._call("GET", "/vendors/{slug}/jobs", slug=slug)["jobs"]

    def get_job(self, slug: str, job_id: str) -> dict:
        return self._call("GET", "/vendors/{slug}/jobs/{job_id}", slug=slug, job_id=job_id)

    def force_job_state(self, slug: str, job_id: str, state: str) -> dict:
        return self._call("PUT", "/vendors/{slug}/jobs/{job_id}/state", {"state": state},
                          slug=slug, job_id=job_id)

    def get_progression(self, slug: str) -> dict:
        return self._call("GET", "/vendors/{slug}/progression", slug=slug)

    def set_progression(self, slug: str, mode: str, value: float | None = None) -> dict:
        """``immediate``, ``after_polls`` (value: n), ``after_seconds`` (value: s), ``manual``."""
        return self._call("PUT", "/vendors/{slug}/progression", _given(mode=mode, value=value),
                          slug=slug)

    # rate limits
    def get_rate_limit(self, slug: str) -> dict | None:
        return self._call("GET", "/vendors/{slug}/rate-limit", slug=slug)["rate_limit"]

    def set_rate_limit(self, slug: str, limit: int | None,
                       window: float | None = None) -> dict | None:
        """``limit`` requests per ``window`` seconds (default 1) per credential; None lifts it."""
        rule = None if limit is None else _given(limit=limit, window=window)
        answer = self._call("PUT", "/vendors/{slug}/rate-limit", {"rate_limit": rule}, slug=slug)
        return answer["rate_limit"]

    # client verification
    def get_strict(self) -> str:
        return self._call("GET", "/strict")["mode"]

    def set_strict(self, mode: str) -> str:
        """``off``, ``record`` (violations journaled) or ``reject`` (answered with the vendor's
        documented validation error as well)."""
        return self._call("PUT", "/strict", {"mode": mode})["mode"]

    def list_violations(self, vendor: str | None = None) -> list[dict]:
        return self._call("GET", "/violations", params=_given(vendor=vendor))["violations"]

    def clear_violations(self) -> None:
        self._call("DELETE", "/violations")

    def get_coverage(self, vendor: str | None = None, format: str | None = None) -> dict | str:
        """The report as data, or with ``format="text"`` as the text a person reads."""
        return self._call("GET", "/coverage", params=_given(vendor=vendor, format=format))

    def clear_coverage(self) -> None:
        self._call("DELETE", "/coverage")

    # vendor: hiya
    def list_credits(self) -> list[dict]:
        return self._call("GET", "/vendors/hiya/credits")["credits"]

    def set_credits(self, owner: str, credits: int) -> dict:
        """Leave ``owner`` ``credits`` more verifications until the next reset."""
        return self._call("PUT", "/vendors/hiya/credits/{owner}", {"credits": credits}, owner=owner)

    # vendor: resemble
    def list_callbacks(self) -> list[dict]:
        return self._call("GET", "/vendors/resemble/callbacks")["callbacks"]

    def run_callbacks(self) -> dict:
        """One delivery pass now: ``{"attempts": n, "callbacks": [...]}``."""
        return self._call("POST", "/vendors/resemble/callbacks/run")

    # vendor: finauth
    def list_keys(self) -> list[dict]:
        return self._call("GET", "/vendors/finauth/keys")["keys"]

    def put_key(self, api_key: str, secret: str | None = None, disabled: bool | None = None,
                permissions: list[str] | None = None, quota: int | None = UNSET,
                allowed_ips: list[str] | None = UNSET,
                concurrency_limit: int | None = UNSET) -> dict:
        """Add a key (``secret`` needed) or change the fields given; ``quota``, ``allowed_ips``
        and ``concurrency_limit`` take ``None`` for no limit."""
        body = _given(secret=secret, disabled=disabled, permissions=permissions) | _nullable(
            quota=quota, allowed_ips=allowed_ips, concurrency_limit=concurrency_limit)
        return self._call("PUT", "/vendors/finauth/keys/{api_key}", body, api_key=api_key)

    def delete_key(self, api_key: str) -> None:
        self._call("DELETE", "/vendors/finauth/keys/{api_key}", api_key=api_key)
