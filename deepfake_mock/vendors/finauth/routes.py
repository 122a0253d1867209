"""The ``anti_deepfake`` view, the authentication hook that reads its form, and the vendor's
admin routes (keys)."""

from __future__ import annotations

import time

from flask import Blueprint, request

from ...core.errors import AdminError
from ...web.uploads import spooled_file
from ...web.vendor import runtime
from . import errors, media_rules, models
from .schemas import AntiDeepfakeResponse

blueprint = Blueprint("finauth", __name__)
admin_blueprint = Blueprint("finauth_admin", __name__)
OPERATION_PATH = "/finauth/v5/anti_deepfake"

response_schema = AntiDeepfakeResponse()


def authenticate(ctx) -> dict:
    """The form's ``sign`` and ``sign_version``, the signature, then the key. The principal
    carries the key's concurrency limit for ``models.acquire``."""
    rt, config = ctx.runtime, ctx.config
    sign = models.check_sign_fields(request.form, config)
    now = rt.clock.now()
    key = models.authenticate(sign, models.keys_in_effect(config, rt.store), config, now,
                              request.remote_addr, models.store_hooks(rt.store, now))
    return {"credential": key.api_key, "concurrency_limit": config.concurrency_limit_for(key)}


@blueprint.post(OPERATION_PATH)
def anti_deepfake(ctx):
    """Signature, key status and concurrency were checked by the pipeline's auth step."""
    rt, config = ctx.runtime, ctx.config
    data_type = models.check_data_type(request.form, config)
    field = models.upload_field(data_type)
    upload = spooled_file(field)
    if upload is None or (upload.size == 0 and not upload.filename):
        raise errors.missing_arguments(field)
    if data_type == 0:
        media_rules.check_image(upload.path, upload.size, config)
    else:
        media_rules.check_video(upload.path, upload.size, config,
                                rt.media_limits)
    verdict = rt.verdicts.decide("finauth", upload.digest, models.OPERATION)
    processing_ms = verdict.fields.get("processing_ms")
    if processing_ms:
        time.sleep(min(float(processing_ms), 60_000) / 1000)  # simulated analysis, while in flight
    if verdict.outcome:
        raise models.outcome_error(verdict.outcome)
    score = verdict.score if verdict.score is not None else verdict.probability
    threshold = float(verdict.fields.get("threshold", config.threshold))
    return response_schema.dump(
        models.analysis(errors.request_id(ctx), ctx.elapsed_ms(), score, threshold))


# ---- vendor admin (/_admin/vendors/finauth/...) -------------------------------------------------

@admin_blueprint.errorhandler(AdminError)
def admin_error(err: AdminError):
    return {"error": err.message}, err.status


@admin_blueprint.get("/keys")
def list_keys():
    """Each key (never its secret): status, permissions, quota used, requests in flight."""
    rt = runtime()
    config = rt.settings.vendors["finauth"]
    slots = models.concurrency_slots(rt)
    return {"keys": [models.key_state(rt.store, slots, config, key)
                     for key in models.keys_in_effect(config, rt.store).values()]}


@admin_blueprint.put("/keys/<api_key>")
def put_key(api_key):
    """Add a key or change some of its fields (``secret``, ``disabled``, ``permissions``,
    ``quota``, ``allowed_ips``, ``concurrency_limit``) until the next reset."""
    rt = runtime()
    config = rt.settings.vendors["finauth"]
    change = request.get_json(silent=True)
    if not isinstance(change, dict):
        raise AdminError("the body must be a JSON object")
    try:
        key = models.change_key(rt.store, config, api_key, change)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    return models.key_state(rt.store, models.concurrency_slots(rt), config, key)


@admin_blueprint.delete("/keys/<api_key>")
def delete_key(api_key):
    """Remove a key until the next reset: its signatures then fail as an unknown key."""
    rt = runtime()
    config = rt.settings.vendors["finauth"]
    if api_key not in models.keys_in_effect(config, rt.store):
        raise AdminError(f"unknown key {api_key!r}", 404)
    models.change_key(rt.store, config, api_key, None)
    return "", 204
