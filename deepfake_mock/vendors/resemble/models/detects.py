"""Detects: one media file judged deepfake or not. A detect is a job (``jobs:resemble``, scope =
team) walking ``processing`` to ``completed`` or ``failed`` on the vendor's progression; its
metrics are decided when it is created, from the media bytes and the verdict, and show once it
has left ``processing``. It is *settled* the first time anything sees it finished."""

from __future__ import annotations

import os

from ....core.media import MediaInfo
from ..errors import DETECT_FAILED, REGION_PAST_END, error
from . import (FILE_PREFIX, UNSETTLED, VENDOR, files as served, intake, intelligences, iso,
               normalize_uuid, page, page_window, results, tracings, unit_of)
from .intake import Media

STATES = ("processing",)


# ---- analysis ---------------------------------------------------------------------------------

def verdict_score(verdict) -> float:
    if verdict.score is not None:
        return min(1.0, max(0.0, float(verdict.score)))
    return verdict.probability


def analyse(config, info: MediaInfo, options: dict, verdict, u, show=None) -> dict:
    """What the detect will show once finished: ``{"outcome", "fields", "error_message",
    "tracing_label", "intelligence"}``; fields are merged into the item. With ``visualize``,
    ``show(name, png)`` keeps each visualisation and gives the URL the item shows."""
    if verdict.outcome == "failed":
        return _failed(verdict.fields.get("error_message") or DETECT_FAILED)
    score, label = verdict_score(verdict), verdict.label
    is_fake = label == "fake"
    num = config.numeric_scores
    show = show if options["visualize"] else None
    fields: dict = {}
    has_audio_verdict = False
    if info.kind == "audio":
        span = results.analysed_span(info.duration or 0.0, options["start_region"],
                                     options["end_region"])
        if span is None:
            return _failed(REGION_PAST_END)
        fields["metrics"] = results.audio_metrics(
            score=score, label=label, span=span, frame_length=options["frame_length"], u=u,
            show=show, numeric=num, no_speech=verdict.outcome == "no_speech")
        has_audio_verdict = True
    elif info.kind == "image":
        fields["image_metrics"] = results.image_metrics(
            score=score, u=u, show=show,
            reverse_search=options["use_reverse_search"])
    else:
        span = results.analysed_span(info.duration or 0.0, options["start_region"],
                                     options["end_region"], options.get("max_video_secs"))
        if span is None:
            return _failed(REGION_PAST_END)
        fields["video_metrics"] = results.video_metrics(
            score=score, span=span, u=u, stream_fps=info.frame_rate,
            max_video_fps=options.get("max_video_fps"), show=show,
            default_fps=config.video_default_fps, max_frames=config.video_max_frames)
        if info.has_audio:
            fields["metrics"] = results.audio_metrics(
                score=results.audio_track_score(score, u), label=label, span=span,
                frame_length=options["frame_length"], u=u, show=show,
                numeric=num, no_speech=verdict.outcome == "no_speech")
            has_audio_verdict = True
    fields.update(verdict.fields)
    tracing = None
    if options["audio_source_tracing"] and has_audio_verdict:
        tracing = results.tracing_label(is_fake and verdict.outcome != "no_speech", u)
    intelligence = None
    if options["intelligence"]:
        intelligence = results.intelligence_description(info.kind, results.media_facts(info),
                                                        is_fake)
    return {"outcome": "completed", "fields": fields, "error_message": None,
            "tracing_label": tracing, "embed_tracing": bool(tracing) and is_fake,
            "intelligence": intelligence}


def _failed(message: str) -> dict:
    return {"outcome": "failed", "fields": {}, "error_message": message, "tracing_label": None,
            "embed_tracing": False, "intelligence": None}


# ---- create -----------------------------------------------------------------------------------

def charge(rt, config, team: str, files: int, per_file: list[dict] | None = None) -> None:
    """Take the cost of ``files`` detects from the team's wallet, or 402 and take nothing."""
    balance = (config.teams.get(team) or {}).get("balance")
    if balance is None:
        return
    cost = config.detect_cost * files
    key = f"resemble:spent:{team}"
    spent = rt.store.incr(key, cost)
    if spent > balance:
        rt.store.incr(key, -cost)
        extra = {}
        if per_file is not None:
            extra["cost"] = {"total": cost, "balance": balance - (spent - cost),
                             "per_file": [{"filename": f["filename"], "cost": config.detect_cost}
                                          for f in per_file]}
        raise error(402, **extra)

