"""The current request as a recording summarises it (``core.recordings``): what the validation
proxy writes and what ``serve --replay`` looks a request up by."""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import FileStorage

from ..core.recordings import digest
from ..core.spool import SpoolWriter
from .conformance import FORM_TYPES
from .uploads import spool_raw_body

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "trailers", "transfer-encoding", "upgrade"})
NOT_RETURNED = HOP_BY_HOP | {"content-length", "content-encoding", "date", "server"}
LINK_HEADERS = ("location", "x-location", "content-location")  # links a client follows


def request_summary(path: str) -> dict:
    """``{method, path, query, headers, body}`` of the current request; ``path`` is the vendor's
    own (without the emulator's ``/<vendor>`` prefix). The body is ``{json}``, ``{text}`` (JSON
    that does not parse), ``{form, files}`` (each file as its digest and size) or, for media,
    ``{sha256, size}``; None when there is none."""
    return {"method": request.method, "path": path, "query": request.args.to_dict(flat=False),
            "headers": {name: value for name, value in request.headers.items()
                        if name.lower() not in HOP_BY_HOP},
            "body": _body()}


def _body() -> dict | None:
    if request.mimetype in FORM_TYPES:
        files = [{"field": field, "filename": storage.filename,
                  "content_type": storage.mimetype or None, **_file_digest(storage)}
                 for field, storage in request.files.items(multi=True)]
        return {"form": request.form.to_dict(flat=False), "files": files}
    if not (request.content_length or "chunked" in request.headers.get("Transfer-Encoding", "")):
        return None
    if request.is_json:
        data = request.get_data(cache=True)
        value = request.get_json(silent=True, cache=True)
        if value is None and data.strip() != b"null":
            return {"text": data.decode("utf-8", "replace")}
        return {"json": value}
    raw = request.__dict__.get("stream")
    writer = raw if isinstance(raw, SpoolWriter) else spool_raw_body()
    spooled = writer.finish()
    return {"sha256": spooled.digest, "size": spooled.size}


def _file_digest(storage: FileStorage) -> dict:
    stream = storage.stream
    if isinstance(stream, SpoolWriter):
        spooled = stream.finish()
        return {"sha256": spooled.digest, "size": spooled.size}
    position = stream.tell()  # werkzeug keeps small parts in memory
    stream.seek(0)
    found = digest(stream.read())
    stream.seek(position)
    return found
