"""Fixtures in the Flask tutorial's style: an app with a memory store and a manual clock.

Server mode (moto's): ``pytest --server-mode`` (or ``DEEPFAKE_MOCK_SERVER_MODE=1``) runs the
vendor behaviour tests against gunicorn in another process (``make test-server-mode``). Then
``client`` and ``make_client(settings)`` are ``testing.http_client.HttpClient`` objects (the test
client's interface over HTTP) of a ``ServerProcess`` started with those settings (SQLite state,
two workers, manual clock), reset before each test; ``admin`` speaks to it over HTTP, and
``settings["spool_dir"]`` is its spool. A test that needs the app in-process (the ``app``
fixture, its internals, a WSGI environ) is marked ``in_process`` and skipped in server mode.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from deepfake_mock import create_app
from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing.http_client import HttpClient
from deepfake_mock.testing.server_pool import ServerPool

CLOCK_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def pytest_addoption(parser):
    parser.addoption("--server-mode", action="store_true",
                     default=os.environ.get("DEEPFAKE_MOCK_SERVER_MODE") == "1",
                     help="run the client fixtures' tests against a gunicorn server in another "
                          "process (default: $DEEPFAKE_MOCK_SERVER_MODE=1)")


def pytest_configure(config):
    config.addinivalue_line("markers", "in_process: needs the app in this process (skipped "
                                       "with --server-mode)")


def pytest_runtest_setup(item):
    if item.config.getoption("--server-mode") and item.get_closest_marker("in_process"):
        pytest.skip("needs the app in-process (server mode)")


def server_mode(request) -> bool:
    return request.config.getoption("--server-mode")


@pytest.fixture(scope="session")
def server_pool():
    with tempfile.TemporaryDirectory(prefix="server-mode-") as tmp, ServerPool(Path(tmp)) as pool:
        yield pool


@pytest.fixture
def settings(tmp_path):
    """Overrides for create_app; a test may update this dict before ``app`` is built."""
    return {"state": "memory", "spool_dir": str(tmp_path / "spool"), "clock": "manual",
            "clock_start": CLOCK_START}


@pytest.fixture
def app(request, settings):
    if server_mode(request):
        pytest.fail("the app fixture is in-process: mark the test in_process", pytrace=False)
    return create_app(settings)


@pytest.fixture
def make_client(request):
    """``make_client(settings)``: a client of an emulator built with ``settings``."""
    def make(chosen: dict):
        if not server_mode(request):
            return create_app(chosen).test_client()
        served = request.getfixturevalue("server_pool").serve(chosen)
        chosen["spool_dir"] = str(served.spool_dir)
        return served.client
    return make


@pytest.fixture
def client(request, settings, make_client):
    if server_mode(request):
        return make_client(settings)
    return request.getfixturevalue("app").test_client()


@pytest.fixture
def admin(client):
    """An AdminClient speaking to the app through its test client (over HTTP in server mode)."""
    if isinstance(client, HttpClient):
        return AdminClient(client.base_url)
    return AdminClient.for_test_client(client)
