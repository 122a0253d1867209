"""The pytest plugin, exercised as a user's test suite would use it (pytester)."""

from __future__ import annotations

import json

pytest_plugins = ["pytester"]

USER_TESTS = '''
import requests
from deepfake_mock.testing import media

START = "/api/technology/experimental/authenticity-verification"

def test_first_sees_a_fresh_emulator(mockserver):
    assert mockserver.admin.count_requests() == 0
    r = requests.post(mockserver.url("phonexia") + START, files={"file": ("a.wav", media.wav(4))})
    assert r.status_code == 202
    mockserver.admin.add_verdict_rule("phonexia", label="fake")
    assert mockserver.admin.count_requests(vendor="phonexia") == 1

def test_second_was_reset_before_it_ran(mockserver):
    assert mockserver.admin.count_requests() == 0
    assert mockserver.admin.list_verdict_rules("phonexia") == []
    assert mockserver.admin.list_jobs("phonexia") == []

def test_a_test_without_the_fixture_starts_nothing():
    assert True
'''


def test_fixture_runs_an_in_process_emulator_reset_per_test(pytester):
    pytester.makepyfile(USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_no_reset_marker_keeps_state(pytester):
    pytester.makepyfile('''
import pytest

def test_one(mockserver):
    mockserver.admin.set_seed(42)

@pytest.mark.no_reset
def test_two(mockserver):
    assert mockserver.admin.get_seed() == 42
''')
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_mockserver_url_uses_a_running_server(pytester, tmp_path):
    from deepfake_mock.testing.server import ServerProcess

    pytester.makepyfile('''
def test_remote(mockserver):
    assert mockserver.url("phonexia") == mockserver.base_url + "/phonexia"
    assert mockserver.admin.health()["status"] == "ok"
''')
    with ServerProcess(workers=1, state=tmp_path / "s.sqlite3", spool_dir=tmp_path / "spool") as server:
        result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider",
                                               f"--mockserver-url={server.url}")
    result.assert_outcomes(passed=1)


CLIENT_TESTS = '''
import pytest
import requests

def space(mockserver):
    return mockserver.url("hiya") + "/v1/spaces/user-a/main"

KEY = {"Authorization": "Bearer hiya-key-user-a"}

@pytest.mark.mockserver_strict
def test_off_contract_client(mockserver):
    r = requests.get(space(mockserver) + "/audios", params={"page-size": 500}, headers=KEY)
    assert r.status_code == 400  # the client under test copes with the error...

@pytest.mark.mockserver_strict
def test_on_contract_client(mockserver):
    r = requests.get(space(mockserver) + "/audios", params={"page-size": 5}, headers=KEY)
    assert r.status_code == 200

def test_not_strict(mockserver):
    requests.get(space(mockserver) + "/audios", params={"page-size": 500}, headers=KEY)
'''


def test_strict_marker_fails_a_test_whose_client_broke_the_spec(pytester):
    pytester.makepyfile(CLIENT_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*test_off_contract_client*",
        "*the client sent 1 request problem(s) the vendor's spec forbids:*",
        "*hiya list_audios (GET /hiya/v1/spaces/user-a/main/audios): query page-size: maximum: "
        "500 is greater than the maximum of 50*",
    ])


def test_strict_option_applies_to_every_test(pytester):
    pytester.makepyfile(CLIENT_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--mockserver-strict")
    result.assert_outcomes(passed=1, failed=2)


def test_coverage_report_after_the_run(pytester, tmp_path):
    pytester.makepyfile(USER_TESTS)
    report = tmp_path / "coverage.json"
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--mockserver-coverage",
                                           f"--mockserver-coverage-json={report}")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([
        "*deepfake-api-mock coverage*",
        "phonexia: 1/5 operations, 1/19 documented statuses",
        "  start_authenticity_verification*",
        "      seen: 202x1",
        "      never seen: 400 403 413 422 429 507",
    ])
    data = json.loads(report.read_text())
    assert data["totals"]["operations_reached"] == 1


CLOCK_TESTS = '''
import pytest
import requests

def clock(mockserver):
    return requests.get(mockserver.base_url + "/_admin/clock", timeout=10).json()

def test_frozen_until_moved(mockserver):
    first = clock(mockserver)
    assert first["mode"] == "manual"
    assert clock(mockserver)["now"] == first["now"]
    assert mockserver.admin.advance_clock(60) == first["now"] + 60

@pytest.mark.mockserver_system_clock
def test_system_clock_asked(mockserver):
    assert clock(mockserver)["mode"] == "system"

def test_the_next_test_is_manual_again(mockserver):
    assert clock(mockserver)["mode"] == "manual"
'''


def test_fixture_clock_is_manual_unless_the_marker_asks(pytester):
    pytester.makepyfile(CLOCK_TESTS)
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_system_clock_option_applies_to_every_test(pytester):
    pytester.makepyfile(CLOCK_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider",
                                           "--mockserver-system-clock")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*assert 'system' == 'manual'*"])


SHARED_SERVER_TESTS = '''
def test_sees_the_state_others_left(mockserver):
    assert mockserver.admin.get_seed() == 4242
    assert len(mockserver.admin.list_verdict_rules("glair")) == 1
'''


def test_a_server_the_plugin_did_not_start_is_reset_only_when_asked(pytester, tmp_path):
    from deepfake_mock.admin.client import AdminClient
    from deepfake_mock.testing.server import ServerProcess

    pytester.makepyfile(SHARED_SERVER_TESTS)
    with ServerProcess(workers=1, state=tmp_path / "s.sqlite3", spool_dir=tmp_path / "spool") as server:
        admin = AdminClient(server.url)
        admin.set_seed(4242)
        admin.add_verdict_rule("glair", label="fake")
        kept = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider",
                                             f"--mockserver-url={server.url}")
        assert admin.get_seed() == 4242
        reset = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider",
                                              f"--mockserver-url={server.url}", "--mockserver-reset")
        assert admin.list_verdict_rules("glair") == []
    kept.assert_outcomes(passed=1)
    reset.assert_outcomes(failed=1)
    reset.stdout.fnmatch_lines(["*assert * == 4242*"])


TOKEN_TESTS = '''
import requests

def test_admin_calls_carry_the_token(mockserver):
    assert requests.get(mockserver.base_url + "/_admin/settings", timeout=10).status_code == 401
    assert mockserver.admin.get_settings()["clock"] == "manual"
'''


def test_admin_token_from_the_environment(pytester, monkeypatch):
    monkeypatch.setenv("MOCKSERVER_ADMIN_TOKEN", "s3cret")  # the in-process server's setting too
    pytester.makepyfile(TOKEN_TESTS)
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_admin_token_option(pytester):
    pytester.makefile(".json", settings='{"admin_token": "s3cret"}')
    pytester.makepyfile(TOKEN_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider",
                                           "--mockserver-config=settings.json",
                                           "--mockserver-admin-token=s3cret")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider",
                                           "--mockserver-config=settings.json")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*AdminClientError: admin API answered 401*"])
