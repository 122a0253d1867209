"""Resemble Detect REST (api/v2): thin views, one per operationId of openapi/resemble.yaml."""

from __future__ import annotations

from flask import Blueprint, current_app, request, send_file

from ...core.spool import SpooledFile, SpoolWriter, discard
from ...web.deliveries import DeliveryWorker, worker_of
from ...web.uploads import keep, spool_bytes
from ...web.vendor import runtime
from . import errors, schemas
from .errors import bad_request, error, invalid_params
from .models import (VENDOR, authenticate as authenticate_header, batches, callbacks, detects,
                     files as served, intake, intelligences, questions, tracings, watermarks)
from .schemas import InvalidParams, load

blueprint = Blueprint("resemble", __name__)
admin_blueprint = Blueprint("resemble_admin", __name__)
API = "/api/v2"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

create_json = schemas.CreateDetectionJsonRequest()
create_form = schemas.CreateDetectionFormRequest()
batch_form = schemas.CreateDetectBatchRequest()
question_body = schemas.CreateDetectIntelligenceQuestionRequest()
intelligence_body = schemas.RunIntelligenceRequest()
watermark_detect_body = schemas.DetectWatermarkRequest()
watermark_apply_body = schemas.ApplyWatermarkRequest()
page_query = schemas.PageQuery()
detect_response = schemas.DetectResponse()
detect_page = schemas.DetectPage()
upload_response = schemas.SecureUploadResponse()
batch_response = schemas.BatchResponse()
question_response = schemas.QuestionResponse()
tracing_response = schemas.TracingResponse()
tracing_page = schemas.TracingPage()
intelligence_response = schemas.IntelligenceResponse()
accepted_intelligence = schemas.AcceptedIntelligenceResponse()
intelligence_page = schemas.IntelligencePage()
watermark_response = schemas.WatermarkResponse()


def authenticate(ctx) -> dict:
    """The descriptor's ``authenticate`` hook: the principal of the request's API token."""
    return authenticate_header(request.headers.get("Authorization"), ctx.config)


def _load(schema, data) -> dict:
    try:
        return load(schema, data)
    except InvalidParams as exc:
        raise invalid_params(exc)


def _page() -> dict:
    return _load(page_query, request.args.to_dict())


def _vendor_root() -> str:
    """The vendor's root URL on the host the client called (``http://host:port/resemble``)."""
    return request.root_url.rstrip("/") + request.path[: request.path.index(API)]


def _json_body() -> dict:
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if not isinstance(body, dict):
        raise bad_request(errors.BAD_BODY)
    return body


def _prefers_wait() -> bool:
    """``Prefer: wait`` (RFC 7240 ``wait=<seconds>`` too); other preferences are ignored."""
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            if preference.split(";", 1)[0].split("=", 1)[0].strip().lower() == "wait":
                return True
    return False


def _refuse_large_body(limit: int, message: str) -> None:
    if request.content_length is not None and request.content_length > limit + intake.FORM_SLACK:
        raise bad_request(message)


def _spooled(storage) -> SpooledFile:
    """A multipart file part on disk (werkzeug keeps parts under 500 KB in memory)."""
    if isinstance(storage.stream, SpoolWriter):
        return storage.stream.finish(storage.filename, storage.mimetype or None)
    return spool_bytes(storage.stream.read(), storage.filename, storage.mimetype or None)


def _form_fields(allowed_files: tuple[str, ...]) -> tuple[dict, dict[str, list[str]]]:
    """Text fields (first value of each) and problems with unexpected file parts."""
    form = request.form.to_dict()
    unknown = {name: ["is not a permitted parameter"] for name in request.files
               if name not in allowed_files}
    return form, unknown



def _unknown_fields(problems: dict[str, list[str]], order: tuple[str, ...] = ()):
    return invalid_params(InvalidParams(problems, order))


# ---- callbacks ----------------------------------------------------------------------------------

def delivery_worker(rt, config) -> DeliveryWorker:
    """The descriptor's ``deliveries`` hook: the app's callback worker, made on first use."""
    return DeliveryWorker(callbacks.outbox(rt, config),
                          interval=config.callback_poll_interval_seconds,
                          background=config.callback_worker)


def deliveries(rt, config) -> DeliveryWorker:
    """This app's callback worker (created on first use; its thread starts on demand)."""
    return worker_of(current_app, VENDOR, lambda: delivery_worker(rt, config))


