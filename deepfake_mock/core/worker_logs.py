"""The SQLite state's logs (the journal, violations) and tallies (coverage): files of lines, each
process appending to its own.

An append is one ``write`` of one line (``<time ns>\\t<tally>\\t<JSON>``) to the process's file
for that log, made before the request's answer is sent: a read that follows sees it, whichever
worker answered, and a process killed with SIGKILL loses nothing. Appends never wait for another
process and never change the state database (whose version the read caches of ``store`` watch).
Files are not synced to disk: a machine that loses power may lose the newest lines. A long
``Shared`` piece of an entry (the same answer, polled again) is written once per file, on a line
of its own (``=\\t<n>\\t<text>``), and entries refer to it (``\\x00<n>\\x00``, which JSON text
cannot hold raw).

A read merges every process's files by time. A process's file for a log holds at most ``bound``
entries: then it becomes the process's previous file (replacing the one before, whose tallies are
first folded into the process's tally file), so the newest ``bound`` entries of each process are
always in its two files. Clearing a log or the tallies writes a cut-off time: entries up to it no
longer count. ``consolidate`` folds the files of a previous run into the ``earlier`` owner's,
before any worker starts.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import threading
import time
import weakref
from collections import Counter

EARLIER = "earlier"            # the owner of what the processes of previous runs appended
CUTOFFS = "cutoffs.json"       # {log or TALLIES: time ns}: lines up to it are cleared
TALLIES = "<tallies>"
SHARED_FROM = 256              # characters from which a Shared piece is written once per file
SHARED_KEPT = 64               # Shared pieces a file's writer remembers (then starts over)
_REFERENCE = re.compile("\x00(\\d+)\x00")


class Shared(str):
    """A piece of a log entry's JSON text that many entries have in common (the answer to a
    polled path): a log file stores it once and refers to it."""


def _write_json(path: str, doc: dict) -> None:
    """Replace ``path`` atomically: a reader sees the old document or the new one."""
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(temporary, "w") as fh:
        json.dump(doc, fh)
    os.replace(temporary, path)


def _read_json(path: str) -> dict:
    try:
        with open(path) as fh:
            return json.load(fh)
    except FileNotFoundError:
        return {}


def _lines(path: str) -> list[tuple[int, str, str]]:
    """(time ns, tally, JSON) of each whole line of a log file (a line being written is not)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return []
    out, shared = [], {}
    for line in data.decode("utf-8", "replace").split("\n")[:-1]:
        at, tally, doc = line.split("\t", 2)
        if at == "=":
            shared[tally] = doc
            continue
        if "\x00" in doc:
            doc = _REFERENCE.sub(lambda m: shared[m.group(1)], doc)
        out.append((int(at), tally, doc))
    return out


class _OwnFile:
    """This process's file for one log: its descriptor, and the time and tally of each line
    (what folding its tallies needs once it is dropped, without reading it back)."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.close = weakref.finalize(self, os.close, self.fd)  # at the latest when dropped
        self.tallied = [(at, tally) for at, tally, _ in _lines(path)]  # a reused pid's file
        self.shared: dict[str, int] = {}   # Shared pieces written in this file -> their number
        self.next_shared = 0

    def line(self, at: int, tally: str | None, pieces: list[str]) -> bytes:
        """The entry's line, after the lines of the Shared pieces this file does not hold yet."""
        out, text = [], []
        for piece in pieces:
            if isinstance(piece, Shared) and len(piece) >= SHARED_FROM:
                number = self.shared.get(piece)
                if number is None:
                    if len(self.shared) >= SHARED_KEPT:
                        self.shared.clear()
                    number = self.shared[piece] = self.next_shared
                    self.next_shared += 1
                    out.append(f"=\t{number}\t{piece}\n")
                piece = f"\x00{number}\x00"
            text.append(piece)
        out.append(f"{at}\t{tally or ''}\t{''.join(text)}\n")
        return "".join(out).encode()


