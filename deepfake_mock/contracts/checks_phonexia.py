"""Phonexia invariants checked on every response of the property-based run."""

from __future__ import annotations

import time
from urllib.parse import urljoin

import requests

from .checks_base import documented, fail, header, json_body, not_envelope

# The spec's Error ``type`` enum, one value per status, matched by name as the fact sheet does
# (only 400's ``request.invalid`` is shown by an example).
ERROR_TYPES = {
    400: {"request.invalid"},
    403: {"request.forbidden"},
    404: {"resource.not-found"},
    405: {"method.invalid"},
    413: {"request.size-limit-exceeded"},
    422: {"request.validation-error"},
    429: {"request.rate-limit-exceeded"},
    500: {"internal"},
    507: {"storage.capacity-exceeded"},
}
# TaskState: a finished task carries ``result`` (done) or ``error`` (failed, rejected).
TERMINAL = {"done": "result", "failed": "error", "rejected": "error"}
UNFINISHED = ("pending", "running")
QUICK_POLLS = 3  # polled at once (the emulator's default progression finishes after 2)
MAX_POLLS = 30  # then once per WAIT_SECONDS, for a real appliance
WAIT_SECONDS = 1.0


def phonexia_error_envelope(ctx, response, case):
    """Every non-2xx answer is Phonexia's ``{type, message, detail[]}``."""
    if response.status_code < 400:
        return None
    body = json_body(response)
    if not (isinstance(body, dict) and isinstance(body.get("type"), str)
            and isinstance(body.get("message"), str) and isinstance(body.get("detail", []), list)):
        not_envelope(case, "Phonexia", response, body)
    return None


def phonexia_error_type(ctx, response, case):
    """An error's ``type`` is the documented one for its status (400 ``request.invalid``...)."""
    documented(case, response, "type", ERROR_TYPES, "Error type not documented for this status")
    return None


def phonexia_location_reaches_terminal_state(ctx, response, case):
    """A 202's ``X-Location`` resolves, and polling it reaches done, failed or rejected."""
    if response.status_code != 202:
        return None
    location = header(response, "X-Location")
    if not location:
        fail(case, "202 without X-Location", f"headers: {dict(response.headers)}")
    url = urljoin(response.request.url, location)
    state = None
    for poll in range(MAX_POLLS):
        r = requests.get(url, timeout=30)
        body = json_body(r)
        if r.status_code != 200 or not isinstance(body, dict):
            fail(case, "X-Location does not resolve",
                 f"GET {location} answered {r.status_code}: {r.text[:200]}")
        state = (body.get("task") or {}).get("state")
        if state in TERMINAL:
            if TERMINAL[state] not in body:
                fail(case, "Finished task without its outcome",
                     f"{state} without {TERMINAL[state]!r}: {str(body)[:300]}")
            return None
        if state not in UNFINISHED:
            fail(case, "Task in an undocumented state", f"GET {location}: {str(body)[:300]}")
        if poll >= QUICK_POLLS - 1:
            time.sleep(WAIT_SECONDS)  # only a real appliance takes time; the emulator moves per poll
    fail(case, "Task never finished", f"still {state} after {MAX_POLLS} polls of {location}")
