"""Watermark API (beta): apply an invisible watermark to media at a URL, or detect one.

Both are jobs on the vendor's progression (``Prefer: wait`` finishes them at once, as on
detect). The media type comes from the bytes. The emulator's watermark is a trailer appended to
the media's bytes (the media stays playable): ``apply`` serves the marked copy at a URL of its
own (``watermarked_media``), and ``detect`` finds the trailer in whatever media it is given, so
media that went through ``apply`` is detected and any other media is not. For image and video
the trailer carries ``custom_message`` and detection needs the same message; audio ignores it,
as the vendor documents. Errors use the vendor's watermark envelope, ``error`` beside
``message``.
"""

from __future__ import annotations

import os

from ....core.spool import SpoolWriter, discard
from ..errors import error
from . import (FILE_PREFIX, VENDOR, files as served, intake, iso, normalize_uuid, stamp_settled,
               unit_of)

DETECT = "watermark_detect"
APPLY = "watermark_apply"
STATES = ("processing",)
DEFAULT_MESSAGE = "resembleai"
TAG = b"\nresemble-watermark:"
TAIL_BYTES = 4096
EXTENSIONS = {"audio": "wav", "image": "png", "video": "mp4"}


def failure(message: str, status: int = 400):
    """The vendor's watermark error: ``{"success": false, "error": ...}`` (plus ``message``)."""
    return error(status, message, error=message)


def _fetch(rt, config, url: str):
    media = intake.from_url(rt, config, url)
    if media.failure is not None:
        raise failure(media.failure)
    return media


def detect(rt, config, team: str, url: str, custom_message: str) -> dict:
    media = _fetch(rt, config, url)
    try:
        mark = read_mark(media.path)
    finally:
        discard(media.path)
    kind = media.info.kind
    found = mark is not None and (kind == "audio" or mark == custom_message)
    metrics: dict = {"has_watermark": found}
    if kind == "audio":
        u = unit_of(rt.seed(), media.digest)("watermark-confidence")
        metrics["confidence"] = round(0.9 + 0.09 * u if found else 0.01 + 0.09 * u, 3)
    return _create(rt, rt.ids.hex("resemble-watermark"), DETECT, team, kind, url,
                   metrics=metrics)


def apply(rt, config, team: str, url: str, custom_message: str, base: str) -> dict:
    media = _fetch(rt, config, url)
    job_id = rt.ids.hex("resemble-watermark")
    kind = media.info.kind
    ext = intake.kept_ext(media.filename, EXTENSIONS[kind])
    name = f"watermarked.{ext}"
    marked = _marked_copy(rt, media.path, DEFAULT_MESSAGE if kind == "audio" else custom_message)
    served.put_path(rt, job_id, name,
                    rt.spool.keep(marked, f"{FILE_PREFIX}watermarked-{job_id}.{ext}"))
    return _create(rt, job_id, APPLY, team, kind, url,
                   watermarked_media=served.url(base, job_id, name))


def _marked_copy(rt, source: str, message: str) -> str:
    writer = SpoolWriter(rt.spool_dir)
    try:
        with open(source, "rb") as fh:
            writer.copy_from(fh)
        writer.write(TAG + message.encode("utf-8"))
        marked = writer.finish().path
    except BaseException:
        writer.discard()
        raise
    finally:
        discard(source)
    writer.close()
    return marked


def read_mark(path: str) -> str | None:
    """The message of the emulator's watermark trailer, or None for unmarked media."""
    with open(path, "rb") as fh:
        fh.seek(max(0, os.fstat(fh.fileno()).st_size - TAIL_BYTES))
        tail = fh.read()
    at = tail.rfind(TAG)
    return None if at < 0 else tail[at + len(TAG):].decode("utf-8", "replace")


def _create(rt, job_id: str, kind: str, team: str, media_type: str, url: str, *,
            metrics: dict | None = None, watermarked_media: str | None = None) -> dict:
    return rt.jobs.create(VENDOR, job_id, states=STATES, outcome="completed",
                          data={"kind": kind, "team": team, "media_type": media_type,
                                "source_media_url": url, "metrics": metrics,
                                "watermarked_media": watermarked_media, "settled_at": None},
                          scope=f"watermark:{team}")


def find(rt, team: str, raw_id: str, kind: str) -> dict | None:
    """The team's job of this kind, observed (a poll) and stamped when first seen finished."""
    job_id = normalize_uuid(raw_id)
    job = rt.jobs.get(VENDOR, job_id) if job_id else None
    if job is None or job["data"].get("kind") != kind or job["data"]["team"] != team:
        return None
    return settle(rt, rt.jobs.observe(VENDOR, job_id) or job)


def settle(rt, job: dict) -> dict:
    """``job`` stamped if it is seen finished for the first time."""
    return stamp_settled(rt, job, STATES)


def render(job: dict) -> dict:
    data = job["data"]
    done = job["state"] == "completed"
    settled = data["settled_at"]
    return {"uuid": job["id"], "media_type": data["media_type"],
            "source_media_url": data["source_media_url"],
            "metrics": data["metrics"] if done else None,
            "watermarked_media": data["watermarked_media"] if done else None,
            "created_at": iso(job["created_at"]),
            "updated_at": iso(settled if settled is not None else job["created_at"])}
