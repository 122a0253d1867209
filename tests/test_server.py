"""Behaviour through the real server: gunicorn, two workers, a SQLite state file."""

from __future__ import annotations

import json
import os
import signal
import re
import socket
import stat
import subprocess
import sys

import pytest
import requests

from deepfake_mock import __version__
from deepfake_mock.admin.client import AdminClient
from deepfake_mock.cli import main
from deepfake_mock.testing import media
from deepfake_mock.testing.server import (ServerProcess, ServerStartError, free_port,
                                          group_members, wait_until)

START = "/phonexia/api/technology/experimental/authenticity-verification"


@pytest.fixture
def state(tmp_path):
    return {"state": tmp_path / "state.sqlite3", "spool_dir": tmp_path / "spool"}


def submit(url: str, data: bytes, **kwargs) -> requests.Response:
    return requests.post(f"{url}{START}", files={"file": ("call.wav", data, "audio/wav")},
                         timeout=30, **kwargs)


def test_submit_and_poll_across_two_workers_then_survive_a_restart(state):
    with ServerProcess(workers=2, **state) as server:
        admin = AdminClient(server.url)
        admin.set_progression("phonexia", "after_polls", 3)
        r = submit(server.url, media.wav(5, channels=2))
        assert r.status_code == 202
        poll = f"{server.url}{r.headers['X-Location']}"
        states = [requests.get(poll, timeout=10).json()["task"]["state"] for _ in range(4)]
        assert states == ["pending", "running", "done", "done"]
        done = requests.get(poll, timeout=10).json()
        # every poll went through the shared store, whichever worker answered
        assert admin.count_requests(operation="get_authenticity_verification") == 5
    with ServerProcess(workers=2, **state) as server:
        again = requests.get(f"{server.url}{r.headers['X-Location']}", timeout=10)
        assert again.status_code == 200
        assert again.json() == done
        assert len(done["result"]["deepfake_detection"]["channels"]) == 2


