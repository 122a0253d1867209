"""The SQLite state's logs and tallies: one file per process and log, merged when read."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal

from deepfake_mock.core.worker_logs import Shared, WorkerLogs

BOUND = 10


def append_in_child(folder: str, first: int, count: int, then_kill: bool = False) -> None:
    logs = WorkerLogs(folder)
    for i in range(first, first + count):
        logs.append("journal", json.dumps({"i": i}), BOUND * 100, tally="op|200")
    if then_kill:
        os.kill(os.getpid(), signal.SIGKILL)  # no exit handler, no flush: what is written stays


def in_child(*args) -> int:
    child = multiprocessing.get_context("fork").Process(target=append_in_child, args=args)
    child.start()
    child.join(timeout=60)
    return child.exitcode


def test_appends_of_several_processes_are_read_as_one_log_in_time_order(tmp_path):
    folder = str(tmp_path / "logs")
    logs = WorkerLogs(folder)
    logs.append("journal", '{"i": -1}', BOUND * 100, tally="op|200")
    assert in_child(folder, 0, 50) == 0
    assert in_child(folder, 50, 50) == 0
    logs.append("journal", '{"i": 100}', BOUND * 100, tally="op|200")
    assert [e["i"] for e in logs.read("journal")] == list(range(-1, 101))
    assert [e["i"] for e in logs.read("journal", 3)] == [98, 99, 100]
    assert logs.tallies() == {"op|200": 102}


def test_a_process_killed_after_its_appends_loses_none_of_them(tmp_path):
    folder = str(tmp_path / "logs")
    assert in_child(folder, 0, 25, True) == -signal.SIGKILL
    assert len(WorkerLogs(folder).read("journal")) == 25


def test_each_process_keeps_its_newest_bound_entries_and_every_tally(tmp_path):
    logs = WorkerLogs(str(tmp_path / "logs"))
    for i in range(BOUND * 5 + 3):
        logs.append("journal", json.dumps({"i": i}), BOUND, tally="a" if i % 2 else "b")
        logs.append("violations", json.dumps({"v": i}), BOUND)
    assert [e["i"] for e in logs.read("journal", BOUND)] == list(range(BOUND * 4 + 3, BOUND * 5 + 3))
    assert len(logs.read("journal")) <= 2 * BOUND  # the file and the previous one, no more
    assert logs.tallies() == {"a": 26, "b": 27}
    assert [e["v"] for e in logs.read("violations", 2)] == [BOUND * 5 + 1, BOUND * 5 + 2]


def test_a_line_still_being_written_is_not_read(tmp_path):
    folder = tmp_path / "logs"
    logs = WorkerLogs(str(folder))
    logs.append("journal", '{"i": 0}', BOUND, tally="a")
    with open(folder / f"{os.getpid()}.journal.jsonl", "a") as fh:
        fh.write('123\ta\t{"i": 1')  # no newline yet
    assert logs.read("journal") == [{"i": 0}]
    assert logs.tallies() == {"a": 1}


def test_clearing_a_log_cuts_it_where_it_stands_in_every_process(tmp_path):
    folder = str(tmp_path / "logs")
    logs = WorkerLogs(folder)
    assert in_child(folder, 0, 5) == 0
    logs.append("violations", '{"v": 0}', BOUND)
    logs.clear("journal")
    assert logs.read("journal") == [] and logs.read("violations") == [{"v": 0}]
    assert in_child(folder, 5, 2) == 0
    assert [e["i"] for e in logs.read("journal")] == [5, 6]
    logs.clear()
    assert logs.read("journal") == [] and logs.read("violations") == []
    assert logs.tallies() == {"op|200": 7}  # clearing logs keeps the tallies


def test_clearing_the_tallies_forgets_folded_ones_too(tmp_path):
    logs = WorkerLogs(str(tmp_path / "logs"))
    for _ in range(BOUND * 3):
        logs.append("journal", "{}", BOUND, tally="a")
    logs.clear_tallies()
    assert logs.tallies() == {}
    for _ in range(BOUND * 2 + 1):  # rotates twice more: folds lines from before and after
        logs.append("journal", "{}", BOUND, tally="a")
    assert logs.tallies() == {"a": BOUND * 2 + 1}


def test_consolidate_folds_a_previous_run_into_one_owner(tmp_path):
    folder = str(tmp_path / "logs")
    assert in_child(folder, 0, 30) == 0
    assert in_child(folder, 30, 30) == 0
    logs = WorkerLogs(folder)
    logs.consolidate(keep=20)
    assert sorted(os.listdir(folder)) == ["earlier.journal.jsonl", "earlier.tallies.json"]
    assert [e["i"] for e in logs.read("journal")] == list(range(40, 60))
    assert logs.tallies() == {"op|200": 60}
    logs.append("journal", '{"i": 60}', BOUND, tally="op|200")
    assert logs.read("journal", 2) == [{"i": 59}, {"i": 60}]
    assert logs.tallies() == {"op|200": 61}


def test_a_shared_piece_is_written_once_per_file_and_read_back_whole(tmp_path):
    folder = tmp_path / "logs"
    logs = WorkerLogs(str(folder))
    answer = Shared('{"body":"' + "x" * 1000 + '"}')
    for i in range(BOUND + 3):  # the file rotates after BOUND entries
        logs.append("journal", ['{"i":', str(i), ',"response":', answer, "}"], BOUND)
    entries = logs.read("journal")
    assert [e["i"] for e in entries] == list(range(BOUND + 3))
    assert all(e["response"] == {"body": "x" * 1000} for e in entries)
    for name in (f"{os.getpid()}.journal.jsonl", f"{os.getpid()}.journal.1.jsonl"):
        assert (folder / name).read_text().count("x" * 1000) == 1
