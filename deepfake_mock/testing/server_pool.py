"""Emulator servers for tests in server mode: one gunicorn ``ServerProcess`` per distinct settings,
started when a test first asks for those settings, reset before every test that uses it.

    with ServerPool(tmp_dir) as pool:
        served = pool.serve({"clock": "manual", "clock_start": 1767225600.0})
        served.client.get("/phonexia/api/system/status")      # an HttpClient

Each server keeps its state in its own SQLite file, shared by its workers, and its uploads in its
own spool directory. Only the ``keep`` most recently used servers stay up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from deepfake_mock.admin.client import AdminClient

from .http_client import HttpClient
from .server import ServerProcess

PER_TEST = ("state", "spool_dir")  # given by the pool, not part of what makes a server distinct


@dataclass
class Served:
    process: ServerProcess
    client: HttpClient
    admin: AdminClient
    spool_dir: Path


class ServerPool:
    def __init__(self, directory: Path, *, keep: int = 2, workers: int = 2):
        self.directory = directory
        self.keep = keep
        self.workers = workers
        self._served: dict[str, Served] = {}  # by settings, least recently used first

    def serve(self, settings: dict) -> Served:
        """The server for ``settings`` (started if needed), reset to a clean state."""
        chosen = {k: v for k, v in settings.items() if k not in PER_TEST}
        key = json.dumps(chosen, sort_keys=True, default=str)
        served = self._served.pop(key, None) or self._start(chosen)
        self._served[key] = served
        while len(self._served) > self.keep:
            self._served.pop(next(iter(self._served))).process.stop()
        served.admin.reset()
        return served

    def _start(self, settings: dict) -> Served:
        home = self.directory / f"server-{len(list(self.directory.iterdir()))}"
        home.mkdir()
        config = home / "settings.json"
        config.write_text(json.dumps({"access_log": False, **settings}, default=str))
        process = ServerProcess(workers=self.workers, state=home / "state.sqlite3",
                                spool_dir=home / "spool", env={"MOCKSERVER_CONFIG": str(config)})
        process.start()
        return Served(process, HttpClient(process.url),
                      AdminClient(process.url, token=settings.get("admin_token")), home / "spool")

    def close(self) -> None:
        while self._served:
            self._served.popitem()[1].process.stop()

    def __enter__(self) -> ServerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