def test_streamed_upload_without_content_length_is_cut_at_the_limit(state):
    env = {"MOCKSERVER_VENDORS__PHONEXIA__MAX_UPLOAD_BYTES": "100000"}
    with ServerProcess(workers=1, env=env, **state) as server:
        boundary = "b0undary"
        wav = media.wav(10)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
                f"Content-Type: audio/wav\r\n\r\n").encode() + wav + f"\r\n--{boundary}--\r\n".encode()

        def chunks():  # a generator body: requests sends it chunked, without Content-Length
            for i in range(0, len(body), 8192):
                yield body[i:i + 8192]
        try:
            r = requests.post(f"{server.url}{START}", data=chunks(), timeout=30,
                              headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        except requests.ConnectionError:
            pytest.fail("the server closed the connection instead of answering 413")
        assert r.status_code == 413
        assert r.json()["type"] == "request.size-limit-exceeded"
        assert AdminClient(server.url).list_jobs("phonexia") == []
        assert os.listdir(state["spool_dir"]) == []


def test_content_length_over_the_limit_is_refused_before_the_body(state):
    env = {"MOCKSERVER_VENDORS__PHONEXIA__MAX_UPLOAD_BYTES": "1000"}
    with ServerProcess(workers=1, env=env, **state) as server:
        r = submit(server.url, media.wav(1))
        assert r.status_code == 413
        assert r.json() == {"type": "request.size-limit-exceeded",
                            "message": "The request entity (payload) size exceeds the allowed limit.",
                            "detail": []}


def test_drop_fault_closes_the_connection(state):
    with ServerProcess(workers=1, **state) as server:
        admin = AdminClient(server.url)
        admin.add_fault(fault="drop", vendor="phonexia", operation="get_system_info", times=1)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/phonexia/api/system/info", timeout=10)
        assert requests.get(f"{server.url}/phonexia/api/system/info", timeout=10).status_code == 200


def test_single_vendor_mode_through_gunicorn(state):
    with ServerProcess(workers=1, vendor="phonexia", **state) as server:
        r = requests.post(f"{server.url}{START.removeprefix('/phonexia')}",
                          files={"file": ("a.wav", media.wav(4))}, timeout=30)
        assert r.status_code == 202
        assert requests.get(f"{server.url}{r.headers['X-Location']}", timeout=10).status_code == 200


def test_strict_mode_and_coverage_across_workers(state, capsys):
    """Strict mode from the environment, violations and coverage shared by every worker, and
    ``deepfake-mock coverage`` reading them from the running server."""
    audios = "/hiya/v1/spaces/user-a/main/audios"
    key = {"Authorization": "Bearer hiya-key-user-a"}
    with ServerProcess(workers=2, env={"MOCKSERVER_STRICT": "record"}, **state) as server:
        for _ in range(6):
            r = requests.get(f"{server.url}{audios}", params={"page-size": 500}, headers=key, timeout=10)
            assert r.status_code == 400
        requests.get(f"{server.url}{audios}", params={"page-size": 5}, headers=key, timeout=10)
        violations = AdminClient(server.url).list_violations()
        assert len(violations) == 6
        assert {(v["location"], v["field"], v["rule"]) for v in violations} == {
            ("query", "page-size", "maximum")}

        assert main(["coverage", "--url", server.url, "--vendor", "hiya"]) == 0
        out = capsys.readouterr().out
        assert "  list_audios" in out
        assert "      seen: 200x1 400x6" in out
        assert main(["coverage", "--url", server.url, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["totals"]["operations_reached"] == 1
        assert main(["coverage", "--url", server.url, "--clear"]) == 0
        assert AdminClient(server.url).get_coverage()["totals"]["operations_reached"] == 0


# ---- the harness itself: a start that fails stops what it started ---------------------------

def test_a_start_that_times_out_stops_the_server_and_shows_its_output(state):
    """A silent socket on the port: gunicorn cannot bind, the health check connects to the
    silent socket and reads nothing. The start gives up at its deadline and stops the group."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        # gunicorn retries the bind for about five seconds: still running at the deadline
        server = ServerProcess(workers=1, port=silent.getsockname()[1], startup_timeout=3, **state)
        with pytest.raises(ServerStartError) as failure:
            server.start()
    assert "did not answer /_admin/health within 3 s; its output ends:" in str(failure.value)
    assert server.process.returncode is not None
    assert group_members(server.pid) == []


def test_a_server_that_exits_at_start_is_reported_with_its_output(state):
    server = ServerProcess(workers=1, env={"MOCKSERVER_STRICT": "bogus"}, **state)
    with pytest.raises(ServerStartError) as failure:
        server.start()
    assert "server exited with status 2" in str(failure.value)
    assert ("deepfake-mock: setting strict: 'bogus' given; input should be 'off', 'record' or "
            "'reject'") in str(failure.value)
    assert group_members(server.pid) == []


def test_output_goes_to_a_file_and_stop_leaves_no_worker_behind(state):
    with ServerProcess(workers=2, **state) as server:
        assert stat.S_ISREG(os.stat(f"/proc/{server.pid}/fd/2").st_mode)  # not a pipe
        assert stat.S_ISREG(os.stat(f"/proc/{server.pid}/fd/1").st_mode)
        assert "Booting worker" in server.log_tail()
        wait_until(lambda: len(server.workers()) == 2, "both workers forked")  # gunicorn spaces them
        os.kill(server.pid, signal.SIGKILL)  # the master dies under its workers
        server.process.wait()
        server.stop()
        assert group_members(server.pid) == []


# ---- what serve prints: the banner, then one access-log line per request ---------------------

def test_the_banner_comes_before_the_first_request_and_every_request_is_logged(state):
    with ServerProcess(workers=2, **state) as server:
        AdminClient(server.url).add_fault("status", vendor="phonexia", status=503, times=1)
        secret = {"Authorization": "Bearer header-secret"}
        assert requests.get(f"{server.url}/phonexia/api/system/info?token=query-secret",
                            headers=secret, timeout=10).status_code == 503
        assert requests.get(f"{server.url}/phonexia/api/system/info", timeout=10).ok
        output = server.log_tail(20000)
    lines = output.splitlines()
    first_request = next(i for i, line in enumerate(lines) if "GET /_admin/health" in line)
    banner = lines.index(f"  phonexia  {server.url}/phonexia  spec "
                         f"{server.url}/phonexia/openapi.yaml  "
                         "Phonexia Speech Platform 4: Authenticity Verification")
    assert banner < first_request
    logged = [line for line in lines if " phonexia get_system_info " in line]
    stamp, ms = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", r"\d+\.\dms"
    assert len(logged) == 2
    assert re.fullmatch(rf"{stamp} [0-9a-f]{{32}} phonexia get_system_info GET "
                        rf"/phonexia/api/system/info 503 {ms} fault: status 503", logged[0])
    assert re.fullmatch(rf"{stamp} [0-9a-f]{{32}} phonexia get_system_info GET "
                        rf"/phonexia/api/system/info 200 {ms}", logged[1])
    assert "secret" not in output


def test_the_access_log_setting_turns_it_off(state):
    with ServerProcess(workers=1, env={"MOCKSERVER_ACCESS_LOG": "false"}, **state) as server:
        assert requests.get(f"{server.url}/phonexia/api/system/info", timeout=10).ok
        output = server.log_tail(20000)
    assert f"deepfake-mock {__version__} on {server.url}" in output
    assert "get_system_info" not in output and "access log" not in output


def test_a_bad_setting_stops_serve_before_gunicorn_starts(state):
    done = subprocess.run(
        [sys.executable, "-m", "deepfake_mock", "serve", "--port", str(free_port()),
         "--workers", "1", "--state", str(state["state"])],
        env=dict(os.environ, MOCKSERVER_SEED="abc"), capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("deepfake-mock: setting seed: 'abc' given; input should be a valid "
                           "integer, unable to parse string as an integer\n")
