"""Resemble Detect's domain logic: plain Python over the runtime's store, clock, ids and jobs.

Records, all scoped to the team of the token that made them:

- a **detect** is a job (``jobs:resemble``, scope = team) walking ``processing`` to
  ``completed`` or ``failed`` with the vendor's progression. Its metrics are decided when it is
  created, from the media bytes and the verdict; they show once it has left ``processing``;
- a **question** (detect intelligence) is a job too (scope ``question:<team>``), walking
  ``pending`` -> ``processing`` -> ``completed``;
- **uploads** (secure uploads), **batches**, **tracings** (audio source tracing) and
  **intelligences** are documents in their own collections.

A detect is *settled* the first time anything sees it finished (a GET, a list, the callback
worker): that is when its source tracing and intelligence records appear and, under zero
retention, its media file is deleted. ``settle`` is idempotent and safe across workers.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone

from ...core import outbound
from ...core.errors import VendorError
from ...core.media import MediaInfo, MediaLimits, probe
from ...core.outbox import Outbox, RetryPolicy
from ...core.rng import unit_interval
from ...core.spool import SpooledFile, SpoolWriter, TooLarge, discard
from . import files as served, results, tokens, uploads
from .uploads import UploadRejected

VENDOR = "resemble"
DETECT_STATES = ("processing",)
QUESTION_STATES = ("pending", "processing")
FILE_PREFIX = "resemble-"

UPLOADS = "resemble_uploads"
BATCHES = "resemble_batches"
TRACINGS = "resemble_tracings"
INTELLIGENCES = "resemble_intelligences"
UNSETTLED = "resemble_unsettled"

AUTH_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
AUTH_TOKEN = re.compile(r'^\s*Token\s+token="?([^",\s]+)"?\s*(,.*)?$', re.IGNORECASE)
HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
SAFE_EXT = re.compile(r"^[a-z0-9]{1,8}$")
DASHED = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# messages: the vendor's where documented, the fact sheet's proposals otherwise
MESSAGES = {
    400: "Bad request",
    401: "Invalid or missing API token",
    402: "insufficient_balance",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request entity too large",
    414: "URI too long",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Rate limit exceeded",
    431: "Request header fields too large",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
DETECT_NOT_FOUND = "Detect not found"
QUESTION_NOT_FOUND = "Question not found"
NOT_COMPLETED = "Detection must be completed before asking questions"
ONE_SOURCE = "Exactly one of file, url, or media_token must be provided"
ONE_INTELLIGENCE_SOURCE = "Exactly one of url or media_token must be provided"
BAD_TOKEN = "media_token is invalid or expired"
BAD_BODY = "Request body must be a JSON object"
BAD_CONTENT_TYPE = "Content-Type must be application/json or multipart/form-data"
REGION_PAST_END = "start_region is beyond the end of the media"
DETECT_FAILED = "Detection failed"
QUESTION_FAILED = "Unable to generate answer. Please try again."
BATCH_NOT_FOUND = "Batch not found"
BATCH_WAIT = "Prefer: wait is not supported for batch requests"


def error(status: int, message: str | None = None, **extra) -> VendorError:
    """The vendor's error; ``extra`` (errors, item, cost) travels in ``detail``."""
    return VendorError(status, str(status), message or MESSAGES.get(status, "Error"),
                       extra or None)


def bad_request(message: str, **extra) -> VendorError:
    return error(400, message, **extra)


# ---- small helpers ----------------------------------------------------------------------------

def parse_authorization(header: str | None) -> str | None:
    """The API token of ``Bearer <token>`` or ``Token token=<token>`` (quoted or not)."""
    if not header:
        return None
    match = AUTH_BEARER.match(header) or AUTH_TOKEN.match(header)
    return match.group(1) if match else None


def normalize_uuid(value: str) -> str | None:
    """32 lowercase hex digits from a 32-hex or dashed 36-character id; None for anything else."""
    if HEX32.match(value):
        return value.lower()
    if DASHED.match(value):
        return value.replace("-", "").lower()
    return None


