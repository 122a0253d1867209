"""The Flask test client's interface over real HTTP, so a test written for ``app.test_client()``
also runs against a server in another process (moto's "server mode").

    client = HttpClient(server.url)
    r = client.post("/phonexia/api/...", data={"file": (io.BytesIO(wav), "a.wav")},
                    content_type="multipart/form-data")
    r.status_code, r.json, r.headers["X-Location"], r.get_data(as_text=True), r.mimetype

The request is built by werkzeug's ``EnvironBuilder``, as the test client builds it (the same
multipart encoding, form and query handling, JSON with sorted keys, ``Host: localhost`` so the
URLs the server builds are the same), and sent with ``requests``; the answer is a werkzeug
``TestResponse`` of the exact bytes the server sent and its headers, less those the HTTP server
adds (``SERVER_HEADERS``: the test client has none of them).
"""

from __future__ import annotations

import functools
import json

import requests
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder, TestResponse

IN_PROCESS_ONLY = ("environ_base", "environ_overrides")  # WSGI environ: no HTTP equivalent
SERVER_HEADERS = ("server", "date", "connection", "keep-alive", "transfer-encoding")


class _Builder(EnvironBuilder):
    json_dumps = staticmethod(functools.partial(json.dumps, sort_keys=True))  # as Flask's


class HttpClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers.clear()  # only what the test sends (as the test client)

    def open(self, path: str = "/", method: str = "GET", **kwargs) -> TestResponse:
        """Send one request given as the Flask test client takes it; nothing is followed."""
        refused = [name for name in IN_PROCESS_ONLY if name in kwargs]
        if refused:
            raise TypeError(f"{', '.join(refused)} set the WSGI environ of an in-process "
                            f"request: mark the test in_process")
        builder = _Builder(path, method=method, **kwargs)
        try:
            environ = builder.get_environ()
            body = environ["wsgi.input"].read()
        finally:
            builder.close()
        headers = {name: ", ".join(builder.headers.getlist(name)) for name in builder.headers.keys()
                   if name.lower() not in ("host", "content-type", "content-length")}
        headers["Host"] = environ["HTTP_HOST"]
        if "CONTENT_TYPE" in environ:
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        query = f"?{builder.query_string}" if builder.query_string else ""
        answer = self._session.request(method, f"{self.base_url}{builder.path}{query}",
                                       data=body or None, headers=headers, stream=True,
                                       allow_redirects=False, timeout=self.timeout)
        with answer:
            content = answer.raw.read(decode_content=False)
            kept = [(name, value) for name, value in answer.raw.headers.items()
                    if name.lower() not in SERVER_HEADERS]
            return TestResponse([content], answer.status_code, Headers(kept), request=None)

    def get(self, path: str = "/", **kwargs) -> TestResponse:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str = "/", **kwargs) -> TestResponse:
        return self.open(path, "POST", **kwargs)

    def put(self, path: str = "/", **kwargs) -> TestResponse:
        return self.open(path, "PUT", **kwargs)

    def patch(self, path: str = "/", **kwargs) -> TestResponse:
        return self.open(path, "PATCH", **kwargs)

    def delete(self, path: str = "/", **kwargs) -> TestResponse:
        return self.open(path, "DELETE", **kwargs)

    def head(self, path: str = "/", **kwargs) -> TestResponse:
        return self.open(path, "HEAD", **kwargs)

    def options(self, path: str = "/", **kwargs) -> TestResponse:
        return self.open(path, "OPTIONS", **kwargs)
