"""The real server (``deepfake-mock serve``: gunicorn, several workers) in a subprocess on a free
loopback port, for tests and benchmarks that must go through it.

    with ServerProcess(workers=2, state=tmp_path / "state.sqlite3") as server:
        requests.get(f"{server.url}/_admin/health")
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, *, workers: int = 2, state: str | Path = "memory",
                 spool_dir: str | Path | None = None, vendor: str | None = None,
                 env: dict[str, str] | None = None, port: int | None = None,
                 startup_timeout: float = 30.0):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._args = [sys.executable, "-m", "deepfake_mock", "serve", "--host", "127.0.0.1",
                      "--port", str(self.port), "--workers", str(workers), "--state", str(state)]
        if vendor:
            self._args += ["--vendor", vendor]
        self._env = dict(os.environ, **(env or {}))
        if spool_dir is not None:
            self._env["MOCKSERVER_SPOOL_DIR"] = str(spool_dir)
        self._timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        self.process = subprocess.Popen(self._args, env=self._env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                if requests.get(f"{self.url}/_admin/health", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)  # waiting for the process to bind, not for emulator behaviour
        self.stop()
        raise RuntimeError(f"server did not answer within {self._timeout} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def pid(self) -> int:
        return self.process.pid

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def wait_until(condition, what: str, timeout: float = 20.0) -> None:
    """Poll ``condition`` (a call to the server's admin API, say) until it holds; raise
    AssertionError naming ``what`` after ``timeout`` seconds. For work a server finishes in the
    background (deliveries, requests in flight), not for emulator time: that is the clock's."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never reached: {what}")
        time.sleep(0.05)