def create(rt, config, *, team: str, media: Media, options: dict, base: str,
                  batch_id: str | None = None) -> dict:
    """Store a detect for media that passed the upload rules (or a url that failed); its
    visualisations are served under ``base``, the vendor's root URL on the host called."""
    detect_id = rt.ids.hex("resemble-detect")

    def show(name: str, png: bytes) -> str:
        served.put_bytes(rt, detect_id, name, png)
        return served.url(base, detect_id, name)
    if media.failure is not None:
        media_type = intake.guess_media_type(media.filename)
        analysis = _failed(media.failure)
        duration = 0.0
    else:
        verdict = rt.verdicts.decide(VENDOR, media.digest, "create_detection")
        analysis = analyse(config, media.info, options, verdict,
                           unit_of(rt.seed(), media.digest), show)
        media_type = media.info.kind
        duration = media.info.duration or 0.0
    ext = intake.kept_ext(media.filename, intake.default_ext(media.info))
    path = None
    if media.path is not None:
        path = _keep_media(rt, media, f"{FILE_PREFIX}detect-{detect_id}.{ext}")
    zero = options["zero_retention_mode"]
    redacted = intake.redacted_filename(rt.ids.hex("resemble-redact", 24), ext) if zero else None
    intelligence_id = rt.ids.hex("resemble-intelligence") if analysis["intelligence"] else None
    tracing_id = rt.ids.hex("resemble-tracing") if analysis["tracing_label"] else None
    data = {
        "kind": "detect", "team": team, "media_type": media_type, "duration": duration,
        "path": path, "digest": media.digest, "upload_id": media.upload_id,
        "url": media.url, "filename": media.filename, "redacted_filename": redacted,
        "options": options, "analysis": analysis, "intelligence_id": intelligence_id,
        "tracing_id": tracing_id, "batch_id": batch_id, "settled_at": None,
        "file_deleted_at": None, "media_url": None if media.url else
        f"{config.media_url_base.rstrip('/')}/{detect_id}/{media.filename or detect_id + '.' + ext}",
    }
    job = rt.jobs.create(VENDOR, detect_id, states=STATES, outcome=analysis["outcome"],
                         data=data, scope=team)
    rt.store.put(UNSETTLED, detect_id, {"id": detect_id}, scope=team)
    return job


def _keep_media(rt, media: Media, name: str) -> str:
    """Give the detect its own name for the bytes: a hard link to a secure upload's file (which
    stays usable), else the spooled file moved into place."""
    if media.upload_id is not None:
        return rt.spool.link(media.path, name)
    return rt.spool.keep(media.path, name)


def wait_for(rt, config, job: dict) -> dict:
    """``Prefer: wait``: finish the detect now if its progression would finish it within
    ``prefer_wait_seconds``; otherwise it is returned as it stands."""
    progression = rt.progression(VENDOR)
    if progression.mode == "manual":
        return job
    if progression.mode == "after_seconds" and progression.value > config.prefer_wait_seconds:
        return job
    return rt.jobs.force(VENDOR, job["id"], job["outcome"])


# ---- settle, read, render ---------------------------------------------------------------------

def find(rt, team: str, raw_id: str, observe: bool = False) -> dict | None:
    """The team's detect with that id, settled (and observed, a poll, if asked), or None."""
    detect_id = normalize_uuid(raw_id)
    if detect_id is None:
        return None
    job = rt.jobs.get(VENDOR, detect_id)
    if job is None or job["data"].get("kind") != "detect" or job["data"]["team"] != team:
        return None
    if observe:
        job = rt.jobs.observe(VENDOR, detect_id) or job
    return settle(rt, job)


def settle(rt, job: dict) -> dict:
    """The first time a detect is seen finished: stamp it, create its tracing and intelligence
    records, purge zero-retention media. Idempotent; one winner across workers."""
    if job["state"] in STATES or job["data"].get("settled_at") is not None:
        return job
    now = finished_at(rt, job)
    won = []

    def stamp(current):
        if current["data"].get("settled_at") is not None:
            return None
        current["data"]["settled_at"] = now
        if current["data"]["options"]["zero_retention_mode"]:
            current["data"]["file_deleted_at"] = now
        won.append(True)
        return current
    updated = rt.jobs.change(VENDOR, job["id"], stamp)
    if updated is None:
        return job
    updated = rt.jobs.get(VENDOR, job["id"]) or updated
    if won:
        _side_effects(rt, updated)
    return updated


