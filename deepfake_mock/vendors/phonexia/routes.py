"""Phonexia Speech Platform 4 REST: authenticity verification and system endpoints."""

from __future__ import annotations

import uuid

from flask import Blueprint, request, url_for
from marshmallow import ValidationError

from ... import __version__
from ...core import jsonbody
from ...core.media import probe
from ...web.uploads import spooled_file
from . import models
from .config import PhonexiaConfig
from .errors import UNREADABLE_MEDIA, error, problem, validation_error
from .models import Options
from .schemas import (GetAuthenticityVerificationResponse, StartAuthenticityVerificationConfig,
                      StartAuthenticityVerificationQuery, StartAuthenticityVerificationResponse)

blueprint = Blueprint("phonexia", __name__)
AV_PATH = "/api/technology/experimental/authenticity-verification"
AV_ALIAS_PATH = "/api/technology/authenticity-verification"

query_schema = StartAuthenticityVerificationQuery()
config_schema = StartAuthenticityVerificationConfig()
start_response = StartAuthenticityVerificationResponse()
task_response = GetAuthenticityVerificationResponse()


@blueprint.post(AV_PATH)
def start_authenticity_verification(ctx):
    rt, config = ctx.runtime, ctx.config
    if not config.licensed:
        raise error(403)
    form = _multipart_form()
    options = _options(config, form.get("config"))
    upload = spooled_file("file")
    if upload is None or (not upload.filename and upload.size == 0 and "file" not in request.files):
        raise validation_error(["body", "file"], "Field required", "missing")
    if upload.size == 0:
        raise validation_error(["body", "file"], "The uploaded file is empty.")
    info = probe(upload.path, rt.media_limits, decode_images=False)
    if not info.has_audio and config.reject_unreadable_media == "on_submit":
        raise validation_error(["body", "file"], UNREADABLE_MEDIA)
    models.check_storage(rt, config, upload)
    job = models.submit(rt, config, upload, info, options)
    location = url_for(".get_authenticity_verification", task_id=job["id"])
    headers = {"X-Location": location}
    if config.location_header:
        headers["Location"] = location
    return start_response.dump({"task": {"task_id": job["id"], "state": "pending"}}), 202, headers


def get_authenticity_verification(ctx, task_id: str):
    try:
        uuid.UUID(task_id)
    except ValueError:
        raise validation_error(["path", "task_id"], "Input should be a valid UUID.", "uuid_parsing")
    job = models.poll(ctx.runtime, ctx.config, task_id)
    if job["state"] == job["outcome"]:  # finished: the same answer until the task expires
        ctx.settle(until=job["created_at"] + ctx.config.retention_seconds)
    return task_response.dump(models.task_body(job))


blueprint.add_url_rule(f"{AV_PATH}/<task_id>", "get_authenticity_verification",
                       get_authenticity_verification, methods=["GET"])
blueprint.add_url_rule(f"{AV_ALIAS_PATH}/<task_id>", "get_authenticity_verification_alias",
                       get_authenticity_verification, methods=["GET"])


@blueprint.get("/api/system/info")
def get_system_info(ctx):
    return {"version": ctx.config.version or __version__}


@blueprint.get("/api/system/status")
def get_system_status(ctx):
    return {"status": "ok"}


def _multipart_form():
    """The parsed multipart form; 400 when the body is not multipart or cannot be parsed."""
    if request.mimetype != "multipart/form-data" or not request.mimetype_params.get("boundary"):
        raise error(400)
    if not request.files and not request.form and (request.content_length or 0) > 0:
        raise error(400)
    return request.form


def _options(config: PhonexiaConfig, raw_config: str | None) -> Options:
    try:
        query = query_schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise _validation(exc, "query")
    operations = list(config.operations)
    if raw_config is not None:
        try:
            requested = jsonbody.loads(raw_config)
        except ValueError:
            raise error(400)
        if not isinstance(requested, dict):
            raise error(400)
        try:
            loaded = config_schema.load(requested)
        except ValidationError as exc:
            raise _validation(exc, "body", "config")
        if loaded["operations"] is not None:
            unavailable = [o for o in loaded["operations"] if o not in operations]
            if unavailable:
                raise validation_error(["body", "config", "operations"],
                                       f"Operation {unavailable[0]!r} is not available.")
            operations = loaded["operations"]
    return Options(operations=operations, **query)


def _validation(exc: ValidationError, *where: str):
    detail = []
    for name, messages in exc.normalized_messages().items():
        for message in messages if isinstance(messages, list) else [str(messages)]:
            detail.append(problem([*where, name], str(message)))
    return error(422, detail=detail)
