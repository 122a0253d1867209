"""The README's fidelity table is the one the specs produce."""

from pathlib import Path

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.fidelity import END, START, table
from deepfake_mock.registry import VENDORS

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_fidelity_table_is_current():
    text = README.read_text()
    current = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert current == table(SPEC_DIR, [v.slug for v in VENDORS]), "run `make fidelity`"


def test_readme_opens_with_the_two_commands():
    head = README.read_text().splitlines()[:15]
    assert any("make run" in line for line in head) and any("make test" in line for line in head)
