"""Every shell and Python example in the README runs, against a live server, and answers what
it shows.

The rules, for whoever edits the README:

- Every ```sh / ```bash / ```python block runs, unless the line just before its fence is an HTML
  comment ``<!-- not run: <why> -->`` (invisible on GitHub): blocks that start a server
  (``make run``), run a test suite, need a real vendor's service or credentials, or show a
  fragment of a user's own code are marked so.
- The blocks run in README order, each as a separate process (``bash -euo pipefail``, or this
  Python with ``deepfake_mock`` installed), in one temporary directory holding a link to
  ``examples/``: a block may use files an earlier block wrote (``voice.wav``), never its
  variables. ``http://127.0.0.1:8080`` (``make run``) is replaced by the URL of a real server
  (``deepfake-mock serve``, two workers, SQLite state, the default seed and the system clock,
  as ``make run``).
- A block must exit 0. When the next fenced block is ```json, with no heading between them, it
  is the answer the block prints: the block's output, read as a sequence of JSON documents,
  must match it document by document. Every key shown must be there with the value shown
  (objects may carry more keys; lists have the length shown); a value written ``"..."`` (an id,
  a time) is not compared.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepfake_mock.registry import VENDORS
from deepfake_mock.testing.server import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
README_URL = "http://127.0.0.1:8080"
ANY = "..."
SHELLS = ("sh", "bash")
RUNNERS = {"sh": ["bash", "-euo", "pipefail", "-c"], "bash": ["bash", "-euo", "pipefail", "-c"],
           "python": [sys.executable, "-c"]}
TOOLS = ("bash", "curl", "openssl", "base64", "python3")

FENCE = re.compile(r"^```(\w*)\s*$")
NOT_RUN = re.compile(r"^<!-- not run: (.+) -->$")


@dataclass(frozen=True)
class Block:
    lang: str
    text: str
    line: int            # of the opening fence, 1-based
    not_run: str | None  # the reason, from the marker before the fence
    after_heading: bool  # a heading lies between the previous block and this one


@dataclass(frozen=True)
class Example:
    block: Block
    answer: Block | None

    def __str__(self):
        return f"README.md:{self.block.line}"


def fenced_blocks(markdown: str) -> list[Block]:
    lines = markdown.splitlines()
    blocks, previous, heading, i = [], "", False, 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            heading = heading or lines[i].startswith("#")
            previous = lines[i].strip() or previous
            i += 1
            continue
        end = next(k for k in range(i + 1, len(lines)) if lines[k].startswith("```"))
        marker = NOT_RUN.match(previous)
        blocks.append(Block(opening[1], "\n".join(lines[i + 1:end]), i + 1,
                            marker[1] if marker else None, heading))
        previous, heading, i = "```", False, end + 1
    return blocks


def runnable_examples(markdown: str) -> list[Example]:
    """The blocks to run, each with the JSON answer shown after it, if any."""
    blocks = fenced_blocks(markdown)
    examples = []
    for block, following in zip(blocks, blocks[1:] + [None]):
        if block.lang not in RUNNERS or block.not_run:
            continue
        shown = following if following and following.lang == "json" \
            and not following.after_heading else None
        examples.append(Example(block, shown))
    return examples


def json_documents(text: str) -> list:
    """Whitespace-separated JSON documents, as printed one after another."""
    decoder, documents, pos = json.JSONDecoder(), [], 0
    while (pos := _skip_space(text, pos)) < len(text):
        document, pos = decoder.raw_decode(text, pos)
        documents.append(document)
    return documents


def _skip_space(text: str, pos: int) -> int:
    return len(text) - len(text[pos:].lstrip())


def mismatch(shown, actual, where: str = "$") -> str | None:
    """Where ``actual`` departs from ``shown`` (see the module docstring), or None."""
    if shown == ANY:
        return None
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected an object, got {actual!r}"
        for key, value in shown.items():
            if key not in actual:
                return f"{where}: no key {key!r} in {sorted(actual)}"
            if found := mismatch(value, actual[key], f"{where}.{key}"):
                return found
        return None
    if isinstance(shown, list):
        if not isinstance(actual, list) or len(actual) != len(shown):
            return f"{where}: expected a list of {len(shown)}, got {actual!r}"
        for i, (item, got) in enumerate(zip(shown, actual)):
            if found := mismatch(item, got, f"{where}[{i}]"):
                return found
        return None
    if type(shown) is not type(actual) or shown != actual:
        return f"{where}: shown {shown!r}, got {actual!r}"
    return None


# -- the README's examples, run ---------------------------------------------------------------


def test_the_readme_has_a_first_request_with_its_answer_for_every_vendor():
    examples = runnable_examples(README.read_text())
    for vendor in VENDORS:
        answered = [e for e in examples if e.block.lang in SHELLS and e.answer is not None
                    and f"{README_URL}/{vendor.slug}/" in e.block.text]
        assert answered, f"no runnable README example with a shown answer for {vendor.slug}"


def test_the_shipped_example_media_is_small():
    sizes = {p.name: p.stat().st_size for p in EXAMPLES.iterdir() if p.suffix != ".py"}
    assert set(sizes) == {"frame.jpg", "frame.png", "clip.mp4"}
    assert all(0 < size <= 8 * 1024 for size in sizes.values()), sizes


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the README's examples need {', '.join(missing)}")
    state = tmp_path_factory.mktemp("readme-server")
    with ServerProcess(workers=2, state=state / "state.sqlite3", spool_dir=state / "spool") as s:
        yield s


def test_every_example_in_the_readme_runs_and_answers_as_shown(server, tmp_path):
    (tmp_path / "examples").symlink_to(EXAMPLES)
    examples = runnable_examples(README.read_text())
    assert len(examples) > len(VENDORS)
    for example in examples:
        script = example.block.text.replace(README_URL, server.url)
        run = subprocess.run([*RUNNERS[example.block.lang], script], cwd=tmp_path,
                             capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, f"{example} exited {run.returncode}:\n{run.stderr}{run.stdout}"
        if example.answer is None:
            continue
        shown = json_documents(example.answer.text)
        try:
            printed = json_documents(run.stdout)
        except json.JSONDecodeError as error:
            pytest.fail(f"{example} printed what is not JSON ({error}):\n{run.stdout}")
        assert len(printed) == len(shown), \
            f"{example} printed {len(printed)} answers, the README {len(shown)}:\n{run.stdout}"
        for i, (want, got) in enumerate(zip(shown, printed)):
            assert mismatch(want, got) is None, \
                f"{example}, answer {i + 1}: {mismatch(want, got)}\n{run.stdout}"


# -- how the README is read -------------------------------------------------------------------


def test_blocks_are_read_with_their_markers_and_answers():
    markdown = "\n".join([
        "# Title", "<!-- not run: starts a server -->", "```sh", "make run", "```",
        "## Phonexia", "```sh", "curl -s x", "```", "It answers:", "", "```json", '{"a": 1}', "```",
        "```bash", "echo 1", "```", "## Next", "```json", "[1]", "```", "```python", "x", "```",
    ])
    examples = runnable_examples(markdown)
    assert [(e.block.text, e.block.line, e.answer and e.answer.text) for e in examples] == [
        ("curl -s x", 7, '{"a": 1}'),
        ("echo 1", 15, None),
        ("x", 22, None),
    ]
    assert fenced_blocks(markdown)[0].not_run == "starts a server"


def test_json_documents_reads_compact_and_pretty_answers_in_a_row():
    assert json_documents('{"a": 1}\n{\n  "b": [1, 2]\n}{"c": null}\n') == [
        {"a": 1}, {"b": [1, 2]}, {"c": None}]
    assert json_documents(" \n") == []


def test_mismatch_names_the_place():
    shown = {"task": {"task_id": ANY, "state": "done"}, "scores": [0.5]}
    assert mismatch(shown, {"task": {"task_id": "t1", "state": "done"}, "scores": [0.5],
                            "extra": 1}) is None
    assert mismatch(shown, {"task": {"task_id": "t1", "state": "running"}, "scores": [0.5]}) \
        == "$.task.state: shown 'done', got 'running'"
    assert mismatch(shown, {"task": {"state": "done"}, "scores": [0.5]}) \
        == "$.task: no key 'task_id' in ['state']"
    assert mismatch(shown, {"task": {"task_id": 1, "state": "done"}, "scores": [0.5, 0.6]}) \
        == "$.scores: expected a list of 1, got [0.5, 0.6]"
    assert mismatch({"result": True}, {"result": 1}) == "$.result: shown True, got 1"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_an_answer_matches_itself_and_its_redacted_form(document):
    assert mismatch(document, document) is None
    assert mismatch(_redact(document), document) is None
    assert json_documents(json.dumps(document) + "\n" + json.dumps(document, indent=2)) == \
        [document, document]


@given(JSON, JSON)
def test_a_different_leaf_is_a_mismatch(shown, actual):
    if not isinstance(shown, (dict, list)) and shown != ANY:
        assert (mismatch(shown, actual) is None) == (type(shown) is type(actual)
                                                     and shown == actual)


def _redact(document):
    if isinstance(document, dict):
        return {k: _redact(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_redact(v) for v in document]
    return ANY