def _callback(ctx, kind: str, ref: str, url: str) -> None:
    """POST the finished ``kind`` to ``url``: enqueued now, delivered by the worker."""
    callbacks.enqueue(ctx.runtime, ctx.config, team=ctx.principal["team"], kind=kind, ref=ref,
                      url=url)
    deliveries(ctx.runtime, ctx.config).ensure_running()


# ---- detect -------------------------------------------------------------------------------------

@blueprint.post(f"{API}/detect")
def create_detection(ctx):
    rt, config, team = ctx.runtime, ctx.config, ctx.principal["team"]
    wait = _prefers_wait()
    media, options = _incoming_media(ctx)
    try:
        intake.check_room(rt, media.new_bytes)
        detects.charge(rt, config, team, 1)
        job = detects.create(rt, config, team=team, media=media, options=options,
                             base=_vendor_root())
    except BaseException:
        media.discard_unkept()
        raise
    if options["callback_url"]:
        _callback(ctx, "detect", job["id"], options["callback_url"])
    if wait:
        job = detects.settle(rt, detects.wait_for(rt, config, job))
    return detect_response.dump({"success": True, "item": detects.render(config, job)})


def _incoming_media(ctx) -> tuple[intake.Media, dict]:
    """The one media source of a create request and its options, checked in the documented
    order: body shape and options, then exactly one source, then that source's rules."""
    rt, config = ctx.runtime, ctx.config
    upload = None
    if request.mimetype == "application/json":
        loaded = _load(create_json, _json_body())
    elif request.mimetype in FORM_TYPES:
        _refuse_large_body(config.max_upload_bytes, intake.too_large(config.max_upload_bytes))
        form, unknown = _form_fields(("file",))
        text_file = form.pop("file", None)
        try:
            loaded = load(create_form, form)
        except InvalidParams as exc:
            unknown = {**exc.errors, **unknown}
        if unknown:
            raise _unknown_fields(unknown, tuple(create_form.fields))
        storage = request.files.get("file")
        if storage is not None and (storage.filename or text_file is None):
            upload = _spooled(storage)
            if not storage.filename and upload.size == 0:
                upload = None  # an empty file input: no file chosen
        elif text_file is not None:
            upload = spool_bytes(text_file.encode(), None, None)
    elif request.content_length or request.get_data(cache=False, as_text=False):
        raise bad_request(errors.BAD_CONTENT_TYPE)
    else:
        loaded = _load(create_json, {})
    sources = [s for s in (upload is not None, loaded.get("url") is not None,
                           loaded.get("media_token") is not None) if s]
    if len(sources) != 1:
        raise bad_request(errors.ONE_SOURCE)
    options = schemas.detect_options(loaded)
    if upload is not None:
        return intake.uploaded(rt, config, upload), options
    return _media_of(ctx, loaded), options


def _media_of(ctx, loaded: dict) -> intake.Media:
    """The media a ``media_token`` or a ``url`` names."""
    if loaded.get("media_token") is not None:
        return intake.from_token(ctx.runtime, ctx.config, loaded["media_token"],
                                 ctx.principal["team"])
    return intake.from_url(ctx.runtime, ctx.config, loaded["url"])


@blueprint.get(f"{API}/detect")
def list_detections(ctx):
    query = _page()
    listed = detects.list_page(ctx.runtime, ctx.config, ctx.principal["team"], query["page"],
                               query["page_size"])
    if all(detects.finished(item) for item in listed["items"]):
        ctx.settle()
    return detect_page.dump(listed)


@blueprint.get(f"{API}/detect/<uuid>")
def get_detection(ctx, uuid: str):
    job = detects.find(ctx.runtime, ctx.principal["team"], uuid, observe=True)
    if job is None:
        raise error(404, errors.DETECT_NOT_FOUND)
    item = detects.render(ctx.config, job)
    if detects.finished(item):
        ctx.settle()
    return detect_response.dump({"success": True, "item": item})


# ---- secure uploads ----------------------------------------------------------------------------

@blueprint.post(f"{API}/secure_uploads")
def create_secure_upload(ctx):
    config = ctx.config
    if request.mimetype != "multipart/form-data":
        raise bad_request(errors.FILE_REQUIRED)
    _refuse_large_body(config.max_secure_upload_bytes,
                       f"File exceeds {config.max_secure_upload_bytes / intake.MIB:g} MB limit")
    form, unknown = _form_fields(("file",))
    unknown.update({name: ["is not a permitted parameter"] for name in form})
    if unknown:
        raise _unknown_fields(unknown)
    storage = request.files.get("file")
    if storage is None:
        raise bad_request(errors.FILE_REQUIRED)
    token = intake.create_secure_upload(ctx.runtime, config, ctx.principal["team"],
                                        _spooled(storage), keep)
    return upload_response.dump({"success": True, "token": token})


