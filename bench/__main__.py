"""Hot-path throughput and latency, submit rate and upload memory, through gunicorn on loopback.

    python -m bench [--duration 5] [--connections 16] [--workers 2]

Load comes from wrk (Debian package ``wrk``); each load run is bounded by --duration. Results are
printed and written to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess, free_port

START = "/phonexia/api/technology/experimental/authenticity-verification"
RESULTS = Path(__file__).resolve().parent / "results"


def wrk(url: str, duration: int, connections: int, headers: dict | None = None) -> dict:
    flags = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          *flags, url],
                         capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    def pct(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return {"rps": rps, "p50_ms": pct(50), "p99_ms": pct(99),
            "non_2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else None}


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the gunicorn master and workers)."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))
            with open(f"/proc/{p}/task/{p}/children") as fh:
                pids += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return total / 1024


class Baseline:
    """bench.baseline:app under gunicorn with the emulator's worker count."""

    def __init__(self, workers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/ping"
        self._args = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
                      f"127.0.0.1:{self.port}", "bench.baseline:app"]

    def __enter__(self):
        self.proc = subprocess.Popen(self._args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                if requests.get(self.url, timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("baseline did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=15)


def hot_paths(server: ServerProcess, admin: AdminClient) -> dict[str, tuple[str, dict]]:
    """(URL, headers) of each hot path (poll, get, list), prepared with finished jobs."""
    admin.set_progression("phonexia", "immediate")
    r = requests.post(f"{server.url}{START}", files={"file": ("a.wav", media.wav(5))}, timeout=30)
    poll = f"{server.url}{r.headers['X-Location']}"
    requests.get(poll, timeout=10)
    paths = {"phonexia poll (done task)": (poll, {})}

    resemble = {"Authorization": "Bearer resemble-test-token"}
    admin.set_rate_limit("resemble", None)  # the documented 40/s per token would cap the run
    admin.set_progression("resemble", "immediate")
    detects = f"{server.url}/resemble/api/v2/detect"
    for variant in range(20):
        r = requests.post(detects, headers=resemble, timeout=60,
                          files={"file": ("a.wav", media.wav(4, variant=variant), "audio/wav")})
    uuid = r.json()["item"]["uuid"]
    paths["resemble get detect"] = (f"{detects}/{uuid}", resemble)
    paths["resemble list detects (20)"] = (f"{detects}?page=1&page_size=10", resemble)

    hiya = {"Authorization": "Bearer hiya-key-user-a"}
    space = f"{server.url}/hiya/v1/spaces/user-a/main"
    for variant in range(20):
        audio = requests.post(f"{space}/audios", headers=hiya, timeout=60, json={
            "file": base64.b64encode(media.wav(4, variant=variant)).decode()}).json()
        verification = requests.post(f"{space}/verifications/authenticity", headers=hiya,
                                     timeout=60, json={"audio": audio["handle"], "model": "digital"}).json()
    paths["hiya get verification"] = (
        f"{space}/verifications/authenticity/{verification['handle']}", hiya)
    paths["hiya list verifications (20)"] = (f"{space}/verifications/authenticity", hiya)
    return paths


def submit_rate(server: ServerProcess, count: int, threads: int) -> dict:
    wav = media.wav(31, sample_rate=16000)  # ~1 MB
    def one(_):
        r = requests.post(f"{server.url}{START}", files={"file": ("a.wav", wav, "audio/wav")},
                          timeout=60)
        assert r.status_code == 202, r.text
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    return {"uploads": count, "bytes_each": len(wav), "per_second": round(count / elapsed, 1)}


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


def upload_memory(server: ServerProcess, size_mb: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.wav"
        big_wav(path, size_mb * 1024 * 1024)
        before = tree_rss_mb(server.pid)
        peak = [before]
        done = threading.Event()
        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_mb(server.pid))
                done.wait(0.02)
        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        with open(path, "rb") as fh:
            r = requests.post(f"{server.url}{START}", files={"file": ("big.wav", fh, "audio/wav")},
                              timeout=600)
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
    return {"upload_mb": size_mb, "status": r.status_code, "seconds": round(elapsed, 2),
            "rss_before_mb": round(before, 1), "rss_peak_mb": round(peak[0], 1),
            "growth_mb": round(peak[0] - before, 1)}


def compare(url: str, headers: dict, baseline_url: str, args) -> dict:
    """Alternate baseline and emulator runs (so a busy machine weighs on both alike); the
    median of each, and the median of the per-round ratios."""
    rounds = []
    for _ in range(args.rounds):
        base = wrk(baseline_url, args.duration, args.connections)
        emulated = wrk(url, args.duration, args.connections, headers)
        rounds.append((base, emulated))
    def median(values):
        return sorted(values)[len(values) // 2]
    return {
        "rps": median([e["rps"] for _, e in rounds]),
        "p50_ms": median([e["p50_ms"] for _, e in rounds]),
        "p99_ms": median([e["p99_ms"] for _, e in rounds]),
        "non_2xx": sum(e["non_2xx"] for _, e in rounds),
        "baseline_rps": median([b["rps"] for b, _ in rounds]),
        "baseline_p99_ms": median([b["p99_ms"] for b, _ in rounds]),
        "vs_baseline": round(median([e["rps"] / b["rps"] for b, e in rounds]), 3),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--upload-mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2

    results = {"settings": vars(args), "hot_paths": {}}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, Baseline(args.workers) as baseline:
        with ServerProcess(workers=args.workers, state=Path(tmp) / "state.sqlite3",
                           spool_dir=Path(tmp) / "spool") as server:
            admin = AdminClient(server.url)
            rss_start = tree_rss_mb(server.pid)
            for name, (url, headers) in hot_paths(server, admin).items():
                results["hot_paths"][name] = compare(url, headers, baseline.url, args)
            results["journal_entries_after_load"] = len(admin.list_requests())
            results["rss_mb"] = {"start": round(rss_start, 1), "after_load": round(tree_rss_mb(server.pid), 1)}
            results["submit_1mb_wav"] = submit_rate(server, 60, 4)
            results["upload_memory"] = upload_memory(server, args.upload_mb)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
