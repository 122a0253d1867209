"""How many requests of one gunicorn worker run Python at once.

A gthread worker has threads so that a WebSocket session (Hiya's streaming verification) holds a
thread, not the worker. Requests are CPU-bound under one GIL, though: eight of them running at
once take turns on it and serve fewer requests per second than two do. ``RequestSlots`` lets
``slots`` requests run and keeps the others waiting on a lock (off the GIL); a request that
switches to a WebSocket gives its slot back (``release_slot(environ)``) while its session, which
mostly waits for the client, goes on.
"""

from __future__ import annotations

import threading

RELEASE = "deepfake_mock.release_slot"


class RequestSlots:
    """WSGI middleware: at most ``slots`` requests at once in this process."""

    def __init__(self, app, slots: int):
        self.app = app
        self._slots = threading.BoundedSemaphore(slots)

    def __call__(self, environ, start_response):
        self._slots.acquire()
        held = [True]

        def release() -> None:
            if held[0]:
                held[0] = False
                self._slots.release()
        environ[RELEASE] = release
        try:
            return self.app(environ, start_response)
        finally:
            release()


def release_slot(environ) -> None:
    """Give this request's slot back (a no-op where no ``RequestSlots`` runs)."""
    release = environ.get(RELEASE)
    if release is not None:
        release()