def iso(ts: float) -> str:
    """``2026-01-15T10:30:00.000Z``."""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def page_window(total: int, page: int, page_size: int) -> tuple[int, int]:
    """(offset, num_pages): the page's first index (at most ``total``: a page past the last is
    empty, however far past, within SQLite's integers), and the page count (0 with no records)."""
    return min((page - 1) * page_size, total), math.ceil(total / page_size)


def authenticate(header: str | None, settings) -> dict:
    token = parse_authorization(header)
    teams = settings["tokens"]
    if token is None or token not in teams:
        raise error(401)
    return {"credential": token, "team": teams[token]}


def numeric(settings) -> bool:
    return settings["score_format"] == "number"


# ---- media intake -----------------------------------------------------------------------------

@dataclass
class Media:
    """Bytes ready for analysis (``path``), or a failure decided before analysis."""

    path: str | None
    size: int
    digest: str | None
    filename: str | None
    info: MediaInfo | None
    url: str | None = None
    failure: str | None = None      # the error_message of a detect that will fail
    upload_id: str | None = None     # the secure upload it came from


def check_file(rt, upload: SpooledFile, settings,
               limit_key: str = "max_upload_bytes") -> MediaInfo:
    """A direct or secure upload: size, then real media bytes, whatever its name and declared
    type (the vendor's own SDK uploads a file object with neither)."""
    try:
        limit = settings[limit_key]
        message = uploads.too_large(limit) if limit_key == "max_upload_bytes" else (
            f"File exceeds {limit / uploads.MIB:g} MB limit")
        uploads.check_size(upload.size, limit, message)
    except UploadRejected as exc:
        raise bad_request(exc.message)
    info = probe(upload.path, MediaLimits.from_settings(rt.settings))
    if info.kind is None:
        raise bad_request(uploads.NOT_MEDIA)
    return info


def media_from_token(rt, settings, token: str, team: str) -> Media:
    try:
        claims = tokens.verify(settings["media_token_secret"], token, rt.clock.now())
    except tokens.InvalidToken:
        raise bad_request(BAD_TOKEN)
    record = rt.store.get(UPLOADS, claims["sub"])
    if (claims["team"] != team or record is None or record["team"] != team
            or record["purged"] or not os.path.isfile(record["path"])):
        raise bad_request(BAD_TOKEN)
    return Media(record["path"], record["size"], record["digest"], record["filename"],
                 MediaInfo(**record["info"]), upload_id=record["id"])


def media_from_url(rt, settings, url: str) -> Media:
    """The bytes behind ``url``, from the local media directories or an allowed host only."""
    name = uploads.filename_from_url(url)
    source = uploads.resolve_media_url(url, dict(settings["media_dirs"]))
    if source.kind == "refused":
        return Media(None, 0, None, name, None, url=url, failure=uploads.UNREACHABLE)
    writer = SpoolWriter(rt.spool_dir, settings["url_max_bytes"])
    try:
        if source.kind == "local":
            with open(source.location, "rb") as fh:
                writer.copy_from(fh)
        else:
            policy = fetch_policy(settings)
            outbound.get(outbound.check(url, policy), policy, writer.write)
    except (OSError, TooLarge, outbound.Refused, outbound.Failed):
        writer.discard()
        return Media(None, 0, None, name, None, url=url, failure=uploads.UNREACHABLE)
    spooled = writer.finish(name)
    writer.close()
    if spooled.size == 0:
        discard(spooled.path)
        return Media(None, 0, None, name, None, url=url, failure=uploads.NOT_MEDIA)
    info = probe(spooled.path, MediaLimits.from_settings(rt.settings))
    if info.kind is None:
        discard(spooled.path)
        return Media(None, spooled.size, spooled.digest, name, None, url=url,
                     failure=uploads.NOT_MEDIA)
    return Media(spooled.path, spooled.size, spooled.digest, name, info, url=url)


def fetch_policy(settings) -> outbound.Policy:
    """Where ``url`` media may be fetched from, within one deadline and a size cap."""
    return outbound.Policy.of(settings["url_allow_hosts"], "resemble.url_allow_hosts",
                              settings["url_fetch_timeout"], settings["url_max_bytes"])


