"""Target selection for the contract suite; see contracts/target.py."""

from __future__ import annotations

import tempfile

import pytest

from mockserver.admin.client import AdminClient
from mockserver.pytest_plugin import InProcessServer

from .target import Target


def pytest_addoption(parser):
    group = parser.getgroup("contracts", "contract suite target")
    group.addoption("--base-url", default=None,
                    help="run the contracts against this URL instead of an in-process emulator")
    group.addoption("--vendor", default=None,
                    help="with --base-url: the URL is this vendor's own service (its real paths "
                         "at the root); without: run only this vendor's contracts")
    group.addoption("--max-examples", type=int, default=25,
                    help="property-based examples per operation")


@pytest.fixture(scope="session")
def target(request):
    url = request.config.getoption("--base-url")
    vendor = request.config.getoption("--vendor")
    if url:
        url = url.rstrip("/")
        if vendor:  # a vendor's own service: no admin API
            yield Target(url, None, vendor)
        else:
            yield Target(url, AdminClient(url))
        return
    with tempfile.TemporaryDirectory(prefix="contracts-") as tmp:
        with InProcessServer({"state": "memory", "spool_dir": f"{tmp}/spool"}) as server:
            yield Target(server.url, AdminClient(server.url), None)


@pytest.fixture(autouse=True)
def _reset_emulator(request, target):
    """Emulator targets start every contract from a clean state; ``mock_only`` needs one."""
    if target.is_emulator:
        target.admin.reset()
    elif request.node.get_closest_marker("mock_only"):
        pytest.skip("uses the emulator's admin API")


def vendor_target(target: Target, slug: str) -> Target:
    if not target.selects(slug):
        pytest.skip(f"the target is {target.vendor}, not {slug}")
    return target
