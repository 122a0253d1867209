"""The hot paths through gunicorn on loopback, each against its yardstick: plain Flask under the
same gunicorn settings answering the same document (``bench/baseline.py``). Also memory (idle,
after load, over a bounded soak, under a big upload), start-up, journal exactness after a burst,
and the submit rate.

    python -m bench [--duration 5] [--rounds 3] [--connections 16] [--workers 2]

wrk (Debian package ``wrk``) makes the load, ``-t1 -c16`` by default; each run is bounded by
--duration. The emulator serves without its access log, as gunicorn serves the yardstick
(--access-log to measure with it). The emulator and the yardstick run alternately, pair by pair, so a busy machine
weighs on both alike. Prints a table and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.testing.server import GroupProcess, ServerProcess, free_port

from . import paths
from .load import Request, wrk
from .memory import tree_pss_mb, tree_rss_mb, upload_growth

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_RPS = 0.85        # at least this share of the yardstick's req/s
GOAL_P99 = 1.5         # at most this multiple of the yardstick's p99
IDLE_GOAL_MB = 160     # resident memory of the idle server (master and workers)
UPLOAD_GOAL_MB = 64    # growth while a 200 MB upload is taken
JOURNAL_BURST = 400    # requests in the burst the journal must then hold, every one


def _median(values):
    return sorted(values)[len(values) // 2]


def compare(ours: Request, yardstick: Request, args) -> dict:
    """Alternate yardstick and emulator runs; medians of each, and of the per-round ratios."""
    rounds = []
    for _ in range(args.rounds):
        base = wrk(yardstick, args.duration, args.connections)
        emulated = wrk(ours, args.duration, args.connections)
        rounds.append((base, emulated))
    return {
        "rps": _median([e["rps"] for _, e in rounds]),
        "p99_ms": _median([e["p99_ms"] for _, e in rounds]),
        "non_2xx": sum(e["non_2xx"] for _, e in rounds),
        "flask_rps": _median([b["rps"] for b, _ in rounds]),
        "flask_p99_ms": _median([b["p99_ms"] for b, _ in rounds]),
        "ratio": round(_median([e["rps"] / b["rps"] for b, e in rounds]), 3),
        "p99_ratio": round(_median([e["p99_ms"] / b["p99_ms"] for b, e in rounds]), 2),
    }


def memory(pid: int) -> dict:
    return {"rss_mb": round(tree_rss_mb(pid), 1), "pss_mb": round(tree_pss_mb(pid), 1)}


def journal_burst(poll: Request, admin: AdminClient) -> dict:
    """JOURNAL_BURST polls from 8 threads, then one journal count: every request is in it."""
    admin.clear_journal()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: requests.get(poll.url, timeout=30).status_code,
                                 range(JOURNAL_BURST)))
    seen = admin.count_requests(vendor="phonexia")
    return {"sent": JOURNAL_BURST, "answered_200": statuses.count(200), "journal_count": seen}


def soak(server: ServerProcess, requests_: list[Request], args) -> dict:
    """Rounds of load over every read path; the tree's memory after each."""
    samples = []
    for _ in range(args.soak_rounds):
        for req in requests_:
            wrk(req, args.duration, args.connections)
        samples.append(round(tree_rss_mb(server.pid), 1))
    return {"rounds": args.soak_rounds, "rss_mb": samples,
            "growth_after_first_mb": round(samples[-1] - samples[0], 1)}


def submit_rate(url: str, count: int, threads: int) -> dict:
    wav = media.wav(31, sample_rate=16000)  # ~1 MB
    def one(_):
        r = requests.post(f"{url}{paths.PHONEXIA}", files={"file": ("a.wav", wav, "audio/wav")},
                          timeout=60)
        assert r.status_code == 202, r.text
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(count)))
    return {"uploads": count, "bytes_each": len(wav),
            "per_second": round(count / (time.perf_counter() - started), 1)}


def yardstick_server(workers: int, answers: Path) -> GroupProcess:
    """bench.baseline under gunicorn, with the emulator's worker class and count."""
    port = free_port()
    return GroupProcess([sys.executable, "-m", "gunicorn", "--workers", str(workers),
                         "--bind", f"127.0.0.1:{port}", "bench.baseline:app"],
                        port=port, env={"BENCH_ANSWERS": str(answers)}, health_path="/ping")


