"""The pytest plugin, exercised as a user's test suite would use it (pytester)."""

from __future__ import annotations

pytest_plugins = ["pytester"]

USER_TESTS = '''
import requests
from mockserver.testing import media

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
    from mockserver.testing.server import ServerProcess

    pytester.makepyfile('''
def test_remote(mockserver):
    assert mockserver.url("phonexia") == mockserver.base_url + "/phonexia"
    assert mockserver.admin.health()["status"] == "ok"
''')
    with ServerProcess(workers=1, state=tmp_path / "s.sqlite3", spool_dir=tmp_path / "spool") as server:
        result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider",
                                               f"--mockserver-url={server.url}")
    result.assert_outcomes(passed=1)
