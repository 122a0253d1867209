"""Phonexia authenticity verification: tasks, per-channel deepfake scores, the appliance's limits.

The score is an unbounded log-likelihood ratio (> 0: likely deepfake), derived from the media's
deterministic fake-probability; a channel or time segment with less than ``min_audio_seconds`` of
audio gets ``null``, measured from the decoded audio and the requested range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...core.errors import VendorError
from ...core.media import MediaInfo
from ...core.rng import unit_interval
from ...core.spool import SpooledFile, used_bytes

VENDOR = "phonexia"
STATES = ("pending", "running")
FILE_PREFIX = "phonexia-"

# HTTP status -> (type, message). 400's message is documented; the others are the sheet's
# proposed texts or the documented response descriptions.
ERRORS = {
    400: ("request.invalid", "Invalid request."),
    403: ("request.forbidden", "Request is forbidden."),
    404: ("resource.not-found", "Resource not found."),
    405: ("method.invalid", "Invalid HTTP method."),
    413: ("request.size-limit-exceeded",
          "The request entity (payload) size exceeds the allowed limit."),
    414: ("request.uri-too-long", "The request URI is too long."),
    431: ("request.header-fields-too-large", "The request header fields are too large."),
    422: ("request.validation-error", "Request validation error."),
    429: ("request.rate-limit-exceeded", "Rate limit exceeded."),
    507: ("storage.capacity-exceeded", "The storage is full and cannot accept any data."),
    500: ("internal", "Internal error."),
}


def error(status: int, message: str | None = None, detail: list | None = None) -> VendorError:
    code, default = ERRORS.get(status, ERRORS[500])
    return VendorError(status, code, message or default, detail or [])


def problem(location: list, message: str, kind: str = "value_error") -> dict:
    """One item of a 422's ``detail``."""
    return {"location": location, "message": message, "type": kind, "context": {}}


def validation_error(location: list, message: str, kind: str = "value_error") -> VendorError:
    return error(422, detail=[problem(location, message, kind)])


@dataclass(frozen=True)
class Options:
    channels: list[int] | None
    range_from: float
    range_to: float | None
    channel_mode: str
    raw_segmentation: bool
    operations: list[str]


def available_operations(settings) -> tuple[str, ...]:
    if settings["api_version"] == "3.x":
        return ("deepfake_detection",)
    return ("deepfake_detection", "audio_manipulation_detection", "replay_attack_detection")


# ---- submit ---------------------------------------------------------------------------------

def check_storage(rt, settings, upload: SpooledFile) -> None:
    """507 when keeping this upload would pass the input-storage quota (after expired tasks
    have freed theirs), or the emulator's spool is full."""
    sweep_expired(rt, settings)
    if used_bytes(rt.spool_dir, FILE_PREFIX) + upload.size > settings["input_storage_bytes"]:
        raise error(507)
    if not rt.spool.has_room(upload.size):
        raise error(507)


def submit(rt, settings, upload: SpooledFile, info: MediaInfo, options: Options) -> dict:
    """Create the task for an accepted upload, with the outcome its processing will reach."""
    task_id = rt.ids.uuid4("phonexia-task")
    verdict = rt.verdicts.decide(VENDOR, upload.digest, "start_authenticity_verification")
    outcome, result, task_error = process(settings, info, options, verdict, rt.seed(), upload.digest)
    rt.spool.keep(upload.path, f"{FILE_PREFIX}{task_id}")
    return rt.jobs.create(VENDOR, task_id, states=STATES, outcome=outcome, data={
        "result": result, "error": task_error, "digest": upload.digest, "size": upload.size,
        "media": info.as_dict(), "options": options.__dict__})


def process(settings, info: MediaInfo, options: Options, verdict, seed: int, digest: str):
    """(outcome, result, error) of the task, decided from the real media."""
    if verdict.outcome == "failed":
        return "failed", None, {"type": "internal", "message": "Internal error.", "detail": []}
    problem = media_problem(settings, info, options)
    if verdict.outcome == "rejected" or problem:
        return "rejected", None, {"type": "task.validation-error",
                                  "message": problem or "Unsupported or corrupted media file.",
                                  "detail": []}
    result = {"deepfake_detection": {"channels": channel_scores(settings, info, options, verdict,
                                                                seed, digest)}}
    if settings["api_version"] != "3.x":
        for operation in available_operations(settings)[1:]:
            result[operation] = None  # only deepfake detection is emulated
    if "deepfake_detection" not in options.operations:
        result["deepfake_detection"] = None
    return "done", result, None


def media_problem(settings, info: MediaInfo, options: Options) -> str | None:
    if info.kind is None or not info.has_audio:
        return "Unsupported or corrupted media file."
    if info.duration > settings["max_audio_seconds"]:
        return (f"Audio is longer than the maximum allowed length of "
                f"{settings['max_audio_seconds']:g} seconds.")
    missing = [c for c in options.channels or () if c >= info.channels]
    if missing:
        return f"Channel {missing[0]} does not exist; the media has {info.channels} channel(s)."
    return None


def channel_scores(settings, info: MediaInfo, options: Options, verdict, seed: int,
                   digest: str) -> list[dict]:
    start = min(options.range_from, info.duration)
    end = info.duration if options.range_to is None else min(options.range_to, info.duration)
    enough = end - start >= settings["min_audio_seconds"]
    numbers = [0] if options.channel_mode == "mix" else (options.channels or range(info.channels))
    return [{"channel_number": n,
             "score": channel_score(verdict, seed, digest, n, options) if enough else None}
            for n in numbers]


def channel_score(verdict, seed: int, digest: str, channel: int, options: Options) -> float:
    if verdict.score is not None:
        return float(verdict.score)
    # each channel and range drifts a little around the media's verdict
    jitter = unit_interval(seed, digest, channel, options.range_from, options.range_to,
                           options.channel_mode) - 0.5
    p = min(max(verdict.probability + 0.1 * jitter, 1e-6), 1 - 1e-6)
    return round(2.0 * math.log(p / (1 - p)), 14)


# ---- poll -----------------------------------------------------------------------------------

def poll(rt, settings, task_id: str) -> dict:
    job = rt.jobs.observe(VENDOR, task_id)
    if job is None or expired(rt, settings, job):
        raise error(404, "Task not found.")
    return job


def expired(rt, settings, job: dict) -> bool:
    return rt.clock.now() - job["created_at"] > settings["retention_seconds"]


def sweep_expired(rt, settings) -> None:
    """Forget tasks past retention, and their stored uploads (which free input storage)."""
    for job in rt.jobs.list(VENDOR):
        if expired(rt, settings, job):
            rt.jobs.delete(VENDOR, job["id"])
            rt.spool.discard(f"{FILE_PREFIX}{job['id']}")


def task_body(job: dict) -> dict:
    body = {"task": {"task_id": job["id"], "state": job["state"]}}
    if job["state"] == "done":
        body["result"] = job["data"]["result"]
    elif job["state"] in ("failed", "rejected"):
        body["error"] = job["data"]["error"] or _forced_error(job["state"])
    return body


def _forced_error(state: str) -> dict:
    """The error of a task the admin API forced into failed/rejected."""
    if state == "failed":
        return {"type": "internal", "message": "Internal error.", "detail": []}
    return {"type": "task.validation-error", "message": "Unsupported or corrupted media file.",
            "detail": []}