def callback_policy(settings) -> outbound.Policy:
    """Where callbacks may be POSTed, each attempt within one deadline."""
    return outbound.Policy.of(settings["callback_allow_hosts"], "resemble.callback_allow_hosts",
                              settings["callback_timeout_seconds"])


def guess_media_type(filename: str | None) -> str:
    """For a detect whose bytes never arrived: the kind its extension suggests (audio if none)."""
    ext = uploads.extension_of(filename)
    kinds = uploads.UPLOAD_EXTENSIONS.get(ext or "", frozenset({"audio"}))
    for kind in ("image", "video", "audio"):
        if kind in kinds:
            return kind
    return "audio"


# ---- analysis ---------------------------------------------------------------------------------

def unit_of(seed: int, digest: str):
    return lambda *parts: unit_interval(seed, VENDOR, digest, *parts)


def verdict_score(verdict) -> float:
    if verdict.score is not None:
        return min(1.0, max(0.0, float(verdict.score)))
    return verdict.probability


def analyse(settings, info: MediaInfo, options: dict, verdict, u, show=None) -> dict:
    """What the detect will show once finished: ``{"outcome", "fields", "error_message",
    "tracing_label", "intelligence"}``; fields are merged into the item. With ``visualize``,
    ``show(name, png)`` keeps each visualisation and gives the URL the item shows."""
    if verdict.outcome == "failed":
        return _failed(verdict.fields.get("error_message") or DETECT_FAILED)
    score, label = verdict_score(verdict), verdict.label
    is_fake = label == "fake"
    num = numeric(settings)
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
            default_fps=settings["video_default_fps"], max_frames=settings["video_max_frames"])
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
        facts = {"duration": info.duration, "channels": info.channels,
                 "sample_rate": info.sample_rate, "width": info.width, "height": info.height,
                 "has_audio": info.has_audio}
        intelligence = results.intelligence_description(info.kind, facts, is_fake)
    return {"outcome": "completed", "fields": fields, "error_message": None,
            "tracing_label": tracing, "embed_tracing": bool(tracing) and is_fake,
            "intelligence": intelligence}


def _failed(message: str) -> dict:
    return {"outcome": "failed", "fields": {}, "error_message": message, "tracing_label": None,
            "embed_tracing": False, "intelligence": None}


# ---- create -----------------------------------------------------------------------------------

def charge(rt, settings, team: str, files: int, per_file: list[dict] | None = None) -> None:
    """Take the cost of ``files`` detects from the team's wallet, or 402 and take nothing."""
    balance = (settings["teams"].get(team) or {}).get("balance")
    if balance is None:
        return
    cost = settings["detect_cost"] * files
    key = f"resemble:spent:{team}"
    spent = rt.store.incr(key, cost)
    if spent > balance:
        rt.store.incr(key, -cost)
        extra = {}
        if per_file is not None:
            extra["cost"] = {"total": cost, "balance": balance - (spent - cost),
                             "per_file": [{"filename": f["filename"], "cost": settings["detect_cost"]}
                                          for f in per_file]}
        raise error(402, **extra)


