"""FinAuth StarScope: the one operation of openapi/finauth.yaml, a thin view."""

from __future__ import annotations

import time
import uuid

from flask import Blueprint, request

from ...core.errors import AdminError
from ...web.uploads import spooled_file
from ...web.vendor import runtime, vendor_settings
from . import errors, media, models
from .schemas import AntiDeepfakeResponse

blueprint = Blueprint("finauth", __name__)
admin_blueprint = Blueprint("finauth_admin", __name__)
OPERATION_PATH = "/finauth/v5/anti_deepfake"

response_schema = AntiDeepfakeResponse()


@blueprint.post(OPERATION_PATH)
def anti_deepfake(ctx):
    """Signature, key status and concurrency were checked by the pipeline's auth step."""
    rt = runtime()
    config = models.current_settings(vendor_settings(), rt.store)
    data_type = models.check_data_type(request.form, config)
    field = models.upload_field(data_type)
    upload = spooled_file(field)
    if upload is None or (upload.size == 0 and not upload.filename):
        raise errors.missing_arguments(field)
    if data_type == 0:
        media.check_image(upload.path, config.media)
    else:
        media.check_video(upload.path, config.media)
    verdict = rt.verdicts.decide("finauth", upload.digest, models.OPERATION)
    processing_ms = verdict.fields.get("processing_ms")
    if processing_ms:
        time.sleep(min(float(processing_ms), 60_000) / 1000)  # simulated analysis, while in flight
    if verdict.outcome:
        raise models.outcome_error(verdict.outcome)
    score = verdict.score if verdict.score is not None else verdict.probability
    threshold = float(verdict.fields.get("threshold", config.threshold))
    body = models.success_body(request_id(ctx), ctx.elapsed_ms(), score, threshold)
    return response_schema.dump(body)


def request_id(ctx) -> str:
    """``<unix seconds>,<uuid4>``: the emulator clock, and the pipeline's request UUID."""
    return models.request_id(ctx.runtime.clock.now(), str(uuid.UUID(hex=ctx.request_id)))


# ---- vendor admin (/_admin/vendors/finauth/...) -------------------------------------------------

@admin_blueprint.errorhandler(AdminError)
def admin_error(err: AdminError):
    return {"error": err.message}, err.status


@admin_blueprint.get("/keys")
def list_keys():
    """Each key (never its secret): status, permissions, quota used, requests in flight."""
    rt = runtime()
    config = models.current_settings(rt.settings.vendor_settings("finauth"), rt.store)
    slots = models.concurrency_slots(rt)
    return {"keys": [models.key_state(rt.store, slots, config, key) for key in config.keys.values()]}


@admin_blueprint.put("/keys/<api_key>")
def put_key(api_key):
    """Add a key or change some of its fields (``secret``, ``disabled``, ``permissions``,
    ``quota``, ``allowed_ips``, ``concurrency_limit``) until the next reset."""
    rt = runtime()
    change = request.get_json(silent=True)
    if not isinstance(change, dict):
        raise AdminError("the body must be a JSON object")
    try:
        models.change_key(rt.store, rt.settings.vendor_settings("finauth"), api_key, change)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    config = models.current_settings(rt.settings.vendor_settings("finauth"), rt.store)
    return models.key_state(rt.store, models.concurrency_slots(rt), config, config.keys[api_key])


@admin_blueprint.delete("/keys/<api_key>")
def delete_key(api_key):
    """Remove a key until the next reset: its signatures then fail as an unknown key."""
    rt = runtime()
    config = models.current_settings(rt.settings.vendor_settings("finauth"), rt.store)
    if api_key not in config.keys:
        raise AdminError(f"unknown key {api_key!r}", 404)
    models.change_key(rt.store, rt.settings.vendor_settings("finauth"), api_key, None)
    return "", 204
