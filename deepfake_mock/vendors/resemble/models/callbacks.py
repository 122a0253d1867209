"""Callbacks: what Resemble POSTs to a ``callback_url`` once a detect, a batch or an
intelligence run has finished, delivered with retries by the core outbox."""

from __future__ import annotations

from ....core.outbox import Outbox
from .. import schemas
from ..errors import BATCH_NOT_FOUND, DETECT_NOT_FOUND
from . import VENDOR, batches, detects, intelligences, iso

DETECT_BODY = schemas.DetectResponse()
BATCH_BODY = schemas.BatchResponse()


def outbox(rt, config) -> Outbox:
    """Resemble's callbacks in the core outbox: its retry settings, allow-list and bodies."""
    return Outbox(rt.store, rt.clock, vendor=VENDOR, retry=config.retry_policy,
                  outbound_policy=config.callback_policy,
                  render_body=lambda delivery: body(rt, config, delivery),
                  iso=iso, journal=rt.journal)


def enqueue(rt, config, *, team: str, kind: str, ref: str, url: str) -> dict:
    """A callback to ``url`` once the ``kind`` (detect, batch, intelligence) ``ref`` finishes."""
    return outbox(rt, config).enqueue(rt.ids.hex("resemble-callback"), team=team, kind=kind,
                                      ref=ref, url=url)


def body(rt, config, delivery: dict) -> dict | None:
    """The body to POST once the referenced detect, batch or intelligence has finished (what
    its GET shows); None before."""
    if delivery["kind"] == "intelligence":
        return intelligences.callback_body(rt, delivery["ref"])
    if delivery["kind"] == "batch":
        doc = rt.store.get(batches.BATCHES, delivery["ref"])
        if doc is None:
            return {"success": False, "message": BATCH_NOT_FOUND}
        item = batches.render(rt, doc)
        return None if item["status"] == "processing" else BATCH_BODY.dump(
            {"success": True, "item": item})
    job = rt.jobs.get(VENDOR, delivery["ref"])
    if job is None:
        return {"success": False, "message": DETECT_NOT_FOUND}
    if job["state"] in detects.STATES:
        return None
    item = detects.render(config, detects.settle(rt, job))
    return DETECT_BODY.dump({"success": True, "item": item})
