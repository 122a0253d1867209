"""The real server (``deepfake-mock serve``: gunicorn, several workers) in a subprocess on a free
loopback port, for tests and benchmarks that must go through it.

    with ServerProcess(workers=2, state=tmp_path / "state.sqlite3") as server:
        requests.get(f"{server.url}/_admin/health")

The server runs in its own process group; whatever happens (a start that fails or times out, a
test that raises, a master killed under its workers), ``stop`` leaves none of the group alive.
Its output (stdout and stderr) goes to a temporary file, never a pipe that nobody drains.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import requests

LOG_TAIL_BYTES = 4000


class ServerStartError(RuntimeError):
    """The server exited, or did not answer its health check in time (and was stopped)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            members.append(int(entry))
    return members


class GroupProcess:
    """A command serving HTTP on ``port`` of 127.0.0.1, run in its own process group and
    healthy once ``health_path`` answers 200 (any gunicorn app, say)."""

    def __init__(self, args: Sequence[str], *, port: int, env: dict[str, str] | None = None,
                 health_path: str = "/", startup_timeout: float = 60.0, stop_grace: float = 15.0):
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self._args = list(args)
        self._env = dict(os.environ, **(env or {}))
        self._health = health_path
        self._timeout = startup_timeout
        self._grace = stop_grace
        self._log = None
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None  # from the start to the first healthy answer

    def start(self) -> "ServerProcess":
        """Start the server and wait (by deadline) until it answers; on any failure, stop
        everything that was started and raise."""
        self._log = tempfile.TemporaryFile(prefix="deepfake-mock-server-")
        began = time.monotonic()
        self.process = subprocess.Popen(self._args, env=self._env, stdout=self._log,
                                        stderr=self._log, start_new_session=True)
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = round(time.monotonic() - began, 2)
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            if self.process.poll() is not None:
                raise ServerStartError(f"server exited with status {self.process.returncode}; "
                                       f"its output ends:\n{self.log_tail()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServerStartError(f"server did not answer {self._health} within "
                                       f"{self._timeout} s; its output ends:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}{self._health}", timeout=remaining).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))  # waiting for the bind

    def log_tail(self, limit: int = LOG_TAIL_BYTES) -> str:
        """The last ``limit`` bytes the server wrote (read without moving the shared offset)."""
        if self._log is None or self._log.closed:
            return ""
        fd = self._log.fileno()
        size = os.fstat(fd).st_size
        return os.pread(fd, limit, max(0, size - limit)).decode(errors="replace")

    def stop(self) -> None:
        """SIGTERM to the group, then SIGKILL to whatever of it is left after the grace time."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=self._grace)
            except subprocess.TimeoutExpired:
                pass
        self._signal_group(signal.SIGKILL)  # workers that outlived their master, or a stuck one
        self.process.wait()
        deadline = time.monotonic() + self._grace
        while group_members(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)  # SIGKILL is delivered, not yet acted on
        if self._log is not None:
            self._log.close()

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        """The live worker processes (every member of the group but the master)."""
        return [p for p in group_members(self.process.pid) if p != self.process.pid]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class ServerProcess(GroupProcess):
    """``deepfake-mock serve``, healthy once ``/_admin/health`` answers."""

    def __init__(self, *, workers: int = 1, state: str | Path = "memory",
                 spool_dir: str | Path | None = None, vendor: str | None = None,
                 env: dict[str, str] | None = None, port: int | None = None,
                 startup_timeout: float = 60.0, stop_grace: float = 15.0,
                 command: Sequence[str] = (sys.executable, "-m", "deepfake_mock", "serve"),
                 options: Sequence[str] = ()):
        """``command`` is how serve is started (another installation's ``deepfake-mock serve``,
        say); the options given here follow it, so they win over any it has. ``options`` are
        more of the command's (``--replay DIR``, say)."""
        port = port or free_port()
        args = [*command, "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--state", str(state), *options]
        if vendor:
            args += ["--vendor", vendor]
        env = dict(env or {})
        if spool_dir is not None:
            env["MOCKSERVER_SPOOL_DIR"] = str(spool_dir)
        super().__init__(args, port=port, env=env, health_path="/_admin/health",
                         startup_timeout=startup_timeout, stop_grace=stop_grace)


class ProxyProcess(ServerProcess):
    """``deepfake-mock proxy`` of ``vendor`` to ``upstream`` (recording in ``record``)."""

    def __init__(self, *, vendor: str, upstream: str, record: str | Path | None = None,
                 **kwargs):
        options = ["--upstream", upstream, *(["--record", str(record)] if record else [])]
        super().__init__(vendor=vendor, options=options,
                         command=(sys.executable, "-m", "deepfake_mock", "proxy"), **kwargs)


def wait_until(condition, what: str, timeout: float = 20.0) -> None:
    """Poll ``condition`` (a call to the server's admin API, say) until it holds; raise
    AssertionError naming ``what`` after ``timeout`` seconds. For work a server finishes in the
    background (deliveries, requests in flight), not for emulator time: that is the clock's."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never reached: {what}")
        time.sleep(0.05)
