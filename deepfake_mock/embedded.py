"""The emulator inside your process: a thread serving ``create_app()`` on a free loopback port.

    import deepfake_mock

    with deepfake_mock.running() as server:          # every vendor, manual clock, memory state
        client = MyClient(base_url=server.url("phonexia"))
        server.admin.add_verdict_rule("phonexia", label="fake", times=1)
        ...

The pytest plugin's ``mockserver`` fixture is this same server (a ``testing.target.Target``).
"""

from __future__ import annotations

import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator

from werkzeug.serving import WSGIRequestHandler, make_server

from .admin.client import AdminClient
from .testing.target import Target


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: the journal is the record (``/_admin/journal``)."""

    def log_request(self, code="-", size="-"):
        pass


class InProcessServer:
    """create_app() served by werkzeug's threaded server on a free loopback port."""

    def __init__(self, settings: dict):
        from .app import create_app

        self.app = create_app(settings)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True,
                                   request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def target(self, token: str | None = None) -> Target:
        """This server as a ``Target`` (``token``: the admin token, if the settings set one)."""
        single = self.app.extensions["deepfake_mock"].settings.vendor
        return Target(self.url, AdminClient(self.url, token=token), single,
                      at_root=single is not None)


@contextmanager
def running(vendor: str | None = None, **settings) -> Iterator[Target]:
    """Serve the emulator (every vendor, or only ``vendor`` at the root) until the block ends.

    Like the pytest fixture, it starts with memory state, uploads spooled to a temporary
    directory, and the manual clock (time moves only through ``server.admin``); any setting
    can be given, e.g. ``clock="system"``, ``seed=7``, ``strict="record"``."""
    with tempfile.TemporaryDirectory(prefix="deepfake-mock-") as tmp:
        chosen = {"state": "memory", "spool_dir": f"{tmp}/spool", "clock": "manual",
                  **({"vendor": vendor} if vendor else {}), **settings}
        with InProcessServer(chosen) as server:
            yield server.target(chosen.get("admin_token"))
