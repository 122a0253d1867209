"""The thread that empties a vendor's outbox: one per app and vendor in each server process,
started lazily, started again in a restarted or forked process that finds deliveries open, gone
after a minute with nothing open, stopped by ``stop``."""

from __future__ import annotations

import threading
import time
import weakref
from typing import Callable, Hashable

from flask import Flask

from ..core.outbox import Outbox


class DeliveryWorker:
    """Runs ``outbox.run_once`` every ``interval`` seconds of real time while deliveries are
    open; with ``background`` off no thread ever starts (the admin API's run-once delivers)."""

    def __init__(self, outbox: Outbox, *, interval: float = 0.1, idle_exit: float = 60.0,
                 background: bool = True):
        self.outbox = outbox
        self.interval = interval
        self.background = background
        self.idle_exit = idle_exit
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._resumed_at: Hashable = None

    def ensure_running(self) -> None:
        """Start the thread in this process if it is not running (after a fork too)."""
        if not self.background:
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._wake.set()
                return
            self._stop.clear()
            self._thread = threading.Thread(target=_loop, args=(weakref.ref(self),),
                                            name=f"{self.outbox.vendor}-callbacks", daemon=True)
            self._thread.start()

    def resume(self, version: Hashable = None) -> None:
        """Start the thread if the store holds open deliveries (left by another process). Given
        the store's version, a version already looked at is not looked at again."""
        if not self.background or (version is not None and version == self._resumed_at):
            return
        self._resumed_at = version
        if self.outbox.has_open():
            self.ensure_running()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _tick(self) -> bool:
        """One pass; False when the thread should end (stopped)."""
        if self._stop.is_set():
            return False
        try:
            self.outbox.run_once()
        except Exception:  # a broken store read must not kill the worker; try again next tick
            pass
        return True


def worker_of(app: Flask, vendor: str, build: Callable[[], DeliveryWorker]) -> DeliveryWorker:
    """The app's delivery worker for ``vendor`` (``app.extensions["<vendor>.callbacks"]``),
    made by ``build`` on first use."""
    key = f"{vendor}.callbacks"
    worker = app.extensions.get(key)
    if worker is None:
        worker = app.extensions.setdefault(key, build())
    return worker


def _loop(ref) -> None:
    idle_since = time.monotonic()
    while True:
        worker = ref()
        if worker is None or not worker._tick():
            return
        if worker.outbox.has_open():
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > worker.idle_exit:
            with worker._lock:  # ensure_running either sees no thread or we see its delivery
                if not worker.outbox.has_open():
                    worker._thread = None
                    return
        wake, interval = worker._wake, worker.interval
        del worker  # do not keep the worker alive while sleeping
        wake.wait(interval)
        wake.clear()