def table(results: dict) -> str:
    rows = [f"{'hot path':<36} {'ours/s':>8} {'flask/s':>8} {'ratio':>6} {'p99 ms':>7} "
            f"{'flask':>6} {'p99 x':>6}  goal"]
    for name, r in results["hot_paths"].items():
        verdict = ("pass" if r["ratio"] >= GOAL_RPS and r["p99_ratio"] <= GOAL_P99 else "short") \
            if r["goal"] else "reported"
        rows.append(f"{name:<36} {r['rps']:>8.0f} {r['flask_rps']:>8.0f} {r['ratio']:>6.2f} "
                    f"{r['p99_ms']:>7.1f} {r['flask_p99_ms']:>6.1f} {r['p99_ratio']:>6.2f}  {verdict}")
    m, s = results["memory"], results["startup_s"]
    idle = m["idle"]["rss_mb"]
    rows += [
        "",
        f"idle memory, {results['settings']['workers']} workers: {idle} MiB RSS "
        f"({m['idle']['pss_mb']} PSS), Flask {m['flask_idle']['rss_mb']} MiB  "
        f"{'pass' if idle <= IDLE_GOAL_MB else 'short'} (goal <= {IDLE_GOAL_MB})",
        f"after load: {m['after_load']['rss_mb']} MiB RSS; soak {m['soak']['rss_mb']} "
        f"(growth {m['soak']['growth_after_first_mb']} MiB)",
        f"{m['upload']['upload_mb']} MB upload: +{m['upload']['growth_mb']} MiB "
        f"{'pass' if m['upload']['growth_mb'] < UPLOAD_GOAL_MB else 'short'} (goal < {UPLOAD_GOAL_MB})",
        f"start-up to first 200: emulator {s['emulator']} s, Flask {s['flask']} s",
        f"journal after a burst of {results['journal']['sent']}: {results['journal']['journal_count']} "
        f"entries ({'exact' if results['journal']['journal_count'] == results['journal']['sent'] else 'MISSING'})",
        f"submit (1 MB WAV, 4 threads): {results['submit_1mb_wav']['per_second']} per second",
    ]
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--duration", type=int, default=5, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each pair")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--soak-rounds", type=int, default=5)
    parser.add_argument("--upload-mb", type=int, default=200)
    parser.add_argument("--only", help="hot paths whose name contains this")
    parser.add_argument("--access-log", action="store_true",
                        help="serve with the access log (the yardstick has none)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2

    results = {"settings": vars(args), "hot_paths": {}, "memory": {}, "startup_s": {}}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        server = ServerProcess(workers=args.workers, state=Path(tmp) / "state.sqlite3",
                               spool_dir=Path(tmp) / "spool", command=(
                                   sys.executable, "-m", "deepfake_mock", "serve",
                                   *([] if args.access_log else ["--quiet"])))
        with server:
            results["startup_s"]["emulator"] = server.startup_seconds
            results["memory"]["idle"] = memory(server.pid)
            admin = AdminClient(server.url)
            hot = [p for p in paths.prepare(server.url, admin) if not args.only or args.only in p.name]
            answers = Path(tmp) / "answers.json"
            answers.write_text(json.dumps({f"p{i}": paths.answer(p) for i, p in enumerate(hot)}))
            baseline = yardstick_server(args.workers, answers)
            with baseline:
                results["startup_s"]["flask"] = baseline.startup_seconds
                results["memory"]["flask_idle"] = memory(baseline.pid)
                for i, path in enumerate(hot):
                    yardstick = Request(f"{baseline.url}/p{i}", path.request.method,
                                        path.request.headers, path.request.body)
                    results["hot_paths"][path.name] = {
                        **compare(path.request, yardstick, args), "goal": path.goal}
                    print(f"{path.name}: {results['hot_paths'][path.name]}", file=sys.stderr)
            results["memory"]["after_load"] = memory(server.pid)
            results["journal"] = journal_burst(hot[0].request, admin)
            results["memory"]["soak"] = soak(server, [p.request for p in hot if p.goal], args)
            results["submit_1mb_wav"] = submit_rate(server.url, 60, 4)
            results["memory"]["upload"] = upload_growth(server.pid, f"{server.url}{paths.PHONEXIA}",
                                                        args.upload_mb)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
