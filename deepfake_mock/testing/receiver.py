"""A tiny loopback HTTP server for tests: receives any vendor's callbacks and serves media by URL.

    with LocalReceiver() as rx:
        rx.answer_with(500, 200)                      # first POST fails, the retry succeeds
        media_url = rx.serve("/clip.wav", wav_bytes)  # GET-able by the emulator (loopback)
        ... create a detect with callback_url=rx.url("/hook") ...
        body = rx.wait_for_post(timeout=5)            # the JSON the emulator POSTed

It is plain standard library, so it also works against an emulator in another process.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalReceiver:
    def __init__(self, host: str = "127.0.0.1"):
        self.posts: list[dict] = []
        self._statuses: list[int] = []
        self._files: dict[str, bytes] = {}
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                data = receiver._files.get(self.path.split("?", 1)[0])
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._cond:
                    status = receiver._statuses.pop(0) if receiver._statuses else 200
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = raw.decode("utf-8", "replace")
                    receiver.posts.append({"path": self.path, "headers": dict(self.headers),
                                           "body": body, "answered": status})
                    receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.base = f"http://{host}:{self._server.server_port}"

    def __enter__(self) -> "LocalReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str = "/callback") -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, data: bytes) -> str:
        """Make ``data`` downloadable at ``path``; returns its URL."""
        self._files[path] = data
        return self.url(path)

    def answer_with(self, *statuses: int) -> None:
        """Statuses for the next POSTs, in order (200 once they run out)."""
        with self._cond:
            self._statuses.extend(statuses)

    def wait_for_post(self, count: int = 1, timeout: float = 10.0) -> dict:
        """The body of the ``count``-th POST, waiting for it to arrive."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.posts) >= count, timeout):
                raise TimeoutError(f"{len(self.posts)} POST(s) received, expected {count}")
            return self.posts[count - 1]["body"]
