"""Memory of a server's process tree, read from /proc, and what one big upload costs it."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import requests

from deepfake_mock.testing import media


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a gunicorn master and its workers)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def _field(pid: int, path: str, name: str) -> int:
    try:
        with open(f"/proc/{pid}/{path}") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith(name))
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return 0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of the tree, each process counted whole (pages shared after the fork
    count in every process: what ``ps`` adds up)."""
    return sum(_field(p, "status", "VmRSS:") for p in _tree(pid)) / 1024


def tree_pss_mb(pid: int) -> float:
    """Proportional memory of the tree: shared pages split between the processes sharing them."""
    return sum(_field(p, "smaps_rollup", "Pss:") for p in _tree(pid)) / 1024


def big_wav(path: Path, size: int) -> None:
    """A valid 16 kHz mono WAV of about ``size`` bytes, written in chunks."""
    one_second = media.wav(1)[44:]
    data_size = (size // len(one_second)) * len(one_second)
    header = bytearray(media.wav(1)[:44])
    header[4:8] = (36 + data_size).to_bytes(4, "little")
    header[40:44] = data_size.to_bytes(4, "little")
    with open(path, "wb") as fh:
        fh.write(header)
        for _ in range(data_size // len(one_second)):
            fh.write(one_second)


def upload_growth(pid: int, url: str, size_mb: int) -> dict:
    """Post a ``size_mb`` WAV to ``url``; the tree's peak resident growth while it is taken."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.wav"
        big_wav(path, size_mb * 1024 * 1024)
        before = tree_rss_mb(pid)
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_mb(pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        try:
            with open(path, "rb") as fh:
                r = requests.post(url, files={"file": ("big.wav", fh, "audio/wav")}, timeout=600)
        finally:
            done.set()
            sampler.join()
    return {"upload_mb": size_mb, "status": r.status_code,
            "seconds": round(time.perf_counter() - started, 2),
            "rss_before_mb": round(before, 1), "growth_mb": round(peak[0] - before, 1)}
