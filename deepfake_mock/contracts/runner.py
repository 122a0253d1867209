"""``deepfake-mock contract``: the contract suite as one command for CI, run by pytest on the
installed ``contracts`` package (any working directory), with the contract report printed."""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import pytest

from deepfake_mock import contracts

from .target import TargetError, known


def pytest_args(*, vendor: str | None = None, base_url: str | None = None,
                max_examples: int | None = None, junit_xml: str | None = None,
                report_json: str | None = None) -> list[str]:
    """The pytest command line for these options: one vendor's tests only, or all of them."""
    known(vendor)
    suite = Path(contracts.__file__).parent
    paths = [suite] if vendor is None else [
        f"{suite / 'test_specs.py'}::test_every_operation_conforms_to_the_spec[{vendor}]",
        suite / "flows" / f"test_{vendor}.py"]
    args = [*map(str, paths), "-q", "-p", "no:cacheprovider", "--contract-report"]
    options = {"--vendor": vendor, "--base-url": base_url, "--max-examples": max_examples,
               "--junitxml": junit_xml, "--report-json": report_json}
    for option, value in options.items():
        if value is not None:
            args += [option, str(value)]
    return args


def run(**options) -> int:
    """Run the suite; 0 only when every test passed (pytest's exit code otherwise)."""
    try:
        args = pytest_args(**options)
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
    return "\n".join(rows) + f"\n\nHand-written flows (`contracts/flows/`): {flows}."


def flow_count(slug: str) -> int:
    """The test functions of ``contracts/flows/test_<slug>.py`` (read, not imported)."""
    source = (Path(contracts.__file__).parent / "flows" / f"test_{slug}.py").read_text()
    return sum(isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
               for node in ast.parse(source).body)