class WorkerLogs:
    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self._lock = threading.Lock()     # this process's appends
        self._pid = None
        self._own: dict[str, _OwnFile] = {}                      # log -> its file
        self._previous: dict[str, list[tuple[int, str]]] = {}    # log -> its previous file's lines

    def _path(self, owner: str, log: str, previous: bool = False) -> str:
        return os.path.join(self.folder, f"{owner}.{log}{'.1' if previous else ''}.jsonl")

    def _tally_path(self, owner: str) -> str:
        return os.path.join(self.folder, f"{owner}.tallies.json")

    # ---- this process's files ----------------------------------------------------------------

    def append(self, log: str, pieces: list[str], bound: int, tally: str | None = None) -> None:
        """Append the entry whose JSON text (without newlines) is ``pieces`` joined to ``log``;
        with ``tally``, count one for it."""
        at = time.time_ns()
        with self._lock:
            if self._pid != os.getpid():   # a forked worker appends to files of its own
                self._pid, self._own, self._previous = os.getpid(), {}, {}
            own = self._own.get(log) or self._open(log)
            if len(own.tallied) >= bound:
                own = self._rotate(log, own)
            os.write(own.fd, own.line(at, tally, pieces))
            own.tallied.append((at, tally))

    def _open(self, log: str) -> _OwnFile:
        own = self._own[log] = _OwnFile(self._path(str(self._pid), log))
        return own

    def _rotate(self, log: str, full: _OwnFile) -> _OwnFile:
        """The full file becomes the previous one; the previous one's tallies are folded first."""
        owner = str(self._pid)
        previous = self._previous.get(log)
        if previous is None:  # a reused pid's previous file
            previous = [(at, tally) for at, tally, _ in _lines(self._path(owner, log, True))]
        self._fold(owner, previous)
        full.close()
        os.replace(self._path(owner, log), self._path(owner, log, previous=True))
        self._previous[log] = full.tallied
        return self._open(log)

    def _fold(self, owner: str, lines: list[tuple[int, str]]) -> None:
        """Add the tallies of ``lines`` ((time, tally) of a file about to be dropped) to the
        owner's tally file."""
        if not lines:
            return
        folded = self._folded(owner)
        after = max(folded["through"], self._cutoffs().get(TALLIES, 0))
        counts = Counter(folded["counts"])
        counts.update(tally for at, tally in lines if tally and at > after)
        _write_json(self._tally_path(owner), {"through": max(at for at, _ in lines),
                                              "counts": dict(counts)})

    def _folded(self, owner: str) -> dict:
        """The owner's folded tallies, those cleared since left out."""
        folded = _read_json(self._tally_path(owner)) or {"through": 0, "counts": {}}
        if folded["through"] <= self._cutoffs().get(TALLIES, 0):
            folded["counts"] = {}
        return folded

    # ---- every process's files ---------------------------------------------------------------

    def _cutoffs(self) -> dict:
        return _read_json(os.path.join(self.folder, CUTOFFS))

    def _owners(self) -> set[str]:
        return {name.split(".", 1)[0] for name in os.listdir(self.folder)
                if name.endswith(".jsonl") or name.endswith(".tallies.json")}

    def _entries(self, log: str, owner: str) -> list[tuple[int, str, str]]:
        return (_lines(self._path(owner, log, previous=True))
                + _lines(self._path(owner, log)))

    def read(self, log: str, limit: int | None = None) -> list[dict]:
        """The newest ``limit`` entries of ``log`` over every process, oldest first."""
        cutoff = self._cutoffs().get(log, 0)
        merged = heapq.merge(*(
            [line for line in self._entries(log, owner) if line[0] > cutoff]
            for owner in self._owners()))
        lines = list(merged)
        chosen = lines[-limit:] if limit else [] if limit == 0 else lines
        return [json.loads(doc) for _, _, doc in chosen]

    def clear(self, log: str | None = None) -> None:
        """Forget ``log`` (every log when None) as it stands now, in every process; tallies
        stay."""
        logs = [log] if log is not None else {
            name for owner in self._owners() for name in self._logs_of(owner)}
        self._set_cutoffs(dict.fromkeys(logs, time.time_ns()))

    def tallies(self) -> dict[str, int]:
        total: Counter = Counter()
        cutoff = self._cutoffs().get(TALLIES, 0)
        for owner in self._owners():
            folded = self._folded(owner)
            total.update(folded["counts"])
            after = max(folded["through"], cutoff)
            for log in self._logs_of(owner):
                total.update(tally for at, tally, _ in self._entries(log, owner)
                             if tally and at > after)
        return dict(total)

    def clear_tallies(self) -> None:
        self._set_cutoffs({TALLIES: time.time_ns()})

    def _set_cutoffs(self, cutoffs: dict) -> None:
        _write_json(os.path.join(self.folder, CUTOFFS), {**self._cutoffs(), **cutoffs})

    def _logs_of(self, owner: str) -> set[str]:
        return {name.split(".")[1] for name in os.listdir(self.folder)
                if name.startswith(owner + ".") and name.endswith(".jsonl")}

    def consolidate(self, keep: int) -> None:
        """Fold every process's files into the ``earlier`` owner's (the newest ``keep`` lines
        of each log, every tally). Only while no process appends: at server start."""
        tallies = Counter(self.tallies())
        owners = self._owners()
        logs = {log for owner in owners for log in self._logs_of(owner)}
        cutoffs = self._cutoffs()
        for log in logs:
            merged = heapq.merge(*([line for line in self._entries(log, owner)
                                    if line[0] > cutoffs.get(log, 0)] for owner in owners))
            kept = list(merged)[-keep:] if keep else []
            temporary = self._path(EARLIER, log) + ".tmp"
            with open(temporary, "w") as fh:
                fh.writelines(f"{at}\t\t{doc}\n" for at, _, doc in kept)
            os.replace(temporary, self._path(EARLIER, log))
        now = time.time_ns()
        _write_json(self._tally_path(EARLIER), {"through": now, "counts": dict(tallies)})
        for name in os.listdir(self.folder):
            if not name.startswith(EARLIER + ".") and (name.endswith(".jsonl")
                                                      or name.endswith(".tallies.json")):
                os.remove(os.path.join(self.folder, name))
        for log in logs:
            if os.path.exists(self._path(EARLIER, log, previous=True)):
                os.remove(self._path(EARLIER, log, previous=True))