def finished_at(rt, job: dict) -> float:
    """When a detect left ``processing``: on a time progression, when its time ran out (even if
    nobody looked until later); otherwise now, when it is first seen finished."""
    now = rt.clock.now()
    progression = rt.progression(VENDOR)
    if job.get("forced") is None and progression.mode == "after_seconds":
        return min(now, job["created_at"] + progression.value)
    return now


def _side_effects(rt, job: dict) -> None:
    data = job["data"]
    team, at = data["team"], iso(data["settled_at"])
    completed = job["state"] == "completed" and data["analysis"]["outcome"] == "completed"
    if completed and data["tracing_id"]:
        tracings.record(rt, data["tracing_id"], data["analysis"]["tracing_label"],
                        team=team, at=at, detect_id=job["id"])
    if completed and data["intelligence_id"]:
        intelligences.record(rt, data["intelligence_id"], data["analysis"]["intelligence"],
                             team=team, at=at, detect_id=job["id"],
                             media_type=data["media_type"])
    if data["options"]["zero_retention_mode"]:
        served.purge(rt, job["id"])
        if data["path"]:
            rt.spool.discard(os.path.basename(data["path"]))
        if data["upload_id"]:
            intake.purge_upload(rt, data["upload_id"])
    rt.store.delete(UNSETTLED, job["id"])


def settle_team(rt, team: str) -> None:
    """Settle every finished-but-unseen detect of a team (before listing its records)."""
    for entry in rt.store.scan(UNSETTLED, scope=team):
        job = rt.jobs.get(VENDOR, entry["id"])
        if job is None:
            rt.store.delete(UNSETTLED, entry["id"])
        elif job["data"]["kind"] == "intelligence":
            intelligences.settle(rt, job)
        else:
            settle(rt, job)


def render(config, job: dict) -> dict:
    """The item as GET, List, ``Prefer: wait`` and the callback show it."""
    data, state = job["data"], job["state"]
    options, analysis = data["options"], data["analysis"]
    zero = options["zero_retention_mode"]
    url = None if zero else (data["url"] or data["media_url"])
    finished = state not in STATES
    settled_at = data.get("settled_at")
    extra_params = {"search_identity_requested": bool(options.get("search_identity"))}
    if options.get("use_reverse_search"):
        extra_params = {"use_reverse_search": True, **extra_params}
    item = {
        "uuid": job["id"],
        "media_type": data["media_type"],
        "status": state,
        "duration": results.duration_value(data["duration"], config.numeric_scores),
        "metrics": {},
        "image_metrics": None,
        "video_metrics": None,
        "intelligence": None,
        "audio_source_tracing": None,
        "url": url,
        "audio_url": url,
        "filename": data["redacted_filename"] if zero else data["filename"],
        "visualize": options["visualize"],
        "audio_source_tracing_enabled": options["audio_source_tracing"],
        "use_ood_detector": options["use_ood_detector"],
        "extra_params": extra_params,
        "error_message": None,
        "zero_retention_mode": zero,
        "media_redacted": zero,
        "media_deleted": bool(zero and finished and settled_at is not None),
        "file_deleted_at": iso(data["file_deleted_at"]) if finished and data["file_deleted_at"] else None,
        "pipeline": None,
        "created_at": iso(job["created_at"]),
        "updated_at": iso(settled_at if finished and settled_at else job["created_at"]),
    }
    if state == "completed":
        if analysis["outcome"] == "completed":
            item.update(analysis["fields"])
            if data["intelligence_id"]:
                item["intelligence"] = {"uuid": data["intelligence_id"],
                                        "description": analysis["intelligence"],
                                        "created_at": item["updated_at"],
                                        "detect_uuid": job["id"]}
            if analysis["embed_tracing"]:
                item["audio_source_tracing"] = {"label": analysis["tracing_label"],
                                                "error_message": None}
    elif finished:  # failed, or any other state the admin API forced
        item["status"] = "failed"
        item["error_message"] = analysis["error_message"] or DETECT_FAILED
    return item


def finished(item: dict) -> bool:
    """A rendered detect that is finished: its answer no longer changes by itself."""
    return item["status"] not in STATES


def list_page(rt, config, team: str, page_number: int, page_size: int) -> dict:
    """A page of the team's detects, newest first."""
    settle_team(rt, team)
    total = rt.jobs.count(VENDOR, scope=team)
    offset, _ = page_window(total, page_number, page_size)
    jobs = rt.jobs.list(VENDOR, scope=team, offset=offset, limit=page_size, newest_first=True)
    return page(page_number, page_size, total, [render(config, settle(rt, j)) for j in jobs])