# ---- batch -------------------------------------------------------------------------------------

@blueprint.post(f"{API}/detect/batch")
def create_detect_batch(ctx):
    rt, config, team = ctx.runtime, ctx.config, ctx.principal["team"]
    if _prefers_wait():
        raise bad_request(errors.BATCH_WAIT)
    if request.mimetype != "multipart/form-data":
        raise bad_request(errors.NO_FILES)
    _refuse_large_body(config.batch_max_bytes, batches.too_large(config.batch_max_bytes))
    form, unknown = _form_fields(("files[]", "files", "file"))
    try:
        loaded = load(batch_form, form)
    except InvalidParams as exc:
        unknown = {**exc.errors, **unknown}
    if unknown:
        raise _unknown_fields(unknown, tuple(batch_form.fields))
    parts = request.files.getlist("files[]") + request.files.getlist("files")
    archive = request.files.get("file")
    if parts and archive is not None:
        raise bad_request("Send either files[] or one .zip archive as file, not both")
    if archive is not None:
        if intake.extension_of(archive.filename) != "zip":
            raise bad_request("file must be a .zip archive; send media files as files[]")
        files = batches.files_from_zip(rt, config, _spooled(archive))
    else:
        batches.check_declared(config, [(p.filename, p.mimetype or None, _size(p))
                                        for p in parts])
        files = [_spooled(part) for part in parts]
    try:
        intake.check_room(rt, sum(f.size for f in files))
        doc = batches.create(rt, config, team, files, loaded, _vendor_root())
    except BaseException:
        for f in files:
            discard(f.path)
        raise
    if loaded["callback_url"]:
        _callback(ctx, "batch", doc["uuid"], loaded["callback_url"])
    return batch_response.dump({"success": True, "item": batches.render(rt, doc)}), 202


def _size(storage) -> int:
    stream = storage.stream
    if hasattr(stream, "size"):
        return stream.size
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


@blueprint.get(f"{API}/detect/batch/<uuid>")
def get_detect_batch(ctx, uuid: str):
    doc = batches.find(ctx.runtime, ctx.principal["team"], uuid)
    if doc is None:
        raise error(404, errors.BATCH_NOT_FOUND)
    return batch_response.dump({"success": True, "item": batches.render(ctx.runtime, doc)})


# ---- detect intelligence questions --------------------------------------------------------------

@blueprint.post(f"{API}/detects/<uuid>/intelligence")
def create_detect_intelligence_question(ctx, uuid: str):
    detect = detects.find(ctx.runtime, ctx.principal["team"], uuid)
    if detect is None:
        raise error(404, errors.DETECT_NOT_FOUND)
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if body is None and request.mimetype in FORM_TYPES:
        body = request.form.to_dict()
    loaded = _load(question_body, body if isinstance(body, dict) else {})
    job = questions.ask(ctx.runtime, ctx.config, ctx.principal["team"], detect, loaded["query"])
    return question_response.dump({"success": True, "item": questions.render(job)}), 202


@blueprint.get(f"{API}/detects/<uuid>/intelligence/<question_uuid>")
def get_detect_intelligence_question(ctx, uuid: str, question_uuid: str):
    job = questions.find(ctx.runtime, ctx.principal["team"], uuid, question_uuid)
    if job is None:
        raise error(404, errors.QUESTION_NOT_FOUND)
    return question_response.dump({"success": True, "item": questions.render(job)})


# ---- audio source tracings and intelligences ----------------------------------------------------

def _records(ctx, resource, page_schema):
    """A page of the team's records of a resource (tracings, intelligences)."""
    query = _page()
    return page_schema.dump(resource.list_page(ctx.runtime, ctx.principal["team"],
                                               query["page"], query["page_size"]))


def _record(ctx, resource, uuid: str, response_schema):
    """One record of the team's, or the vendor's 404 with ``item: null``."""
    record = resource.find(ctx.runtime, ctx.principal["team"], uuid)
    if record is None:
        raise error(404, errors.NOT_FOUND, item=None)
    return response_schema.dump({"success": True, "item": record})


@blueprint.get(f"{API}/audio_source_tracings")
def list_audio_source_tracings(ctx):
    return _records(ctx, tracings, tracing_page)


