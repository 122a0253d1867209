"""``deepfake-mock contract``: the suite as a command, against a separate emulator (passes) and
against a broken impersonation of a vendor's real service (fails, and says where)."""

import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from deepfake_mock.contracts.report import load_routes
from deepfake_mock.contracts.runner import checks_table, pytest_args
from deepfake_mock.contracts.target import TargetError, detect, missing_credentials
from deepfake_mock.embedded import InProcessServer
from deepfake_mock.registry import VENDORS
from deepfake_mock.testing.server import ServerProcess, free_port

CHECKS_START, CHECKS_END = "<!-- checks:start -->", "<!-- checks:end -->"
GLAIR_ENV = {"GLAIR_API_KEY": "ci-secret-key", "GLAIR_USERNAME": "ci-user",
             "GLAIR_PASSWORD": "ci-password"}


def contract(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "deepfake_mock", "contract", *args], cwd=cwd,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=300)


def junit_totals(path):
    suite = ET.parse(path).getroot().find("testsuite")
    return {key: int(suite.get(key)) for key in ("tests", "failures", "errors")}


def test_the_command_passes_against_a_separate_emulator(tmp_path):
    with ServerProcess(workers=2, state=tmp_path / "state.sqlite3",
                       spool_dir=tmp_path / "spool") as server:
        done = contract("--base-url", server.url, "--max-examples", "3",
                        "--junit-xml", "junit.xml", "--report-json", "report.json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    totals = junit_totals(tmp_path / "junit.xml")
    assert totals["tests"] > 50 and totals["failures"] == totals["errors"] == 0
    report = done.stdout.split("contract report", 1)[1]
    for vendor in VENDORS:
        assert f"{vendor.slug}  ({server.url}/{vendor.slug})" in report
        for op in (route.operation for route in load_routes(vendor.slug)):
            assert f"  {op.operation_id}  {op.method} {op.path}\n" in report
    summary = json.loads((tmp_path / "report.json").read_text())["summary"]
    assert summary["vendors"] == 5 and summary["failed"] == 0 and summary["passed"] > 50


@Request.application
def broken_glair(request):
    """GLAIR as it must not be: no Request-Id, errors outside GLAIR's envelope."""
    if request.path.startswith("/face/v1/deepfake") and request.method == "POST":
        if request.headers.get("x-api-key") != GLAIR_ENV["GLAIR_API_KEY"]:
            return Response('{"message": "no key"}', 401, content_type="application/json")
        body = {"read": {"deepfake": {"confidence": 0.1, "value": "real"}},
                "reason": "File Successfully Read", "status": "SUCCESS"}
        return Response(json.dumps(body), 200, content_type="application/json")
    return Response('{"detail": "Not Found"}', 404, content_type="application/json")


@pytest.fixture
def fake_vendor():
    server = make_server("127.0.0.1", 0, broken_glair, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_the_command_fails_against_a_broken_vendor_and_shows_where(tmp_path, fake_vendor):
    done = contract("--vendor", "glair", "--base-url", fake_vendor, "--max-examples", "3",
                    "--junit-xml", "junit.xml", cwd=tmp_path, env=GLAIR_ENV)
    assert done.returncode != 0
    assert junit_totals(tmp_path / "junit.xml")["failures"] > 0
    failure = junit_cases(tmp_path / "junit.xml")[
        "test_operation_conforms_to_the_spec[glair-detect_deepfake_video]"]
    assert failure.startswith("glair detect_deepfake_video (POST /face/v1/deepfake) breaks the spec:")
    assert "\n  glair_request_id: Request-Id header missing: " in failure
    curl = failure.split("\n    curl -X POST ", 1)[1]
    assert "'x-api-key: [Filtered]'" in curl and curl.endswith(f" {fake_vendor}/face/v1/deepfake")
    assert not any(v in failure for v in GLAIR_ENV.values())
    report = done.stdout.split("contract report", 1)[1]
    assert "200 FAILED" in report
    assert "      200: Request-Id header missing: 200 without Request-Id\n      curl -X POST" in report
    assert f"{fake_vendor}/face/v1/deepfake" in report
    assert "test_glair.py:" in report  # a failed flow names its failing line
    assert "[Filtered]" in report and not any(v in report for v in GLAIR_ENV.values())


def test_list_checks_prints_every_vendor_check_and_the_flows(tmp_path):
    done = contract("--list-checks", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("| vendor | check | what it verifies |\n| --- | --- | --- |\n")
    assert "| glair | `glair_request_id` | Every answer carries a ``Request-Id`` header" in done.stdout
    assert "Hand-written flows (`deepfake_mock/contracts/flows/`): phonexia " in done.stdout


def test_readme_checks_table_is_current():
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = text.split("## Contract tests", 1)[1].split("\n## ", 1)[0]
    current = section.split(CHECKS_START, 1)[1].split(CHECKS_END, 1)[0].strip()
    assert current == checks_table(), "paste `deepfake-mock contract --list-checks` into README.md"


def test_options_become_the_pytest_command_line():
    args = pytest_args(vendor="glair", max_examples=3, junit_xml="j.xml", keyword="video",
                       exitfirst=True, hypothesis_seed=7, admin_token="t")
    assert args[0].endswith("deepfake_mock/contracts/test_specs.py")
    assert args[1].endswith("deepfake_mock/contracts/flows")
    assert args[2:] == ["-q", "-p", "no:cacheprovider", "--contract-report", "-x",
                        "--vendor", "glair", "--max-examples", "3", "--junitxml", "j.xml",
                        "-k", "video", "--hypothesis-seed", "7", "--admin-token", "t"]


def junit_cases(path) -> dict[str, str | None]:
    """Each test case's name and its failure text (None when it passed)."""
    cases = ET.parse(path).getroot().iter("testcase")
    return {case.get("name"): (case.find("failure").text if case.find("failure") is not None
                               else None) for case in cases}


def test_junit_has_one_case_per_operation_and_only_the_vendor_asked(tmp_path):
    done = contract("--vendor", "glair", "--max-examples", "2", "--junit-xml", "junit.xml",
                    cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    cases = junit_cases(tmp_path / "junit.xml")
    operations = [r.operation.operation_id for r in load_routes("glair")]
    assert [name for name in cases if name.startswith("test_operation")] == [
        f"test_operation_conforms_to_the_spec[glair-{op}]" for op in operations]
    assert "test_video_sample_request" in cases
    assert not any("phonexia" in name or "skipped" in (text or "") for name, text in cases.items())


def test_make_contracts_calls_the_command():
    make = subprocess.run(["make", "--no-print-directory", "-n", "contracts", "VENDOR=glair",
                           "BASE_URL=http://x", "MAX_EXAMPLES=3"], capture_output=True, text=True, check=True,
                          cwd=os.path.dirname(os.path.dirname(__file__)))
    assert make.stdout.splitlines()[-1].endswith(
        "deepfake-mock contract --vendor glair --base-url http://x --max-examples 3")


# ---- target detection ---------------------------------------------------------------------------

def test_a_single_vendor_emulator_is_detected_with_its_vendor(tmp_path):
    settings = {"state": "memory", "spool_dir": str(tmp_path), "vendor": "phonexia"}
    with InProcessServer(settings) as server:
        target = detect(server.url + "/", None)
        assert target.is_emulator and target.vendor == "phonexia" and target.at_root
        assert target.url("phonexia") == server.url
        with pytest.raises(TargetError, match="serves only phonexia"):
            detect(server.url, "glair")


def test_a_combined_emulator_runs_every_vendor_or_the_one_named(tmp_path):
    with InProcessServer({"state": "memory", "spool_dir": str(tmp_path)}) as server:
        assert detect(server.url, None).slugs == [v.slug for v in VENDORS]
        target = detect(server.url, "hiya")
        assert target.is_emulator and target.slugs == ["hiya"]
        assert target.url("hiya") == f"{server.url}/hiya"


def test_anything_else_is_a_real_vendor_that_must_be_named(fake_vendor, monkeypatch):
    for name, value in GLAIR_ENV.items():
        monkeypatch.setenv(name, value)
    target = detect(fake_vendor, "glair")
    assert not target.is_emulator and target.url("glair") == fake_vendor
    with pytest.raises(TargetError, match="--vendor"):
        detect(fake_vendor, None)
    with pytest.raises(TargetError, match="unknown vendor"):
        detect(fake_vendor, "acme")


def test_an_unreachable_url_is_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(TargetError, match="cannot reach"):
        detect(url, "glair")
    done = contract("--base-url", url, cwd=tmp_path)
    assert done.returncode == 4 and done.stdout == ""
    assert done.stderr.startswith(f"deepfake-mock contract: cannot reach {url}: ")
    assert done.stderr.count("\n") == 1
    done = contract("--vendor", "acme", cwd=tmp_path)  # the in-process emulator
    assert done.returncode == 4 and "unknown vendor 'acme'" in done.stderr


def test_exitfirst_stops_at_the_first_failure(tmp_path, fake_vendor):
    done = contract("--vendor", "glair", "--base-url", fake_vendor, "--max-examples", "2", "-x",
                    "--junit-xml", "junit.xml", cwd=tmp_path, env=GLAIR_ENV)
    assert done.returncode == 1
    assert junit_totals(tmp_path / "junit.xml")["failures"] == 1


def test_k_selects_tests_and_the_seed_reaches_hypothesis(tmp_path):
    done = contract("--vendor", "glair", "-k", "detect_deepfake_video", "--max-examples", "2",
                    "--hypothesis-seed", "1234", "--junit-xml", "junit.xml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert list(junit_cases(tmp_path / "junit.xml")) == [
        "test_operation_conforms_to_the_spec[glair-detect_deepfake_video]"]


def test_missing_real_vendor_credentials_are_one_line_before_any_test(tmp_path, fake_vendor):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLAIR_")}
    done = subprocess.run([sys.executable, "-m", "deepfake_mock", "contract", "--vendor", "glair",
                           "--base-url", fake_vendor, "--junit-xml", "junit.xml"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 4 and done.stdout == ""
    assert done.stderr == ("deepfake-mock contract: the real glair service needs GLAIR_API_KEY and "
                           "GLAIR_USERNAME and GLAIR_PASSWORD; not set: GLAIR_API_KEY, "
                           "GLAIR_PASSWORD, GLAIR_USERNAME\n")
    assert not (tmp_path / "junit.xml").exists()


@pytest.mark.parametrize("vendor,env,missing", [
    ("hiya", {"HIYA_API_KEY": "k"}, "HIYA_OWNER, HIYA_PASSWORD, HIYA_USERNAME"),
    ("finauth", {"FINAUTH_API_KEY": "k"}, "FINAUTH_API_SECRET"),
    ("resemble", {}, "RESEMBLE_API_TOKEN"),
])
def test_credentials_each_vendor_needs(vendor, env, missing):
    assert missing_credentials(vendor, env).endswith(f"; not set: {missing}")
    assert missing_credentials("phonexia", {}) is None
    assert missing_credentials("hiya", {"HIYA_USERNAME": "u", "HIYA_PASSWORD": "p"}) is None


@pytest.mark.parametrize("module", ["schemathesis", "websockets"])
def test_without_the_contract_extra_one_line_names_it(tmp_path, module):
    blocked = (f"import sys; sys.modules[{module!r}] = None; "
               "from deepfake_mock.cli import main; sys.exit(main(['contract']))")
    done = subprocess.run([sys.executable, "-c", blocked], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 4 and done.stdout == ""
    assert done.stderr == (f"deepfake-mock contract needs the [contract] extra ({module} is "
                           "missing): pip install 'deepfake-api-mock[contract]'\n")


def test_the_admin_token_reaches_the_mock_only_tests(tmp_path):
    settings = {"state": "memory", "spool_dir": str(tmp_path / "spool"), "admin_token": "s3cret"}
    with InProcessServer(settings) as server:
        done = contract("--base-url", server.url, "--vendor", "glair", "-k", "video_fake_example",
                        "--admin-token", "s3cret", "--junit-xml", "junit.xml", cwd=tmp_path)
        refused = contract("--base-url", server.url, "--vendor", "glair", cwd=tmp_path,
                           env={"MOCKSERVER_ADMIN_TOKEN": ""})
    assert done.returncode == 0, done.stdout[-3000:]
    assert list(junit_cases(tmp_path / "junit.xml")) == ["test_video_fake_example"]
    assert refused.returncode == 4
    assert refused.stderr.startswith(f"deepfake-mock contract: {server.url}/_admin answered 401 ")
    assert refused.stderr.endswith(": give its admin token (--admin-token or "
                                   "MOCKSERVER_ADMIN_TOKEN)\n")
