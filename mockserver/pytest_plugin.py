"""pytest plugin: an emulator for your integration tests.

    def test_upload(mockserver):
        base = mockserver.url("phonexia")           # point your client here
        mockserver.admin.add_verdict_rule("phonexia", label="fake", times=1)
        ...
        assert mockserver.admin.count_requests(vendor="phonexia") == 2

Without options the emulator runs in-process (a thread, a free port on 127.0.0.1, memory state);
``--mockserver-url URL`` uses a server you started (``make run``). State is reset before each
test that uses the ``mockserver`` fixture; mark a test ``no_reset`` to keep the previous state.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from .admin.client import AdminClient


def pytest_addoption(parser):
    group = parser.getgroup("mockserver", "deepfake-api-mock emulator")
    group.addoption("--mockserver-url", default=None,
                    help="use a running emulator at this base URL instead of an in-process one")
    group.addoption("--mockserver-config", default=None,
                    help="settings file (JSON or YAML) for the in-process emulator")


def pytest_configure(config):
    config.addinivalue_line("markers", "no_reset: keep the emulator's state from the previous test")


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


@pytest.fixture(scope="session")
def _mockserver_session(request):
    url = request.config.getoption("--mockserver-url")
    if url:
        admin = AdminClient(url)
        yield MockServer(url.rstrip("/"), admin, admin.get_settings().get("vendor"))
        return
    with tempfile.TemporaryDirectory(prefix="mockserver-") as tmp:
        settings = {"state": "memory", "spool_dir": f"{tmp}/spool"}
        config = request.config.getoption("--mockserver-config")
        if config:
            settings["config"] = config
        with InProcessServer(settings) as server:
            yield MockServer(server.url, AdminClient(server.url),
                             server.app.extensions["mockserver"].settings.vendor)


@pytest.fixture
def mockserver(request, _mockserver_session) -> MockServer:
    """The emulator: ``url(vendor)``, ``admin`` (AdminClient), ``journal``; reset before the test."""
    if request.node.get_closest_marker("no_reset") is None:
        _mockserver_session.admin.reset()
    return _mockserver_session
