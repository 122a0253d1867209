"""Phonexia authenticity verification: tasks, per-channel deepfake scores, the appliance's limits.

The score is an unbounded log-likelihood ratio (> 0: likely deepfake), derived from the media's
deterministic fake-probability; a channel or time segment with less than ``min_audio_seconds`` of
audio gets ``null``, measured from the decoded audio and the requested range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...core.media import MediaInfo
from ...core.rng import unit_interval
from ...core.spool import SpooledFile, used_bytes
from .config import PhonexiaConfig
from .errors import TASK_NOT_FOUND, UNREADABLE_MEDIA, error, task_error

VENDOR = "phonexia"
STATES = ("pending", "running")
FILE_PREFIX = "phonexia-"


@dataclass(frozen=True)
class Options:
    channels: list[int] | None
    range_from: float
    range_to: float | None
    channel_mode: str
    raw_segmentation: bool
    operations: list[str]


# ---- submit ---------------------------------------------------------------------------------

def check_storage(rt, config: PhonexiaConfig, upload: SpooledFile) -> None:
    """507 when keeping this upload would pass the input-storage quota (after expired tasks
    have freed theirs), or the emulator's spool is full."""
    sweep_expired(rt, config)
    if used_bytes(rt.spool_dir, FILE_PREFIX) + upload.size > config.input_storage_bytes:
        raise error(507)
    if not rt.spool.has_room(upload.size):
        raise error(507)


def submit(rt, config: PhonexiaConfig, upload: SpooledFile, info: MediaInfo,
           options: Options) -> dict:
    """Create the task for an accepted upload, with the outcome its processing will reach."""
    task_id = rt.ids.uuid4("phonexia-task")
    verdict = rt.verdicts.decide(VENDOR, upload.digest, "start_authenticity_verification")
    outcome, result, failure = process(config, info, options, verdict, rt.seed(), upload.digest)
    rt.spool.keep(upload.path, f"{FILE_PREFIX}{task_id}")
    return rt.jobs.create(VENDOR, task_id, states=STATES, outcome=outcome, data={
        "result": result, "error": failure, "digest": upload.digest, "size": upload.size,
        "media": info.as_dict(), "options": options.__dict__})


def process(config: PhonexiaConfig, info: MediaInfo, options: Options, verdict, seed: int,
            digest: str):
    """(outcome, result, error) of the task, decided from the real media."""
    if verdict.outcome == "failed":
        return "failed", None, task_error("failed")
    problem = media_problem(config, info, options)
    if verdict.outcome == "rejected" or problem:
        return "rejected", None, task_error("rejected", problem)
    result = {"deepfake_detection": {"channels": channel_scores(config, info, options, verdict,
                                                                seed, digest)}}
    for operation in config.operations[1:]:
        result[operation] = None  # only deepfake detection is emulated
    if "deepfake_detection" not in options.operations:
        result["deepfake_detection"] = None
    return "done", result, None


def media_problem(config: PhonexiaConfig, info: MediaInfo, options: Options) -> str | None:
    if info.kind is None or not info.has_audio:
        return UNREADABLE_MEDIA
    if info.duration > config.max_audio_seconds:
        return (f"Audio is longer than the maximum allowed length of "
                f"{config.max_audio_seconds:g} seconds.")
    missing = [c for c in options.channels or () if c >= info.channels]
    if missing:
        return f"Channel {missing[0]} does not exist; the media has {info.channels} channel(s)."
    return None


def channel_scores(config: PhonexiaConfig, info: MediaInfo, options: Options, verdict,
                   seed: int, digest: str) -> list[dict]:
    start = min(options.range_from, info.duration)
    end = info.duration if options.range_to is None else min(options.range_to, info.duration)
    enough = end - start >= config.min_audio_seconds
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

def poll(rt, config: PhonexiaConfig, task_id: str) -> dict:
    job = rt.jobs.observe(VENDOR, task_id)
    if job is None or expired(rt, config, job):
        raise error(404, TASK_NOT_FOUND)
    return job


def expired(rt, config: PhonexiaConfig, job: dict) -> bool:
    return rt.clock.now() - job["created_at"] > config.retention_seconds


def sweep_expired(rt, config: PhonexiaConfig) -> None:
    """Forget tasks past retention, and their stored uploads (which free input storage)."""
    for job in rt.jobs.list(VENDOR):
        if expired(rt, config, job):
            rt.jobs.delete(VENDOR, job["id"])
            rt.spool.discard(f"{FILE_PREFIX}{job['id']}")


def task_body(job: dict) -> dict:
    body = {"task": {"task_id": job["id"], "state": job["state"]}}
    if job["state"] == "done":
        body["result"] = job["data"]["result"]
    elif job["state"] in ("failed", "rejected"):
        # a task the admin API forced into failed/rejected has no error of its own
        body["error"] = job["data"]["error"] or task_error(job["state"])
    return body