@blueprint.get(f"{API}/audio_source_tracings/<uuid>")
def get_audio_source_tracing(ctx, uuid: str):
    return _record(ctx, tracings, uuid, tracing_response)


@blueprint.get(f"{API}/intelligences")
def list_intelligences(ctx):
    return _records(ctx, intelligences, intelligence_page)


@blueprint.get(f"{API}/intelligences/<uuid>")
def get_intelligence(ctx, uuid: str):
    return _record(ctx, intelligences, uuid, intelligence_response)


@blueprint.post(f"{API}/intelligence")
def run_intelligence(ctx):
    rt, team = ctx.runtime, ctx.principal["team"]
    loaded = _load(intelligence_body, _json_body())
    if (loaded["url"] is None) == (loaded["media_token"] is None):
        raise bad_request(errors.ONE_INTELLIGENCE_SOURCE)
    detect = intelligences.associated_detect(rt, team, loaded["detect_id"])
    media = _media_of(ctx, loaded)
    asynchronous = loaded["callback_url"] is not None
    record = intelligences.run(rt, team=team, media=media, loaded=loaded, detect=detect,
                               asynchronous=asynchronous)
    if not asynchronous:
        return intelligence_response.dump({"success": True, "item": record})
    _callback(ctx, "intelligence", record["uuid"], loaded["callback_url"])
    return accepted_intelligence.dump({"success": True, "item": record}), 202


# ---- watermarks (beta) ------------------------------------------------------------------------

def _watermark_request(schema) -> dict:
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if not isinstance(body, dict):
        raise watermarks.failure(errors.BAD_BODY)
    try:
        return load(schema, body)
    except InvalidParams as exc:
        raise invalid_params(exc, error=exc.message)


def _watermark_answer(ctx, job: dict):
    if _prefers_wait():
        job = watermarks.settle(ctx.runtime, detects.wait_for(ctx.runtime, ctx.config, job))
    return watermark_response.dump({"success": True, "item": watermarks.render(job)})


def _watermark_result(ctx, uuid: str, kind: str):
    job = watermarks.find(ctx.runtime, ctx.principal["team"], uuid, kind)
    if job is None:
        raise watermarks.failure(errors.NOT_FOUND, 404)
    return watermark_response.dump({"success": True, "item": watermarks.render(job)})


@blueprint.post(f"{API}/watermark/detect")
def detect_watermark(ctx):
    loaded = _watermark_request(watermark_detect_body)
    return _watermark_answer(ctx, watermarks.detect(ctx.runtime, ctx.config, ctx.principal["team"],
                                                    loaded["url"], loaded["custom_message"]))


@blueprint.get(f"{API}/watermark/detect/<uuid>/result")
def get_watermark_detection_result(ctx, uuid: str):
    return _watermark_result(ctx, uuid, watermarks.DETECT)


@blueprint.post(f"{API}/watermark/apply")
def apply_watermark(ctx):
    loaded = _watermark_request(watermark_apply_body)
    return _watermark_answer(ctx, watermarks.apply(ctx.runtime, ctx.config, ctx.principal["team"],
                                                   loaded["url"], loaded["custom_message"],
                                                   _vendor_root()))


@blueprint.get(f"{API}/watermark/apply/<uuid>/result")
def get_watermark_apply_result(ctx, uuid: str):
    return _watermark_result(ctx, uuid, watermarks.APPLY)


# ---- files served at the emulator's own URLs (no token: the vendor's are signed URLs) --------

@blueprint.get("/files/<owner>/<name>")
def get_file(ctx, owner: str, name: str):
    found = served.find(ctx.runtime, owner, name)
    if found is None:
        raise error(404, errors.NOT_FOUND)
    content, mimetype = found
    if isinstance(content, bytes):
        return current_app.response_class(content, mimetype=mimetype)
    return send_file(content, mimetype=mimetype)


# ---- vendor admin: callback deliveries (/_admin/vendors/resemble/...) ---------------------------

def _outbox():
    rt = runtime()
    return deliveries(rt, rt.settings.vendors[VENDOR]).outbox


@admin_blueprint.get("/callbacks")
def list_callbacks():
    """Every callback delivery with its attempts, oldest first."""
    return {"callbacks": _outbox().list()}


@admin_blueprint.post("/callbacks/run")
def run_callbacks():
    """One delivery pass now (promote finished jobs, make every due attempt)."""
    outbox = _outbox()
    attempts = outbox.run_once()
    return {"attempts": attempts, "callbacks": outbox.list()}
