"""WebSocket endpoints on the WSGI server's own socket.

simple-websocket does the handshake and the framing (wsproto underneath) on the socket gunicorn
(``gunicorn.socket``) or werkzeug's development server (``werkzeug.socket``) puts in the
environment. Its URL rule is registered with ``websocket=True`` (werkzeug then routes only
upgrade requests to it; a plain request to its path is a 400). The view checks the handshake
request like any other (auth, rate limit, path) and may still answer it with an HTTP error; only
then does it ``accept`` and run its session. Under
gunicorn a session holds one thread while it lasts: the gthread worker keeps serving other
requests on its other threads.
"""

from __future__ import annotations

import logging
from typing import Callable

from flask import Response, request
from simple_websocket import ConnectionClosed, Server

from .slots import release_slot

Session = Callable[[Server], None]
INTERNAL_ERROR = 1011  # RFC 6455 close code: the server met an unexpected condition
log = logging.getLogger("deepfake_mock")


def accept(session: Session, *, max_message_size: int | None = None) -> Response:
    """Complete the handshake, run ``session`` on the connection and close it (code 1000, or
    1011 when the session failed: no HTTP error page can follow a switch).

    The Response returned stands for the switched connection (status 101, as the journal shows
    it): the server must not write an HTTP answer on it.
    """
    ws = Server.accept(request.environ, max_message_size=max_message_size)
    release_slot(request.environ)  # the session mostly waits for the client: let requests run
    code = None
    try:
        session(ws)
    except ConnectionClosed:
        pass
    except Exception:
        log.exception("WebSocket session failed")
        code = INTERNAL_ERROR
    finally:
        if ws.connected:
            ws.close(code)
    return _Switched(status=101)


class _Switched(Response):
    def __call__(self, environ, start_response):
        if "gunicorn.socket" in environ:
            raise StopIteration  # gunicorn closes the connection without writing to it
        raise ConnectionError("the connection was a WebSocket")  # werkzeug: the same
