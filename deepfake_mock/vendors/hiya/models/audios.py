"""Hiya's audios: created with or without their file, analysed once when the file arrives
(``analysis.py``), kept in the spool as ``hiya-<audio id>`` for download."""

from __future__ import annotations

import os

from ....core.spool import SpooledFile
from .. import analysis, paging
from ..errors import error
from .documents import C_AUDIOS, C_IDENTITIES, bump, claim, find as find_in, get, set_alias

FILE_PREFIX = "hiya-"
AWAITING_FILE = "avaitingFile"  # sic: the vendor's AudioState spelling


def analyse(rt, upload: SpooledFile) -> analysis.AudioAnalysis | None:
    """What the emulator hears in an uploaded file; None when it holds no usable audio. A full
    spool answers 503, Hiya's observed "temporarily overloaded"."""
    if not rt.spool.has_room(upload.size):
        raise error(503)
    return analysis.analyse_file(upload.path, rt.media_limits)


def _file_fields(rt, upload: SpooledFile) -> dict:
    """The audio fields a file gives."""
    found = analyse(rt, upload)
    if found is None:
        return {"state": "notAvailable", "uploaded_at": rt.clock.now(), "digest": upload.digest,
                "size": upload.size}
    return {"state": "available", "duration": found.duration, "voice": found.voice_duration,
            "sample_rate": found.sample_rate, "profile": found.profile,
            "container": found.container, "has_video": found.has_video,
            "digest": upload.digest, "size": upload.size, "uploaded_at": rt.clock.now()}


def _keep(rt, audio_id: str, upload: SpooledFile, fields: dict) -> None:
    if fields["state"] == "available":
        rt.spool.keep(upload.path, f"{FILE_PREFIX}{audio_id}")


def find(rt, space: dict, handle: str) -> dict:
    return find_in(rt, space, "audio", handle, C_AUDIOS)


def create(rt, space: dict, alias: str | None, identity: str | None,
           upload: SpooledFile | None) -> dict:
    identity_doc = find_in(rt, space, "identity", identity, C_IDENTITIES) if identity else None
    audio_id = rt.ids.uuid4("hiya-audio")
    now = rt.clock.now()
    doc = {"id": audio_id, "handle": audio_id, "alias": alias, "space": space["id"],
           "state": AWAITING_FILE, "duration": 0.0, "voice": 0.0, "sample_rate": 0,
           "profile": "", "digest": None, "identity": identity_doc["id"] if identity_doc else None,
           "voiceprints": 0, "verifications": 0, "created_at": now, "uploaded_at": now}
    fields = _file_fields(rt, upload) if upload is not None else None
    if fields:
        doc.update(fields)
    claim(rt, space, "audio", audio_id, audio_id)
    rt.store.put(C_AUDIOS, audio_id, doc, scope=space["id"])
    if fields:
        _keep(rt, audio_id, upload, fields)
    if identity_doc:
        bump(rt, C_IDENTITIES, identity_doc["id"], "audios")
    return doc


def attach_file(rt, space: dict, handle: str, upload: SpooledFile) -> dict:
    """The file of an audio created without one; 409 once it has one."""
    audio = find(rt, space, handle)
    if audio["state"] != AWAITING_FILE:
        raise error(409)
    fields = _file_fields(rt, upload)
    collided = []

    def attach(doc):
        if doc["state"] != AWAITING_FILE:
            collided.append(True)
            return None
        doc.update(fields)
        return doc
    doc = rt.store.update(C_AUDIOS, audio["id"], attach)
    if collided:
        raise error(409)
    _keep(rt, audio["id"], upload, fields)
    return doc


def update(rt, space: dict, handle: str, changes: dict) -> dict:
    return set_alias(rt, C_AUDIOS, find(rt, space, handle)["id"], changes)


def stored_file(rt, space: dict, handle: str) -> tuple[str, str, str]:
    """(path, content type, download name) of an audio's stored file."""
    audio = find(rt, space, handle)
    path = os.path.join(rt.spool_dir, f"{FILE_PREFIX}{audio['id']}")
    if audio["state"] != "available" or not os.path.exists(path):
        raise error(404)
    mimetype, ext = analysis.media_type(audio.get("container", ""), audio.get("has_video", False))
    return path, mimetype, f"{audio['handle']}.{ext}"


def page(rt, space: dict, query: paging.ListQuery) -> tuple[list[dict], dict]:
    items = [{"handle": d["handle"], "alias": d["alias"], "createdAt": d["created_at"],
              "uploadedAt": d["uploaded_at"], "doc": d}
             for d in rt.store.scan(C_AUDIOS, scope=space["id"])]
    return paging.page(items, query)


def shown(rt, doc: dict) -> dict:
    """The audio with its identity, for the Audio schema."""
    return {**doc, "identity_ref": get(rt, C_IDENTITIES, doc["identity"])}
