"""Rate limits through every vendor's app when the admin API moves the clock (issue 12).

Each vendor is limited to 2 requests per 2 s; the manual clock is advanced, set back, and handed
back to the system clock. A limited answer is the vendor's own (a 429, or FinAuth's 403
``LIMIT_REACHED``); where the vendor sends rate-limit headers, ``retry-after`` is the wait in
seconds and ``x-ratelimit-reset`` the epoch second the window resets, never one already passed.
"""

from __future__ import annotations

import base64
import time

import pytest

from deepfake_mock.vendors.finauth.signing import make_sign

CLOCK_START = 1_767_225_600.0  # tests/conftest.py: the manual clock starts here
LIMIT, WINDOW = 2, 2
GLAIR_AUTH = {"x-api-key": "test-key", "Authorization": "Basic " + base64.b64encode(b"user:pass").decode()}


def phonexia(client, now):
    return client.get("/phonexia/api/system/status")


def resemble(client, now):
    return client.get("/resemble/api/v2/detect?page=1",
                      headers={"Authorization": "Bearer resemble-test-token"})


def hiya(client, now):
    return client.get("/hiya/v1/user", headers={"Authorization": "Bearer hiya-key-user-a"})


def glair(client, now):
    return client.post("/glair/face/v1/deepfake", headers=GLAIR_AUTH)


def finauth(client, now):
    sign = make_sign("TESTKEY_abcdefghijklmnopqrstuvwx", "TESTSECRET_0123456789abcdefghijk", 100,
                     now=int(now))
    return client.post("/finauth/finauth/v5/anti_deepfake",
                       data={"sign": sign, "sign_version": "hmac_sha1", "data_type": "0"},
                       content_type="multipart/form-data")


def limited(r) -> bool:
    if r.status_code == 403:
        return "LIMIT_REACHED" in r.get_data(as_text=True)
    return r.status_code == 429


REQUESTS = {"phonexia": phonexia, "resemble": resemble, "hiya": hiya, "glair": glair,
            "finauth": finauth}


@pytest.fixture(params=list(REQUESTS))
def vendor(request, admin):
    admin.set_rate_limit(request.param, LIMIT, WINDOW)
    return request.param


def send(client, admin, vendor):
    """One request; the rate-limit headers it carries must name a wait and a reset still ahead."""
    now = admin.get_clock()
    r = REQUESTS[vendor](client, now)
    retry_after = r.headers.get("retry-after")
    if retry_after is not None:
        assert 1 <= int(retry_after) <= WINDOW
    reset = r.headers.get("x-ratelimit-reset")
    if reset is not None:
        assert int(reset) > now
        assert abs(now + int(retry_after) - int(reset)) < 1  # the wait ends when the window resets
    return r


def test_each_vendor_is_limited_at_all(client, admin, vendor):
    assert [limited(send(client, admin, vendor)) for _ in range(3)] == [False, False, True]


def test_advance_one_request_then_back_is_not_limited(client, admin, vendor):
    """Issue 12: advance 120 s, one request, go back: requests paced under the limit pass."""
    admin.advance_clock(120)
    assert not limited(send(client, admin, vendor))
    admin.set_clock(CLOCK_START)
    for _ in range(8):  # one per 1.1 s against 2 per 2 s
        r = send(client, admin, vendor)
        assert not limited(r), (r.status_code, r.get_data(as_text=True))
        admin.advance_clock(1.1)


def test_setting_the_clock_back_starts_a_fresh_window(client, admin, vendor):
    for _ in range(LIMIT):
        send(client, admin, vendor)
    assert limited(send(client, admin, vendor))
    admin.set_clock(CLOCK_START - 3600)
    assert not limited(send(client, admin, vendor))


def test_manual_to_system_time_counts_in_the_system_window(client, admin, vendor):
    admin.set_clock(time.time() + 3600)  # a frozen clock an hour ahead of the system's
    for _ in range(LIMIT):
        send(client, admin, vendor)
    assert limited(send(client, admin, vendor))
    assert client.put("/_admin/clock", json={"mode": "system"}).json["mode"] == "system"
    assert not limited(send(client, admin, vendor))


def test_phonexia_headers_after_a_move_name_the_current_window(client, admin):
    admin.set_rate_limit("phonexia", 1, 60)
    admin.advance_clock(120)
    phonexia(client, None)
    admin.set_clock(CLOCK_START + 17)
    assert phonexia(client, None).status_code == 200
    r = phonexia(client, None)
    assert r.status_code == 429
    assert (r.headers["retry-after"], r.headers["x-ratelimit-limit"],
            r.headers["x-ratelimit-remaining"], r.headers["x-ratelimit-reset"]) == \
        ("43", "1", "0", str(int(CLOCK_START) + 60))
