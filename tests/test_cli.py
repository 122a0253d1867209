"""The deepfake-mock command."""

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
