"""RequestSlots: at most N requests of a worker run at once; a WebSocket gives its slot back."""

from __future__ import annotations

import threading

from deepfake_mock.web.slots import RequestSlots, release_slot

WAIT = 10  # seconds any step may take before the test fails (nothing here sleeps)


class BlockingApp:
    """A WSGI app whose requests run until the test lets them finish."""

    def __init__(self):
        self.running = []
        self.started = threading.Semaphore(0)
        self.finish = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        name = environ["name"]
        with self.lock:
            self.running.append(name)
        self.started.release()
        if environ.get("switch"):
            release_slot(environ)
        assert self.finish[name].wait(WAIT)
        with self.lock:
            self.running.remove(name)
        return [b""]


def serve(middleware, app, name, **environ):
    app.finish[name] = threading.Event()
    thread = threading.Thread(target=middleware, args=({"name": name, **environ}, None))
    thread.start()
    return thread


def test_a_third_request_waits_for_a_slot():
    app = BlockingApp()
    slots = RequestSlots(app, 2)
    first, second = serve(slots, app, "a"), serve(slots, app, "b")
    assert app.started.acquire(timeout=WAIT) and app.started.acquire(timeout=WAIT)
    third = serve(slots, app, "c")
    assert not app.started.acquire(timeout=0.2)  # held at the door, not running
    assert sorted(app.running) == ["a", "b"]
    app.finish["a"].set()
    assert app.started.acquire(timeout=WAIT)
    assert sorted(app.running) == ["b", "c"]
    for name in ("b", "c"):
        app.finish[name].set()
    for thread in (first, second, third):
        thread.join(WAIT)


def test_a_request_that_switches_gives_its_slot_back_once():
    app = BlockingApp()
    slots = RequestSlots(app, 1)
    session = serve(slots, app, "ws", switch=True)
    assert app.started.acquire(timeout=WAIT)
    other = serve(slots, app, "rest")
    assert app.started.acquire(timeout=WAIT)  # runs while the session goes on
    assert sorted(app.running) == ["rest", "ws"]
    app.finish["ws"].set()
    session.join(WAIT)  # its own release at the end does not free a second slot
    third = serve(slots, app, "late")
    assert not app.started.acquire(timeout=0.2)
    app.finish["rest"].set()
    assert app.started.acquire(timeout=WAIT)
    app.finish["late"].set()
    for thread in (other, third):
        thread.join(WAIT)


def test_release_without_slots_is_a_no_op():
    release_slot({})
