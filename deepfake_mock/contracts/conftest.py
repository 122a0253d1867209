"""The contract suite's options, its target (contracts/target.py) and its report
(contracts/report.py): every exchange with a vendor is recorded and settled by the test's
outcome."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from deepfake_mock.embedded import InProcessServer
from deepfake_mock.testing.target import Target

from .report import Recorder, Report, flow_failure, render
from .target import TargetError, detect, known

SUITE = Path(__file__).parent
REPORT = pytest.StashKey[Report]()
RECORDER = pytest.StashKey[Recorder]()


def pytest_addoption(parser):
    group = parser.getgroup("contracts", "contract suite target and report")
    group.addoption("--base-url", default=None,
                    help="run the contracts against this URL (a running emulator, or with "
                         "--vendor a vendor's own service) instead of an in-process emulator")
    group.addoption("--vendor", default=None,
                    help="run only this vendor's contracts; required when --base-url is a "
                         "vendor's real service")
    group.addoption("--admin-token", default=os.environ.get("MOCKSERVER_ADMIN_TOKEN"),
                    help="the --base-url emulator's admin_token, for the mock_only tests "
                         "(default: $MOCKSERVER_ADMIN_TOKEN)")
    group.addoption("--max-examples", type=int, default=25,
                    help="property-based examples per operation")
    group.addoption("--contract-report", action="store_true",
                    help="print the per-operation, per-status report after the run")
    group.addoption("--report-json", default=None, metavar="FILE",
                    help="write the same report as JSON")


def pytest_configure(config):
    config.addinivalue_line("markers", "mock_only: uses the admin API, so runs only against "
                                       "the emulator")


def pytest_collection_modifyitems(config, items):
    """With ``--vendor``, the other vendors' contracts are not run (nor listed as skipped)."""
    vendor = config.getoption("--vendor")
    if vendor is None:
        return
    others = [item for item in items if item_vendor(item) not in (None, vendor)]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = [item for item in items if item not in others]


def item_vendor(item) -> str | None:
    """The vendor a contract test is about: its ``slug`` parameter, or its flow module's name."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "slug" in callspec.params and item.path.parent == SUITE:
        return callspec.params["slug"]
    if item.path.parent == SUITE / "flows":
        return item.path.stem.removeprefix("test_")
    return None


@pytest.fixture(scope="session")
def target(request):
    url = request.config.getoption("--base-url")
    vendor = request.config.getoption("--vendor")
    token = request.config.getoption("--admin-token")
    try:
        found = detect(url, vendor, token) if url else known(vendor)
    except TargetError as error:
        pytest.exit(str(error), returncode=pytest.ExitCode.USAGE_ERROR)
    if found:
        request.config.stash[REPORT] = Report(found)
        yield found
        return
    with tempfile.TemporaryDirectory(prefix="contracts-") as tmp:
        with InProcessServer({"state": "memory", "spool_dir": f"{tmp}/spool"}) as server:
            found = replace(server.target(token), vendor=vendor)
            request.config.stash[REPORT] = Report(found)
            yield found


@pytest.fixture(autouse=True)
def exchanges(request, target, monkeypatch) -> Recorder:
    """This test's exchanges with the vendors (every ``requests`` call is seen)."""
    recorder = Recorder(request.config.stash[REPORT])
    request.node.stash[RECORDER] = recorder
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send",
                        recorder.wrap(requests.adapters.HTTPAdapter.send))
    return recorder


@pytest.fixture(autouse=True)
def _reset_emulator(request, target, exchanges):
    """Emulator targets start every contract from a clean state; ``mock_only`` needs one."""
    if target.is_emulator:
        target.admin.reset()
    elif request.node.get_closest_marker("mock_only"):
        pytest.skip("uses the emulator's admin API")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Settle the test's pending exchanges by the phase's outcome."""
    report = yield
    recorder = item.stash.get(RECORDER, None)
    if recorder is not None:
        if report.skipped:
            recorder.drop()
        elif report.failed:
            recorder.settle(flow_failure(report.longrepr))
        else:
            recorder.settle()
    return report


def pytest_terminal_summary(terminalreporter, config):
    report = config.stash.get(REPORT, None)
    if report is None:
        return
    data = report.data()
    if config.getoption("--contract-report"):
        terminalreporter.write_sep("=", "contract report")
        terminalreporter.write(render(data))
    if config.getoption("--report-json"):
        Path(config.getoption("--report-json")).write_text(json.dumps(data, indent=2) + "\n")


def vendor_target(target: Target, slug: str) -> Target:
    if not target.selects(slug):
        pytest.skip(f"the target is {target.vendor}, not {slug}")
    return target