def create_detect(rt, settings, *, team: str, media: Media, options: dict, base: str,
                  batch_id: str | None = None) -> dict:
    """Store a detect for media that passed the upload rules (or a url that failed); its
    visualisations are served under ``base``, the vendor's root URL on the host called."""
    detect_id = rt.ids.hex("resemble-detect")

    def show(name: str, png: bytes) -> str:
        served.put_bytes(rt, detect_id, name, png)
        return served.url(base, detect_id, name)
    if media.failure is not None:
        media_type = guess_media_type(media.filename)
        analysis = _failed(media.failure)
        duration = 0.0
    else:
        verdict = rt.verdicts.decide(VENDOR, media.digest, "create_detection")
        analysis = analyse(settings, media.info, options, verdict,
                           unit_of(rt.seed(), media.digest), show)
        media_type = media.info.kind
        duration = media.info.duration or 0.0
    ext = uploads.extension_of(media.filename)
    if ext is None or not SAFE_EXT.match(ext):  # a URL's name can hold anything
        ext = _default_ext(media.info)
    path = None
    if media.path is not None:
        path = _keep_media(rt, media, f"{FILE_PREFIX}detect-{detect_id}.{ext}")
    zero = options["zero_retention_mode"]
    redacted = uploads.redacted_filename(rt.ids.hex("resemble-redact", 24), ext) if zero else None
    intelligence_id = rt.ids.hex("resemble-intelligence") if analysis["intelligence"] else None
    tracing_id = rt.ids.hex("resemble-tracing") if analysis["tracing_label"] else None
    data = {
        "kind": "detect", "team": team, "media_type": media_type, "duration": duration,
        "path": path, "digest": media.digest, "upload_id": media.upload_id,
        "url": media.url, "filename": media.filename, "redacted_filename": redacted,
        "options": options, "analysis": analysis, "intelligence_id": intelligence_id,
        "tracing_id": tracing_id, "batch_id": batch_id, "settled_at": None,
        "file_deleted_at": None, "media_url": None if media.url else
        f"{settings['media_url_base'].rstrip('/')}/{detect_id}/{media.filename or detect_id + '.' + ext}",
    }
    job = rt.jobs.create(VENDOR, detect_id, states=DETECT_STATES, outcome=analysis["outcome"],
                         data=data, scope=team)
    rt.store.put(UNSETTLED, detect_id, {"id": detect_id}, scope=team)
    return job


def _default_ext(info: MediaInfo | None) -> str:
    if info is None:
        return "bin"
    return {"audio": "wav", "image": info.container or "jpg", "video": "mp4"}.get(info.kind, "bin")


def _keep_media(rt, media: Media, name: str) -> str:
    """Give the detect its own name for the bytes: a hard link to a secure upload's file (which
    stays usable), else the spooled file moved into place."""
    if media.upload_id is not None:
        return rt.spool.link(media.path, name)
    return rt.spool.keep(media.path, name)


def check_room(rt, incoming: int) -> None:
    """503 when ``incoming`` more bytes would overfill the emulator's spool: Resemble documents
    no storage error, and a full disk is an outage."""
    if not rt.spool.has_room(incoming):
        raise error(503)


def new_bytes(media: Media) -> int:
    """What keeping a detect's media adds to the spool: nothing for a secure upload's bytes
    (linked) or a url that failed."""
    return media.size if media.path is not None and media.upload_id is None else 0


def wait_for(rt, settings, job: dict) -> dict:
    """``Prefer: wait``: finish the detect now if its progression would finish it within
    ``prefer_wait_seconds``; otherwise it is returned as it stands."""
    progression = rt.progression(VENDOR)
    if progression.mode == "manual":
        return job
    if progression.mode == "after_seconds" and progression.value > settings["prefer_wait_seconds"]:
        return job
    return rt.jobs.force(VENDOR, job["id"], job["outcome"])


# ---- secure uploads ---------------------------------------------------------------------------

def create_secure_upload(rt, settings, team: str, upload: SpooledFile, keep) -> str:
    info = check_file(rt, upload, settings, "max_secure_upload_bytes")
    check_room(rt, upload.size)
    upload_id = rt.ids.hex("resemble-upload")
    ext = uploads.extension_of(upload.filename)
    if ext is None or not SAFE_EXT.match(ext):
        ext = _default_ext(info)
    path = keep(upload, f"{FILE_PREFIX}upload-{upload_id}.{ext}")
    now = rt.clock.now()
    rt.store.put(UPLOADS, upload_id, {
        "id": upload_id, "team": team, "path": path, "size": upload.size,
        "digest": upload.digest, "filename": upload.filename, "info": info.as_dict(),
        "created_at": iso(now), "purged": False}, scope=team)
    return tokens.issue(settings["media_token_secret"], upload_id=upload_id, team=team, now=now)


# ---- settle, read, render ---------------------------------------------------------------------

