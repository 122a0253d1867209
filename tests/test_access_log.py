"""The access log: one line per request, with the reason for any error the emulator made itself
and never a secret (through gunicorn: tests/test_server.py)."""

from __future__ import annotations

import logging
import re

import pytest

from deepfake_mock.web import access_log

INFO = "/phonexia/api/system/info"
START = "/phonexia/api/technology/experimental/authenticity-verification"
REQUEST_ID = r"[0-9a-f]{32}"
MS = r"\d+\.\dms"


@pytest.fixture
def lines(caplog):
    """The access log's lines so far (the formatter's time left out)."""
    caplog.set_level(logging.INFO, logger=access_log.LOGGER)
    return lambda: [r.getMessage() for r in caplog.records if r.name == access_log.LOGGER]


def only(lines) -> str:
    logged = lines()
    assert len(logged) == 1, logged
    return logged[0]


def test_a_vendor_request_is_one_line_with_the_journals_request_id(client, admin, lines):
    assert client.get(INFO).status_code == 200
    line = only(lines)
    assert re.fullmatch(rf"{REQUEST_ID} phonexia get_system_info GET {INFO} 200 {MS}", line)
    [entry] = admin.list_requests(vendor="phonexia")
    assert line.startswith(entry["request_id"] + " ")


def test_no_query_string_header_or_body_reaches_the_log(client, lines):
    client.post(f"{START}?api_key=query-secret", headers={"Authorization": "Bearer head-secret"},
                data={"file": (b"body-secret", "call.wav"), "token": "form-secret"},
                content_type="multipart/form-data")
    line = only(lines)
    assert re.fullmatch(rf"{REQUEST_ID} phonexia start_authenticity_verification POST {START} "
                        rf"\d{{3}} {MS}", line)
    assert "secret" not in line


def test_an_admin_request_has_no_vendor_and_no_request_id(client, lines):
    client.get("/_admin/health")
    assert re.fullmatch(rf"- - admin.health GET /_admin/health 200 {MS}", only(lines))


@pytest.mark.parametrize("fault, answer, reason", [
    ({"fault": "status", "status": 503}, "503", "fault: status 503"),
    ({"fault": "delay", "delay_ms": 1}, "200", "fault: delay 1 ms"),
    ({"fault": "malformed"}, "200", "fault: malformed"),
    ({"fault": "drop"}, "-", "fault: drop"),
])
def test_a_fault_is_named(client, admin, lines, fault, answer, reason):
    admin.add_fault(vendor="phonexia", **fault)
    client.get(INFO)
    assert re.fullmatch(rf"{REQUEST_ID} phonexia get_system_info GET {INFO} {answer} {MS} "
                        rf"{re.escape(reason)}", lines()[-1])


def test_a_rate_limit_is_named(client, admin, lines):
    admin.set_rate_limit("phonexia", 1, 60)
    client.get(INFO)
    assert client.get(INFO).status_code == 429
    first, second = [line for line in lines() if " phonexia " in line]
    assert first.endswith("ms")
    assert re.fullmatch(rf"{REQUEST_ID} phonexia get_system_info GET {INFO} 429 {MS} "
                        r"rate limit: 1 per 60 s", second)


@pytest.mark.parametrize("mode, status", [("reject", "422"), ("record", r"\d{3}")])
def test_strict_mode_names_what_broke_the_spec_without_its_value(client, admin, lines, mode,
                                                                  status):
    admin.set_strict(mode)
    client.post(START, data={"token": "form-secret"})
    line = [line for line in lines() if " phonexia " in line][-1]
    assert re.fullmatch(rf"{REQUEST_ID} phonexia start_authenticity_verification POST {START} "
                        rf"{status} {MS} strict: header Content-Type content-type( \(\+\d more\))?",
                        line)
    assert "secret" not in line


def test_the_body_limit_is_named(settings, lines):
    from deepfake_mock import create_app

    settings["vendors"] = {"phonexia": {"max_upload_bytes": 10}}
    client = create_app(settings).test_client()
    client.post(START, data={"file": (b"x" * 100, "call.wav")}, content_type="multipart/form-data")
    assert re.fullmatch(rf"{REQUEST_ID} phonexia start_authenticity_verification POST {START} "
                        rf"413 {MS} body over 10 bytes", only(lines))


def test_an_unknown_path_is_named(client, lines):
    client.get("/phonexia/api/nothing-here")
    assert re.fullmatch(rf"{REQUEST_ID} phonexia - GET /phonexia/api/nothing-here 404 {MS} "
                        r"unknown path", only(lines))


def test_a_crash_of_the_emulator_is_named(app, lines):
    def crash(ctx):
        raise RuntimeError("boom")
    app.view_functions["phonexia.get_system_info"] = crash
    app.test_client().get(INFO)
    assert re.fullmatch(rf"{REQUEST_ID} phonexia get_system_info GET {INFO} 500 {MS} "
                        r"emulator error: RuntimeError", only(lines))


@pytest.fixture
def configured_logger():
    """Undo to_stdout's set-up of the process-wide logger after the test."""
    log = logging.getLogger(access_log.LOGGER)
    saved = (list(log.handlers), log.level, log.propagate)
    yield log
    log.handlers[:], log.level, log.propagate = saved


def test_serve_writes_the_lines_to_stdout_with_the_time(client, capsys, configured_logger):
    access_log.to_stdout(True)
    client.get(INFO)
    out = capsys.readouterr().out
    assert re.fullmatch(rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}} {REQUEST_ID} phonexia "
                        rf"get_system_info GET {INFO} 200 {MS}\n", out)


def test_quiet_logs_nothing(client, capsys, configured_logger):
    access_log.to_stdout(False)
    client.get(INFO)
    assert capsys.readouterr().out == ""
    assert not configured_logger.isEnabledFor(logging.INFO)
