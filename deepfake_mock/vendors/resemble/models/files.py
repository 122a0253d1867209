"""Files the emulator serves at URLs of its own, as the vendor serves them from its storage:
a detect's visualisations (heatmaps, treeview) and a watermark job's watermarked media.

Each file belongs to an *owner* (the detect or watermark job uuid) and has a name; its URL is
``<vendor root>/files/<owner>/<name>``, absolute, on the host the client called. Small files
(PNG visualisations) live in the store, media in the spool. ``purge`` forgets every file of an
owner: a zero-retention detect's visualisations answer 404 once its media is purged.
"""

from __future__ import annotations

import base64
import mimetypes
import os

from ....core.spool import discard

COLLECTION = "resemble_files"


def url(base: str, owner: str, name: str) -> str:
    return f"{base.rstrip('/')}/files/{owner}/{name}"


def put_bytes(rt, owner: str, name: str, data: bytes) -> None:
    _put(rt, owner, name, {"bytes": base64.b64encode(data).decode("ascii"), "path": None})


def put_path(rt, owner: str, name: str, path: str) -> None:
    _put(rt, owner, name, {"bytes": None, "path": path})


def _put(rt, owner: str, name: str, doc: dict) -> None:
    key = f"{owner}/{name}"
    rt.store.put(COLLECTION, key, {"key": key, **doc}, scope=owner)


def find(rt, owner: str, name: str) -> tuple[bytes | str, str] | None:
    """(bytes, or a spool path; content type), or None for a file never made or purged."""
    doc = rt.store.get(COLLECTION, f"{owner}/{name}")
    if doc is None:
        return None
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if doc["path"] is not None:
        path = os.path.abspath(doc["path"])
        return (path, mimetype) if os.path.isfile(path) else None
    return base64.b64decode(doc["bytes"]), mimetype


def purge(rt, owner: str) -> None:
    for doc in rt.store.scan(COLLECTION, scope=owner):
        if doc["path"] is not None:
            discard(doc["path"])
        rt.store.delete(COLLECTION, doc["key"])
