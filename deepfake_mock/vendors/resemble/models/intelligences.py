"""Run Intelligence (``POST /intelligence``): a multimodal report on one media file, stored
with the intelligence records a detect with ``intelligence: true`` makes.

Without ``callback_url`` the report is made at once (200, the record). With one, the record
is created with ``description: null`` (202) and a job walks the vendor's progression; when it
has finished (seen by a GET, a list or the callback worker) the description is filled in and
the callback gets the record, or on a job forced to fail the vendor's failure payload.
"""

from __future__ import annotations

from ....core.spool import discard
from .. import schemas
from ..errors import DETECT_NOT_FOUND, NOT_FOUND, error
from . import UNSETTLED, VENDOR, detects, get_record, iso, list_records, results
from .intake import Media

INTELLIGENCES = "resemble_intelligences"

STATES = ("processing",)
FAILED_DESCRIPTION = "Error generating Intelligence report."   # the vendor's failure record
FAILED_ERROR = "Intelligence generation failed"
CALLBACK_BODY = schemas.IntelligenceResponse()


def run(rt, *, team: str, media: Media, loaded: dict, detect: dict | None,
        asynchronous: bool) -> dict:
    """Store the record (and, asynchronous, its job); the media is not kept."""
    record_id = rt.ids.hex("resemble-intelligence")
    try:
        description, media_type = _describe(rt, media, loaded, detect)
    finally:
        if media.path is not None and media.upload_id is None:
            discard(media.path)
    record = {"uuid": record_id, "description": None if asynchronous else description,
              "created_at": iso(rt.clock.now()), "detect_uuid": detect["id"] if detect else None,
              "media_type": media_type, "_team": team}
    if asynchronous:
        record.update(_pending=True, _description=description)
        rt.jobs.create(VENDOR, record_id, states=STATES, outcome="completed",
                       data={"kind": "intelligence", "team": team}, scope=f"intelligence:{team}")
        rt.store.put(UNSETTLED, record_id, {"id": record_id}, scope=team)
    rt.store.put(INTELLIGENCES, record_id, record, scope=team)
    return record


def _describe(rt, media: Media, loaded: dict, detect: dict | None):
    if media.failure is not None:
        raise error(400, media.failure)
    info = media.info
    media_type = loaded["media_type"] or info.kind
    if detect is not None and detect["state"] == "completed":
        is_fake = _detect_label(detect) == "fake"
    else:
        is_fake = rt.verdicts.decide(VENDOR, media.digest, "run_intelligence").label == "fake"
    return (results.intelligence_description(media_type, results.media_facts(info), is_fake,
                                             loaded["json"]), media_type)


def _detect_label(detect: dict) -> str | None:
    fields = detect["data"]["analysis"]["fields"]
    for key in ("metrics", "image_metrics", "video_metrics"):
        label = (fields.get(key) or {}).get("label")
        if label:
            return "fake" if label.lower() in ("fake", "likely fake") else "real"
    return None


def settle(rt, job: dict) -> None:
    """Fill in the description once the job has finished (idempotent)."""
    if job["state"] in STATES:
        return
    failed = job["state"] != "completed"

    def fill(record):
        if not record.get("_pending"):
            return None
        description = record.pop("_description")
        record.update(description=FAILED_DESCRIPTION if failed else description,
                      _pending=False, _failed=failed)
        return record
    rt.store.update(INTELLIGENCES, job["id"], fill)
    rt.store.delete(UNSETTLED, job["id"])


def callback_body(rt, record_id: str) -> dict | None:
    """The record once finished (the vendor's failure payload adds ``error``); None before."""
    job = rt.jobs.get(VENDOR, record_id)
    if job is None:
        return {"success": False, "item": None, "message": NOT_FOUND}
    settle(rt, job)
    record = rt.store.get(INTELLIGENCES, record_id)
    if record is None or record.get("_pending"):
        return None
    if record.get("_failed"):
        return CALLBACK_BODY.dump({"success": False, "item": record, "error": FAILED_ERROR})
    return CALLBACK_BODY.dump({"success": True, "item": record})


def associated_detect(rt, team: str, raw_id: str | None) -> dict | None:
    """The detect ``detect_id`` names; 404 "Detect not found" when it is not the team's."""
    if raw_id is None:
        return None
    detect = detects.find(rt, team, raw_id)
    if detect is None:
        raise error(404, DETECT_NOT_FOUND)
    return detect


def record(rt, record_id: str, description, *, team: str, at: str, detect_id: str,
           media_type: str) -> None:
    """The intelligence record of a finished detect that asked for ``intelligence``."""
    rt.store.put(INTELLIGENCES, record_id, {
        "uuid": record_id, "description": description, "created_at": at,
        "detect_uuid": detect_id, "media_type": media_type, "_team": team}, scope=team)


def list_page(rt, team: str, page_number: int, page_size: int) -> dict:
    return list_records(rt, INTELLIGENCES, team, page_number, page_size)


def find(rt, team: str, raw_id: str) -> dict | None:
    return get_record(rt, INTELLIGENCES, team, raw_id)
