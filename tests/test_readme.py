"""The README opens with the two commands, links the fidelity table, which is the one the specs
produce (docs/FIDELITY.md), and points contributors to CONTRIBUTING.md."""

from pathlib import Path

import pytest

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.cli import main
from deepfake_mock.fidelity import END, START, table
from deepfake_mock.registry import VENDORS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FIDELITY = ROOT / "docs" / "FIDELITY.md"


def test_fidelity_table_is_current():
    text = FIDELITY.read_text()
    current = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert current == table(SPEC_DIR, [v.slug for v in VENDORS]), "run `make fidelity`"


def test_readme_links_the_fidelity_table_instead_of_holding_it():
    text = README.read_text()
    assert "](docs/FIDELITY.md)" in text
    assert START not in text and END not in text


def test_readme_points_contributors_to_contributing():
    assert "](CONTRIBUTING.md)" in README.read_text()
    assert "## Adding a vendor" in (ROOT / "CONTRIBUTING.md").read_text()


def test_readme_opens_with_the_two_commands():
    head = README.read_text().splitlines()[:15]
    assert any("make run" in line for line in head) and any("make test" in line for line in head)


def test_fidelity_write_fills_the_markers_and_reports_current(tmp_path, capsys):
    page = tmp_path / "FIDELITY.md"
    page.write_text(f"# Table\n\n{START}\nstale\n{END}\nafter\n")
    assert main(["fidelity", "--write", str(page)]) == 0
    assert capsys.readouterr().out == f"{page}: updated\n"
    rendered = table(SPEC_DIR, [v.slug for v in VENDORS])
    assert page.read_text() == f"# Table\n\n{START}\n{rendered}\n{END}\nafter\n"
    assert main(["fidelity", "--write", str(page)]) == 0
    assert capsys.readouterr().out == f"{page}: already current\n"


@pytest.mark.parametrize("content", [None, "# no markers here\n"])
def test_fidelity_write_refuses_a_file_without_markers(tmp_path, capsys, content):
    page = tmp_path / "README.md"
    if content is not None:
        page.write_text(content)
    assert main(["fidelity", "--write", str(page)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("deepfake-mock fidelity: ")
    assert ("no <!-- fidelity:start --> ... <!-- fidelity:end --> markers" in captured.err
            if content else "No such file or directory" in captured.err)
    if content is not None:
        assert page.read_text() == content