def find_detect(rt, team: str, raw_id: str, observe: bool = False) -> dict | None:
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
    if job["state"] in DETECT_STATES or job["data"].get("settled_at") is not None:
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
        rt.store.put(TRACINGS, data["tracing_id"], {
            "uuid": data["tracing_id"],
            "results": {"label": data["analysis"]["tracing_label"], "error_message": None},
            "created_at": at, "detect_uuid": job["id"], "_team": team}, scope=team)
    if completed and data["intelligence_id"]:
        rt.store.put(INTELLIGENCES, data["intelligence_id"], {
            "uuid": data["intelligence_id"], "description": data["analysis"]["intelligence"],
            "created_at": at, "detect_uuid": job["id"], "media_type": data["media_type"],
            "_team": team}, scope=team)
    if data["options"]["zero_retention_mode"]:
        served.purge(rt, job["id"])
        if data["path"]:
            rt.spool.discard(os.path.basename(data["path"]))
        if data["upload_id"]:
            def purge(upload):
                upload["purged"] = True
                return upload
            upload = rt.store.update(UPLOADS, data["upload_id"], purge)
            if upload is not None:
                rt.spool.discard(os.path.basename(upload["path"]))
    rt.store.delete(UNSETTLED, job["id"])


def settle_team(rt, team: str) -> None:
    """Settle every finished-but-unseen detect of a team (before listing its records)."""
    for entry in rt.store.scan(UNSETTLED, scope=team):
        job = rt.jobs.get(VENDOR, entry["id"])
        if job is None:
            rt.store.delete(UNSETTLED, entry["id"])
        elif job["data"]["kind"] == "intelligence":
            from .intelligences import settle as settle_intelligence
            settle_intelligence(rt, job)
        else:
            settle(rt, job)


