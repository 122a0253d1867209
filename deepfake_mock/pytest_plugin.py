"""pytest plugin: an emulator for your integration tests.

    def test_upload(mockserver):
        base = mockserver.url("phonexia")           # point your client here
        mockserver.admin.add_verdict_rule("phonexia", label="fake", times=1)
        ...
        assert mockserver.admin.count_requests(vendor="phonexia") == 2

Without options the emulator runs in-process (a thread, a free port on 127.0.0.1, memory state,
``deepfake_mock.running()``) and is reset before each test that uses the ``mockserver`` fixture
(mark a test ``no_reset`` to keep the previous state). Its clock is manual: time passes only
when a test moves it (``admin.advance_clock``); the ``mockserver_system_clock`` marker, or
``--mockserver-system-clock`` for every test, gives a test the system clock.

``--mockserver-url URL`` uses a server you started (``make run``); the plugin never resets a
server it did not start, unless ``--mockserver-reset`` says the server is yours.
``--mockserver-admin-token`` (or ``MOCKSERVER_ADMIN_TOKEN``) is sent to a server that has an
``admin_token``.

Checking your client: ``--mockserver-strict`` (or the ``mockserver_strict`` marker on a test)
turns on strict mode and fails a test whose client sent a request that breaks the vendor's spec,
listing the violations. ``--mockserver-coverage`` prints, after the run, which operations and
documented statuses your client's requests reached and which they never saw;
``--mockserver-coverage-json FILE`` writes the same report as JSON.
"""

from __future__ import annotations

import json
import os
import tempfile

import pytest

from .admin.client import AdminClient
from .core.coverage import render_text
from .embedded import InProcessServer
from .testing.target import Target

COVERAGE = pytest.StashKey[dict]()
SEEN_VIOLATIONS = pytest.StashKey[set]()  # violations a strict test found on arrival (not its own)


def pytest_addoption(parser):
    group = parser.getgroup("mockserver", "deepfake-api-mock emulator")
    group.addoption("--mockserver-url", default=None,
                    help="use a running emulator at this base URL instead of an in-process one")
    group.addoption("--mockserver-reset", action="store_true",
                    help="reset the --mockserver-url server before each test (only if it is "
                         "yours alone: a shared server's other users lose their state)")
    group.addoption("--mockserver-admin-token", default=os.environ.get("MOCKSERVER_ADMIN_TOKEN"),
                    help="the server's admin_token, sent with every admin request "
                         "(default: $MOCKSERVER_ADMIN_TOKEN)")
    group.addoption("--mockserver-config", default=None,
                    help="settings file (JSON or YAML) for the in-process emulator")
    group.addoption("--mockserver-system-clock", action="store_true",
                    help="run every test on the system clock (default: the manual clock, "
                         "frozen until a test moves it)")
    group.addoption("--mockserver-strict", action="store_true",
                    help="fail every test whose client sent a request off the vendor's spec")
    group.addoption("--mockserver-coverage", action="store_true",
                    help="after the run, report the operations and statuses the client reached")
    group.addoption("--mockserver-coverage-json", default=None, metavar="FILE",
                    help="write the coverage report as JSON to FILE")


def pytest_configure(config):
    config.addinivalue_line("markers", "no_reset: keep the emulator's state from the previous test")
    config.addinivalue_line("markers", "mockserver_strict: fail the test if its client sent a "
                                       "request off the vendor's spec")
    config.addinivalue_line("markers", "mockserver_system_clock: the emulator's clock follows "
                                       "the system time during this test")


def _wants_coverage(config) -> bool:
    return bool(config.getoption("--mockserver-coverage") or
                config.getoption("--mockserver-coverage-json"))


@pytest.fixture(scope="session")
def _mockserver_session(request):
    config = request.config
    token = config.getoption("--mockserver-admin-token")
    url = config.getoption("--mockserver-url")
    if url:
        yield from _measured(config, Target.emulator(AdminClient(url, token=token)))
        return
    with tempfile.TemporaryDirectory(prefix="mockserver-") as tmp:
        settings = {"state": "memory", "spool_dir": f"{tmp}/spool", "clock": "manual"}
        if config.getoption("--mockserver-config"):
            settings["config"] = config.getoption("--mockserver-config")
        with InProcessServer(settings) as running:
            yield from _measured(config, running.target(token))


def _measured(config, server: Target):
    """Yield the server; with coverage asked for, count from zero and keep the report (taken
    here, while the server still runs) for the end of the run."""
    if _wants_coverage(config):
        server.admin.clear_coverage()
    yield server
    if _wants_coverage(config):
        config.stash[COVERAGE] = server.admin.get_coverage()


def _resets(item) -> bool:
    """Reset before this test: the server is ours (in-process, or ``--mockserver-reset``)."""
    config = item.config
    ours = not config.getoption("--mockserver-url") or config.getoption("--mockserver-reset")
    return bool(ours) and item.get_closest_marker("no_reset") is None


def _system_clock(item) -> bool:
    return bool(item.config.getoption("--mockserver-system-clock") or
                item.get_closest_marker("mockserver_system_clock"))


def _strict(item) -> bool:
    return bool(item.config.getoption("--mockserver-strict") or
                item.get_closest_marker("mockserver_strict"))


@pytest.fixture
def mockserver(request, _mockserver_session) -> Target:
    """The emulator: ``url(vendor)``, ``admin`` (AdminClient), ``journal``; reset before the
    test when the server is ours; its clock manual unless the test asks for the system clock."""
    admin = _mockserver_session.admin
    if _resets(request.node):
        admin.reset()
    if _system_clock(request.node):
        admin.set_clock(mode="system")
    if not _strict(request.node):
        yield _mockserver_session
        return
    previous = admin.get_strict()
    admin.set_strict("record")
    request.node.stash[SEEN_VIOLATIONS] = {v["request_id"] for v in admin.list_violations()}
    yield _mockserver_session
    admin.set_strict(previous)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """In strict mode a test passes only if its client kept to the vendors' specs."""
    result = yield
    server = getattr(item, "funcargs", {}).get("mockserver")
    if isinstance(server, Target) and _strict(item):
        seen = item.stash.get(SEEN_VIOLATIONS, set())
        violations = [v for v in server.admin.list_violations() if v["request_id"] not in seen]
        if violations:
            pytest.fail(describe_violations(violations), pytrace=False)
    return result


def describe_violations(violations: list[dict]) -> str:
    lines = [f"the client sent {len(violations)} request problem(s) the vendor's spec forbids:"]
    for v in violations:
        where = f"{v['location']} {v['field']}" if v.get("field") else v["location"]
        lines.append(f"  {v['vendor']} {v['operation']} ({v['method']} {v['path']}): "
                     f"{where}: {v['rule']}: {v['message']}")
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter, config):
    report = config.stash.get(COVERAGE, None)
    if report is None:
        return
    path = config.getoption("--mockserver-coverage-json")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
    if config.getoption("--mockserver-coverage"):
        terminalreporter.write_sep("=", "deepfake-api-mock coverage")
        terminalreporter.write(render_text(report))
