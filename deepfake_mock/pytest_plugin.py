"""pytest plugin: an emulator for your integration tests.

    def test_upload(mockserver):
        base = mockserver.url("phonexia")           # point your client here
        mockserver.admin.add_verdict_rule("phonexia", label="fake", times=1)
        ...
        assert mockserver.admin.count_requests(vendor="phonexia") == 2

Without options the emulator runs in-process (a thread, a free port on 127.0.0.1, memory state);
``--mockserver-url URL`` uses a server you started (``make run``). State is reset before each
test that uses the ``mockserver`` fixture; mark a test ``no_reset`` to keep the previous state.

Checking your client: ``--mockserver-strict`` (or the ``mockserver_strict`` marker on a test)
turns on strict mode and fails a test whose client sent a request that breaks the vendor's spec,
listing the violations. ``--mockserver-coverage`` prints, after the run, which operations and
documented statuses your client's requests reached and which they never saw;
``--mockserver-coverage-json FILE`` writes the same report as JSON.
"""

from __future__ import annotations

import json
import tempfile
import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from .admin.client import AdminClient
from .core.coverage import render_text

COVERAGE = pytest.StashKey[dict]()


def pytest_addoption(parser):
    group = parser.getgroup("mockserver", "deepfake-api-mock emulator")
    group.addoption("--mockserver-url", default=None,
                    help="use a running emulator at this base URL instead of an in-process one")
    group.addoption("--mockserver-config", default=None,
                    help="settings file (JSON or YAML) for the in-process emulator")
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


@dataclass
class MockServer:
    base_url: str
    admin: AdminClient
    single_vendor: str | None = None

    def url(self, vendor: str) -> str:
        """Base URL of ``vendor``'s real paths (``/<vendor>`` on the combined server)."""
        return self.base_url if self.single_vendor == vendor else f"{self.base_url}/{vendor}"

    @property
    def journal(self) -> list[dict]:
        return self.admin.list_requests()


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: the journal is the record (``/_admin/journal``)."""

    def log_request(self, code="-", size="-"):
        pass


class InProcessServer:
    """create_app() served by werkzeug's threaded server on a free loopback port."""

    def __init__(self, settings: dict):
        from .app import create_app

        self.app = create_app(settings)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True,
                                   request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._thread.join(timeout=10)


def _wants_coverage(config) -> bool:
    return bool(config.getoption("--mockserver-coverage") or
                config.getoption("--mockserver-coverage-json"))


@pytest.fixture(scope="session")
def _mockserver_session(request):
    url = request.config.getoption("--mockserver-url")
    if url:
        admin = AdminClient(url)
        server = MockServer(url.rstrip("/"), admin, admin.get_settings().get("vendor"))
        yield from _measured(request.config, server)
        return
    with tempfile.TemporaryDirectory(prefix="mockserver-") as tmp:
        settings = {"state": "memory", "spool_dir": f"{tmp}/spool"}
        config = request.config.getoption("--mockserver-config")
        if config:
            settings["config"] = config
        with InProcessServer(settings) as running:
            server = MockServer(running.url, AdminClient(running.url),
                                running.app.extensions["deepfake_mock"].settings.vendor)
            yield from _measured(request.config, server)


def _measured(config, server: MockServer):
    """Yield the server; with coverage asked for, count from zero and keep the report (taken
    here, while the server still runs) for the end of the run."""
    if _wants_coverage(config):
        server.admin.clear_coverage()
    yield server
    if _wants_coverage(config):
        config.stash[COVERAGE] = server.admin.get_coverage()


def _strict(item) -> bool:
    return bool(item.config.getoption("--mockserver-strict") or
                item.get_closest_marker("mockserver_strict"))


@pytest.fixture
def mockserver(request, _mockserver_session) -> MockServer:
    """The emulator: ``url(vendor)``, ``admin`` (AdminClient), ``journal``; reset before the test."""
    admin = _mockserver_session.admin
    if request.node.get_closest_marker("no_reset") is None:
        admin.reset()
    if not _strict(request.node):
        yield _mockserver_session
        return
    previous = admin.get_strict()
    admin.set_strict("record")
    admin.clear_violations()
    yield _mockserver_session
    admin.set_strict(previous)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """In strict mode a test passes only if its client kept to the vendors' specs."""
    result = yield
    server = getattr(item, "funcargs", {}).get("mockserver")
    if isinstance(server, MockServer) and _strict(item):
        violations = server.admin.list_violations()
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