def render_detect(settings, job: dict) -> dict:
    """The item as GET, List, ``Prefer: wait`` and the callback show it."""
    data, state = job["data"], job["state"]
    options, analysis = data["options"], data["analysis"]
    zero = options["zero_retention_mode"]
    url = None if zero else (data["url"] or data["media_url"])
    finished = state not in DETECT_STATES
    settled_at = data.get("settled_at")
    extra_params = {"search_identity_requested": bool(options.get("search_identity"))}
    if options.get("use_reverse_search"):
        extra_params = {"use_reverse_search": True, **extra_params}
    item = {
        "uuid": job["id"],
        "media_type": data["media_type"],
        "status": state,
        "duration": results.duration_value(data["duration"], numeric(settings)),
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


def list_detects(rt, settings, team: str, page: int, page_size: int) -> dict:
    settle_team(rt, team)
    total = rt.jobs.count(VENDOR, scope=team)
    offset, pages = page_window(total, page, page_size)
    jobs = rt.jobs.list(VENDOR, scope=team, offset=offset, limit=page_size, newest_first=True)
    return {"success": True, "page": page, "num_pages": pages, "page_size": page_size,
            "total_count": total, "items": [render_detect(settings, settle(rt, j)) for j in jobs]}


def public(record: dict) -> dict:
    """A stored record without the emulator's bookkeeping keys (``_team``)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def list_records(rt, collection: str, team: str, page: int, page_size: int) -> dict:
    settle_team(rt, team)
    total = rt.store.count(collection, scope=team)
    offset, pages = page_window(total, page, page_size)
    items = rt.store.scan(collection, scope=team, offset=offset, limit=page_size,
                          newest_first=True)
    return {"success": True, "page": page, "num_pages": pages, "page_size": page_size,
            "total_count": total, "items": [public(r) for r in items]}


def get_record(rt, collection: str, team: str, raw_id: str) -> dict | None:
    record_id = normalize_uuid(raw_id)
    if record_id is None:
        return None
    settle_team(rt, team)
    record = rt.store.get(collection, record_id)
    return public(record) if record is not None and record["_team"] == team else None


# ---- batches ----------------------------------------------------------------------------------

@dataclass
class BatchFile:
    path: str
    size: int
    digest: str
    filename: str


def batch_files_from_zip(rt, settings, archive: SpooledFile) -> list[BatchFile]:
    """Members of one .zip, checked against the batch limits before anything is extracted."""
    try:
        with zipfile.ZipFile(archive.path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()
                       and not m.filename.startswith("__MACOSX/")
                       and not os.path.basename(m.filename).startswith(".")]
            check_batch_declared(settings, [(m.filename, None, m.file_size) for m in members])
            files = []
            try:
                for m in members:
                    writer = SpoolWriter(rt.spool_dir, m.file_size)
                    try:
                        with zf.open(m) as src:
                            writer.copy_from(src)
                    except BaseException:
                        writer.discard()
                        raise
                    spooled = writer.finish(os.path.basename(m.filename))
                    writer.close()
                    files.append(BatchFile(spooled.path, spooled.size, spooled.digest,
                                           spooled.filename))
            except (zipfile.BadZipFile, TooLarge, OSError, RuntimeError, EOFError):
                for f in files:
                    discard(f.path)
                raise bad_request("File must be a valid zip archive")
            return files
    except (zipfile.BadZipFile, OSError, EOFError):
        raise bad_request("File must be a valid zip archive")


def check_batch_declared(settings, declared: list[tuple[str | None, str | None, int]]) -> None:
    """(filename, content type, size) of every file: the documented batch limits."""
    if not declared:
        raise bad_request("No files provided")
    if len(declared) > settings["batch_max_files"]:
        raise bad_request(f"Too many files: a batch takes at most {settings['batch_max_files']}")
    total = 0
    for filename, content_type, size in declared:
        try:
            uploads.check_declared(filename, content_type, uploads.BATCH_EXTENSIONS)
            uploads.check_size(size, None)
        except UploadRejected as exc:
            raise bad_request(f"{filename or 'file'}: {exc.message}")
        total += size
    if total > settings["batch_max_bytes"]:
        raise bad_request(f"Batch exceeds {settings['batch_max_bytes'] / uploads.MIB:g} MB total")


def batch_detect_options(form: dict) -> dict:
    return {"visualize": form["visualize"], "frame_length": form["frame_length"],
            "start_region": form["start_region"], "end_region": form["end_region"],
            "max_video_fps": None, "max_video_secs": form["max_video_secs"],
            "model_types": None, "intelligence": form["intelligence"],
            "audio_source_tracing": form["audio_source_tracing_enabled"],
            "use_reverse_search": False, "use_ood_detector": False,
            "zero_retention_mode": False, "callback_url": None, "pipeline": None,
            "search_identity": form["search_identity"]}


def create_batch(rt, settings, team: str, batch_files: list[BatchFile], form: dict,
                 base: str) -> dict:
    charge(rt, settings, team, len(batch_files), [{"filename": f.filename} for f in batch_files])
    batch_id = rt.ids.hex("resemble-batch")
    options = batch_detect_options(form)
    detect_ids = []
    for f in batch_files:
        info = probe(f.path, MediaLimits.from_settings(rt.settings))
        if info.kind is None:
            discard(f.path)
            media = Media(None, f.size, f.digest, f.filename, None, failure=uploads.NOT_MEDIA)
        else:
            media = Media(f.path, f.size, f.digest, f.filename, info)
        detect_ids.append(create_detect(rt, settings, team=team, media=media, options=options,
                                        base=base, batch_id=batch_id)["id"])
    doc = {"uuid": batch_id, "team": team, "created_at": iso(rt.clock.now()),
           "detect_uuids": detect_ids, "callback_url": form["callback_url"],
           "search_identity": form["search_identity"], "use_llm": form["use_llm"]}
    rt.store.put(BATCHES, batch_id, doc, scope=team)
    return doc


def find_batch(rt, team: str, raw_id: str) -> dict | None:
    batch_id = normalize_uuid(raw_id)
    if batch_id is None:
        return None
    doc = rt.store.get(BATCHES, batch_id)
    return doc if doc is not None and doc["team"] == team else None


def render_batch(rt, doc: dict) -> dict:
    completed = failed = 0
    for detect_id in doc["detect_uuids"]:
        job = rt.jobs.get(VENDOR, detect_id)
        if job is None:
            continue
        job = settle(rt, job)
        completed += job["state"] == "completed"
        failed += job["state"] == "failed"
    total = len(doc["detect_uuids"])
    status = "processing" if completed + failed < total else (
        "completed" if completed else "failed")
    return {"uuid": doc["uuid"], "status": status, "total_files": total,
            "completed_count": completed, "failed_count": failed,
            "created_at": doc["created_at"], "detect_uuids": list(doc["detect_uuids"])}


# ---- detect intelligence questions ------------------------------------------------------------

def ask(rt, settings, team: str, detect_job: dict, query: str) -> dict:
    if detect_job["state"] != "completed":
        raise error(422, NOT_COMPLETED)
    question_id = rt.ids.hex("resemble-question")
    answer = results.question_answer(render_detect(settings, detect_job), query)
    return rt.jobs.create(VENDOR, question_id, states=QUESTION_STATES, outcome="completed",
                          data={"kind": "question", "team": team, "detect_uuid": detect_job["id"],
                                "query": query, "answer": answer, "settled_at": None},
                          scope=f"question:{team}")


def find_question(rt, team: str, raw_detect: str, raw_question: str) -> dict | None:
    detect_id, question_id = normalize_uuid(raw_detect), normalize_uuid(raw_question)
    if detect_id is None or question_id is None:
        return None
    job = rt.jobs.get(VENDOR, question_id)
    if (job is None or job["data"].get("kind") != "question" or job["data"]["team"] != team
            or job["data"]["detect_uuid"] != detect_id):
        return None
    return stamp_settled(rt, rt.jobs.observe(VENDOR, question_id) or job, QUESTION_STATES)


def stamp_settled(rt, job: dict, working_states: tuple[str, ...]) -> dict:
    """Record when a finished job (a question, a watermark job) was first seen: its
    ``updated_at``. One winner across workers."""
    if job["state"] in working_states or job["data"]["settled_at"] is not None:
        return job
    now = rt.clock.now()

    def stamp(current):
        if current["data"]["settled_at"] is not None:
            return None
        current["data"]["settled_at"] = now
        return current
    rt.jobs.change(VENDOR, job["id"], stamp)
    return rt.jobs.get(VENDOR, job["id"])


def render_question(job: dict) -> dict:
    data, state = job["data"], job["state"]
    settled = data.get("settled_at")
    return {"uuid": job["id"], "detect_uuid": data["detect_uuid"], "query": data["query"],
            "answer": data["answer"] if state == "completed" else None,
            "status": state if state in ("pending", "processing", "completed") else "failed",
            "error_message": QUESTION_FAILED if state not in (
                "pending", "processing", "completed") else None,
            "created_at": iso(job["created_at"]),
            "updated_at": iso(settled if settled is not None else job["created_at"])}


# ---- callbacks ----------------------------------------------------------------------------------

def outbox(rt, settings):
    """Resemble's callbacks in the core outbox: its retry settings, allow-list and bodies."""
    retry = RetryPolicy(max_attempts=settings["callback_max_attempts"],
                        backoff=settings["callback_backoff_seconds"],
                        factor=settings["callback_backoff_factor"],
                        max_delay=settings["callback_max_delay_seconds"])
    return Outbox(rt.store, rt.clock, vendor=VENDOR, retry=retry,
                  outbound_policy=callback_policy(settings),
                  render_body=lambda delivery: callback_body(rt, settings, delivery),
                  iso=iso, journal=rt.journal)


def enqueue_callback(rt, settings, *, team: str, kind: str, ref: str, url: str) -> dict:
    return outbox(rt, settings).enqueue(rt.ids.hex("resemble-callback"), team=team, kind=kind,
                                        ref=ref, url=url)


def callback_body(rt, settings, delivery: dict) -> dict | None:
    """The body to POST once the referenced detect, batch or intelligence has finished; None
    before."""
    if delivery["kind"] == "intelligence":
        from .intelligences import callback_body as intelligence_body
        return intelligence_body(rt, delivery["ref"])
    if delivery["kind"] == "batch":
        doc = rt.store.get(BATCHES, delivery["ref"])
        if doc is None:
            return {"success": False, "message": BATCH_NOT_FOUND}
        item = render_batch(rt, doc)
        return None if item["status"] == "processing" else {"success": True, "item": item}
    job = rt.jobs.get(VENDOR, delivery["ref"])
    if job is None:
        return {"success": False, "message": DETECT_NOT_FOUND}
    if job["state"] in DETECT_STATES:
        return None
    return {"success": True, "item": render_detect(settings, settle(rt, job))}
