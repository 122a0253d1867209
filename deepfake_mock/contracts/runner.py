"""``deepfake-mock contract``: the contract suite as one command for CI, run by pytest on the
installed ``contracts`` package (any working directory), with the contract report printed."""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import pytest

from deepfake_mock import contracts

from .target import TargetError, detect, known


def pytest_args(*, vendor: str | None = None, base_url: str | None = None,
                max_examples: int | None = None, junit_xml: str | None = None,
                report_json: str | None = None, admin_token: str | None = None,
                keyword: str | None = None, exitfirst: bool = False,
                hypothesis_seed: int | None = None) -> list[str]:
    """The pytest command line for these options (``--vendor`` deselects the other vendors'
    tests; ``-k``, ``-x`` and ``--hypothesis-seed`` are pytest's and Hypothesis's own)."""
    known(vendor)
    suite = Path(contracts.__file__).parent
    args = [str(suite / "test_specs.py"), str(suite / "flows"),  # generated cases first
            "-q", "-p", "no:cacheprovider", "--contract-report", *(["-x"] if exitfirst else [])]
    options = {"--vendor": vendor, "--base-url": base_url, "--max-examples": max_examples,
               "--junitxml": junit_xml, "--report-json": report_json, "-k": keyword,
               "--hypothesis-seed": hypothesis_seed, "--admin-token": admin_token}
    for option, value in options.items():
        if value is not None:
            args += [option, str(value)]
    return args


def run(**options) -> int:
    """Run the suite; 0 only when every test passed (pytest's exit code otherwise). A target
    the suite cannot run against (unknown vendor, unreachable URL, a real vendor's credentials
    missing) is one line and exit code 4, before any test."""
    try:
        args = pytest_args(**options)
        if options.get("base_url"):
            detect(options["base_url"], options.get("vendor"), options.get("admin_token"))
    except TargetError as error:
        print(f"deepfake-mock contract: {error}", file=sys.stderr)
        return int(pytest.ExitCode.USAGE_ERROR)
    return int(pytest.main(args))


def checks_table() -> str:
    """The vendor checks as a Markdown table (from each check's docstring), then the number of
    hand-written flows per vendor."""
    from .checks import CHECKS  # not before pytest.main: pytest rewrites schemathesis's asserts

    rows = ["| vendor | check | what it verifies |", "| --- | --- | --- |"]
    for slug, checks in CHECKS.items():
        for check in checks:
            summary = inspect.getdoc(check).splitlines()[0].replace("|", "\\|")
            rows.append(f"| {slug} | `{check.__name__}` | {summary} |")
    flows = ", ".join(f"{slug} {flow_count(slug)}" for slug in CHECKS)
    return "\n".join(rows) + f"\n\nHand-written flows (`deepfake_mock/contracts/flows/`): {flows}."


def flow_count(slug: str) -> int:
    """The test functions of ``contracts/flows/test_<slug>.py`` (read, not imported)."""
    source = (Path(contracts.__file__).parent / "flows" / f"test_{slug}.py").read_text()
    return sum(isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
               for node in ast.parse(source).body)
