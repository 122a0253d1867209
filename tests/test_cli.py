"""The deepfake-mock command."""

import importlib.metadata
import subprocess
import sys

import pytest

from deepfake_mock import __version__
from deepfake_mock.cli import main


def test_version(capsys):
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__


def test_routes_lists_vendor_and_admin_routes(capsys):
    assert main(["routes"]) == 0
    out = capsys.readouterr().out
    assert "/phonexia/api/technology/experimental/authenticity-verification" in out
    assert "phonexia.start_authenticity_verification" in out
    assert "/_admin/reset" in out


def test_routes_in_single_vendor_mode_are_at_the_root(capsys):
    assert main(["routes", "--vendor", "phonexia"]) == 0
    assert "\nPOST     /api/technology/experimental/authenticity-verification" in capsys.readouterr().out


def test_fidelity_prints_the_table(capsys):
    assert main(["fidelity"]) == 0
    assert capsys.readouterr().out.startswith("| vendor | where | what the emulator does |")


def test_version_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"deepfake-mock {__version__}\n"


def test_python_dash_m_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "deepfake_mock", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"deepfake-mock {__version__}\n")


def test_the_version_is_single_sourced():
    assert __version__ == "0.2.0"
    assert importlib.metadata.version("deepfake-api-mock") == __version__
