"""Batches: up to the documented number of files (``files[]``, or one .zip archive) in one
request, each a detect of its own; the batch's status follows its detects'."""

from __future__ import annotations

import os
import zipfile

from ....core.media import probe
from ....core.spool import SpooledFile, SpoolWriter, TooLarge, discard
from ..errors import BAD_ZIP, NO_FILES, bad_request
from . import VENDOR, detects, intake, iso, normalize_uuid
from .intake import Media, UploadRejected

BATCHES = "resemble_batches"


def files_from_zip(rt, config, archive: SpooledFile) -> list[SpooledFile]:
    """Members of one .zip, checked against the batch limits before anything is extracted."""
    try:
        with zipfile.ZipFile(archive.path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()
                       and not m.filename.startswith("__MACOSX/")
                       and not os.path.basename(m.filename).startswith(".")]
            check_declared(config, [(m.filename, None, m.file_size) for m in members])
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
                    files.append(writer.finish(os.path.basename(m.filename)))
                    writer.close()
            except (zipfile.BadZipFile, TooLarge, OSError, RuntimeError, EOFError):
                for f in files:
                    discard(f.path)
                raise bad_request(BAD_ZIP)
            return files
    except (zipfile.BadZipFile, OSError, EOFError):
        raise bad_request(BAD_ZIP)


def too_large(limit: int) -> str:
    return f"Batch exceeds {limit / intake.MIB:g} MB total"


def check_declared(config, declared: list[tuple[str | None, str | None, int]]) -> None:
    """(filename, content type, size) of every file: the documented batch limits."""
    if not declared:
        raise bad_request(NO_FILES)
    if len(declared) > config.batch_max_files:
        raise bad_request(f"Too many files: a batch takes at most {config.batch_max_files}")
    total = 0
    for filename, content_type, size in declared:
        try:
            intake.check_declared(filename, content_type, intake.BATCH_EXTENSIONS)
            intake.check_size(size, None)
        except UploadRejected as exc:
            raise bad_request(f"{filename or 'file'}: {exc.message}")
        total += size
    if total > config.batch_max_bytes:
        raise bad_request(too_large(config.batch_max_bytes))


def detect_options(form: dict) -> dict:
    """The options of each detect of a batch, from the batch's form."""
    return {"visualize": form["visualize"], "frame_length": form["frame_length"],
            "start_region": form["start_region"], "end_region": form["end_region"],
            "max_video_fps": None, "max_video_secs": form["max_video_secs"],
            "model_types": None, "intelligence": form["intelligence"],
            "audio_source_tracing": form["audio_source_tracing_enabled"],
            "use_reverse_search": False, "use_ood_detector": False,
            "zero_retention_mode": False, "callback_url": None, "pipeline": None,
            "search_identity": form["search_identity"]}


def create(rt, config, team: str, batch_files: list[SpooledFile], form: dict,
           base: str) -> dict:
    """Charge for every file, then one detect per file (failed if it is not media)."""
    detects.charge(rt, config, team, len(batch_files),
                   [{"filename": f.filename} for f in batch_files])
    batch_id = rt.ids.hex("resemble-batch")
    options = detect_options(form)
    detect_ids = []
    for f in batch_files:
        info = probe(f.path, rt.media_limits)
        if info.kind is None:
            discard(f.path)
            media = Media(None, f.size, f.digest, f.filename, None, failure=intake.NOT_MEDIA)
        else:
            media = Media(f.path, f.size, f.digest, f.filename, info)
        detect_ids.append(detects.create(rt, config, team=team, media=media, options=options,
                                         base=base, batch_id=batch_id)["id"])
    doc = {"uuid": batch_id, "team": team, "created_at": iso(rt.clock.now()),
           "detect_uuids": detect_ids, "callback_url": form["callback_url"],
           "search_identity": form["search_identity"], "use_llm": form["use_llm"]}
    rt.store.put(BATCHES, batch_id, doc, scope=team)
    return doc


def find(rt, team: str, raw_id: str) -> dict | None:
    batch_id = normalize_uuid(raw_id)
    if batch_id is None:
        return None
    doc = rt.store.get(BATCHES, batch_id)
    return doc if doc is not None and doc["team"] == team else None


def render(rt, doc: dict) -> dict:
    """The batch item: processing until every detect has finished, then completed if any did."""
    completed = failed = 0
    for detect_id in doc["detect_uuids"]:
        job = rt.jobs.get(VENDOR, detect_id)
        if job is None:
            continue
        job = detects.settle(rt, job)
        completed += job["state"] == "completed"
        failed += job["state"] == "failed"
    total = len(doc["detect_uuids"])
    status = "processing" if completed + failed < total else (
        "completed" if completed else "failed")
    return {"uuid": doc["uuid"], "status": status, "total_files": total,
            "completed_count": completed, "failed_count": failed,
            "created_at": doc["created_at"], "detect_uuids": list(doc["detect_uuids"])}
