"""Resemble Detect REST (api/v2): thin views, one per operationId of openapi/resemble.yaml."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, request, send_file

from ...core.spool import SpooledFile, discard
from ...web.deliveries import DeliveryWorker, worker_of
from ...web.uploads import keep, spool_bytes
from ...web.vendor import principal, runtime, vendor_settings
from . import files as served
from . import intelligences, models, schemas, watermarks
from .models import Media, bad_request, error
from .schemas import InvalidParams, load

blueprint = Blueprint("resemble", __name__)
admin_blueprint = Blueprint("resemble_admin", __name__)
API = "/api/v2"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
FORM_SLACK = 1 << 20   # multipart framing and option fields beside a file at the size cap

create_json = schemas.CreateDetectionJsonRequest()
create_form = schemas.CreateDetectionFormRequest()
batch_form = schemas.CreateDetectBatchRequest()
question_body = schemas.CreateDetectIntelligenceQuestionRequest()
intelligence_body = schemas.RunIntelligenceRequest()
watermark_detect_body = schemas.DetectWatermarkRequest()
watermark_apply_body = schemas.ApplyWatermarkRequest()
page_query = schemas.PageQuery()
detect_response = schemas.CreateDetectionResponse()
page_response = schemas.PageResponse()
upload_response = schemas.CreateSecureUploadResponse()
item_response = schemas.ItemResponse()


def _load(schema, data) -> dict:
    try:
        return load(schema, data)
    except InvalidParams as exc:
        raise bad_request(exc.message, errors=exc.errors)


def _team() -> str:
    return principal()["team"]


def _page() -> dict:
    return _load(page_query, request.args.to_dict())


def _vendor_root() -> str:
    """The vendor's root URL on the host the client called (``http://host:port/resemble``)."""
    return request.root_url.rstrip("/") + request.path[: request.path.index(API)]


def _json_body() -> dict:
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if not isinstance(body, dict):
        raise bad_request(models.BAD_BODY)
    return body


def _prefers_wait() -> bool:
    """``Prefer: wait`` (RFC 7240 ``wait=<seconds>`` too); other preferences are ignored."""
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            if preference.split(";", 1)[0].split("=", 1)[0].strip().lower() == "wait":
                return True
    return False


def _refuse_large_body(limit: int, message: str) -> None:
    if request.content_length is not None and request.content_length > limit + FORM_SLACK:
        raise bad_request(message)


def _spooled(storage) -> SpooledFile:
    """A multipart file part on disk (werkzeug keeps parts under 500 KB in memory)."""
    from ...core.spool import SpoolWriter

    if isinstance(storage.stream, SpoolWriter):
        return storage.stream.finish(storage.filename, storage.mimetype or None)
    return spool_bytes(storage.stream.read(), storage.filename, storage.mimetype or None)


def _form_fields(allowed_files: tuple[str, ...]) -> tuple[dict, dict[str, list[str]]]:
    """Text fields (first value of each) and problems with unexpected file parts."""
    form = request.form.to_dict()
    unknown = {name: ["is not a permitted parameter"] for name in request.files
               if name not in allowed_files}
    return form, unknown


# ---- callbacks ----------------------------------------------------------------------------------

def delivery_worker(rt, config) -> DeliveryWorker:
    """The descriptor's ``deliveries`` hook: the app's callback worker, made on first use."""
    settings = asdict(config)
    return DeliveryWorker(models.outbox(rt, settings),
                          interval=config.callback_poll_interval_seconds,
                          background=config.callback_worker)


def deliveries() -> DeliveryWorker:
    """This app's callback worker (created on first use; its thread starts on demand)."""
    rt = runtime()
    return worker_of(current_app, models.VENDOR,
                     lambda: delivery_worker(rt, rt.settings.vendors[models.VENDOR]))


def _kick_worker() -> None:
    deliveries().ensure_running()


# ---- detect -------------------------------------------------------------------------------------

@blueprint.post(f"{API}/detect")
def create_detection():
    rt, settings, team = runtime(), vendor_settings(), _team()
    wait = _prefers_wait()
    media = _incoming_media(rt, settings, team)
    options = media.options
    try:
        models.check_room(rt, models.new_bytes(media.media))
        models.charge(rt, settings, team, 1)
        job = models.create_detect(rt, settings, team=team, media=media.media, options=options,
                                   base=_vendor_root())
    except BaseException:
        if media.media.path and media.media.upload_id is None:
            discard(media.media.path)
        raise
    if options["callback_url"]:
        models.enqueue_callback(rt, settings, team=team, kind="detect", ref=job["id"],
                                url=options["callback_url"])
        _kick_worker()
    if wait:
        job = models.settle(rt, models.wait_for(rt, settings, job))
    return detect_response.dump({"success": True, "item": models.render_detect(settings, job)})


class _Incoming:
    def __init__(self, media: Media, options: dict):
        self.media = media
        self.options = options


def _incoming_media(rt, settings, team: str) -> _Incoming:
    """The options and the one media source of a create request, checked in the documented
    order: body shape and options, then exactly one source, then that source's rules."""
    upload = None
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise bad_request(models.BAD_BODY)
        loaded = _load(create_json, body)
    elif request.mimetype in FORM_TYPES:
        _refuse_large_body(settings["max_upload_bytes"], models.uploads.too_large(
            settings["max_upload_bytes"]))
        form, unknown = _form_fields(("file",))
        text_file = form.pop("file", None)
        try:
            loaded = load(create_form, form)
        except InvalidParams as exc:
            unknown = {**exc.errors, **unknown}
        if unknown:
            exc = InvalidParams(unknown, tuple(create_form.fields))
            raise bad_request(exc.message, errors=exc.errors)
        storage = request.files.get("file")
        if storage is not None and (storage.filename or text_file is None):
            upload = _spooled(storage)
            if not storage.filename and upload.size == 0:
                upload = None  # an empty file input: no file chosen
        elif text_file is not None:
            upload = spool_bytes(text_file.encode(), None, None)
    elif request.content_length or request.get_data(cache=False, as_text=False):
        raise bad_request(models.BAD_CONTENT_TYPE)
    else:
        loaded = _load(create_json, {})
    sources = [s for s in (upload is not None, loaded.get("url") is not None,
                           loaded.get("media_token") is not None) if s]
    if len(sources) != 1:
        raise bad_request(models.ONE_SOURCE)
    options = schemas.detect_options(loaded)
    if upload is not None:
        info = models.check_file(rt, upload, settings)
        media = Media(upload.path, upload.size, upload.digest, upload.filename, info)
    elif loaded.get("media_token") is not None:
        media = models.media_from_token(rt, settings, loaded["media_token"], team)
    else:
        media = models.media_from_url(rt, settings, loaded["url"])
    return _Incoming(media, options)


@blueprint.get(f"{API}/detect")
def list_detections():
    query = _page()
    return page_response.dump(models.list_detects(runtime(), vendor_settings(), _team(),
                                                  query["page"], query["page_size"]))


@blueprint.get(f"{API}/detect/<uuid>")
def get_detection(uuid: str):
    rt = runtime()
    job = models.find_detect(rt, _team(), uuid, observe=True)
    if job is None:
        raise error(404, models.DETECT_NOT_FOUND)
    return detect_response.dump({"success": True,
                                 "item": models.render_detect(vendor_settings(), job)})


# ---- secure uploads ----------------------------------------------------------------------------

@blueprint.post(f"{API}/secure_uploads")
def create_secure_upload():
    rt, settings = runtime(), vendor_settings()
    if request.mimetype != "multipart/form-data":
        raise bad_request("file is required")
    _refuse_large_body(settings["max_secure_upload_bytes"],
                       f"File exceeds {settings['max_secure_upload_bytes'] / models.uploads.MIB:g}"
                       " MB limit")
    form, unknown = _form_fields(("file",))
    unknown.update({name: ["is not a permitted parameter"] for name in form})
    if unknown:
        exc = InvalidParams(unknown)
        raise bad_request(exc.message, errors=exc.errors)
    storage = request.files.get("file")
    if storage is None:
        raise bad_request("file is required")
    token = models.create_secure_upload(rt, settings, _team(), _spooled(storage), keep)
    return upload_response.dump({"success": True, "token": token})


# ---- batch -------------------------------------------------------------------------------------

@blueprint.post(f"{API}/detect/batch")
def create_detect_batch():
    rt, settings, team = runtime(), vendor_settings(), _team()
    if _prefers_wait():
        raise bad_request(models.BATCH_WAIT)
    if request.mimetype != "multipart/form-data":
        raise bad_request("No files provided")
    _refuse_large_body(settings["batch_max_bytes"],
                       f"Batch exceeds {settings['batch_max_bytes'] / models.uploads.MIB:g} MB total")
    form, unknown = _form_fields(("files[]", "files", "file"))
    try:
        loaded = load(batch_form, form)
    except InvalidParams as exc:
        unknown = {**exc.errors, **unknown}
    if unknown:
        exc = InvalidParams(unknown, tuple(batch_form.fields))
        raise bad_request(exc.message, errors=exc.errors)
    parts = request.files.getlist("files[]") + request.files.getlist("files")
    archive = request.files.get("file")
    if parts and archive is not None:
        raise bad_request("Send either files[] or one .zip archive as file, not both")
    if archive is not None:
        if models.uploads.extension_of(archive.filename) != "zip":
            raise bad_request("file must be a .zip archive; send media files as files[]")
        files = models.batch_files_from_zip(rt, settings, _spooled(archive))
    else:
        models.check_batch_declared(settings, [(p.filename, p.mimetype or None, _size(p))
                                               for p in parts])
        files = []
        for part in parts:
            spooled = _spooled(part)
            files.append(models.BatchFile(spooled.path, spooled.size, spooled.digest,
                                          spooled.filename))
    try:
        models.check_room(rt, sum(f.size for f in files))
        doc = models.create_batch(rt, settings, team, files, loaded, _vendor_root())
    except BaseException:
        for f in files:
            discard(f.path)
        raise
    if loaded["callback_url"]:
        models.enqueue_callback(rt, settings, team=team, kind="batch", ref=doc["uuid"],
                                url=loaded["callback_url"])
        _kick_worker()
    return item_response.dump({"success": True, "item": models.render_batch(rt, doc)}), 202


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
def get_detect_batch(uuid: str):
    rt = runtime()
    doc = models.find_batch(rt, _team(), uuid)
    if doc is None:
        raise error(404, models.BATCH_NOT_FOUND)
    return item_response.dump({"success": True, "item": models.render_batch(rt, doc)})


# ---- detect intelligence questions --------------------------------------------------------------

@blueprint.post(f"{API}/detects/<uuid>/intelligence")
def create_detect_intelligence_question(uuid: str):
    rt, settings, team = runtime(), vendor_settings(), _team()
    detect = models.find_detect(rt, team, uuid)
    if detect is None:
        raise error(404, models.DETECT_NOT_FOUND)
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if body is None and request.mimetype in FORM_TYPES:
        body = request.form.to_dict()
    loaded = _load(question_body, body if isinstance(body, dict) else {})
    job = models.ask(rt, settings, team, detect, loaded["query"])
    return item_response.dump({"success": True, "item": models.render_question(job)}), 202


@blueprint.get(f"{API}/detects/<uuid>/intelligence/<question_uuid>")
def get_detect_intelligence_question(uuid: str, question_uuid: str):
    job = models.find_question(runtime(), _team(), uuid, question_uuid)
    if job is None:
        raise error(404, models.QUESTION_NOT_FOUND)
    return item_response.dump({"success": True, "item": models.render_question(job)})


# ---- audio source tracings and intelligences ----------------------------------------------------

@blueprint.get(f"{API}/audio_source_tracings")
def list_audio_source_tracings():
    query = _page()
    return page_response.dump(models.list_records(runtime(), models.TRACINGS, _team(),
                                                  query["page"], query["page_size"]))


@blueprint.get(f"{API}/audio_source_tracings/<uuid>")
def get_audio_source_tracing(uuid: str):
    record = models.get_record(runtime(), models.TRACINGS, _team(), uuid)
    if record is None:
        raise error(404, "Not found", item=None)
    return item_response.dump({"success": True, "item": record})


@blueprint.get(f"{API}/intelligences")
def list_intelligences():
    query = _page()
    return page_response.dump(models.list_records(runtime(), models.INTELLIGENCES, _team(),
                                                  query["page"], query["page_size"]))


@blueprint.get(f"{API}/intelligences/<uuid>")
def get_intelligence(uuid: str):
    record = models.get_record(runtime(), models.INTELLIGENCES, _team(), uuid)
    if record is None:
        raise error(404, "Not found", item=None)
    return item_response.dump({"success": True, "item": record})


@blueprint.post(f"{API}/intelligence")
def run_intelligence():
    rt, settings, team = runtime(), vendor_settings(), _team()
    loaded = _load(intelligence_body, _json_body())
    if (loaded["url"] is None) == (loaded["media_token"] is None):
        raise bad_request(models.ONE_INTELLIGENCE_SOURCE)
    detect = intelligences.associated_detect(rt, team, loaded["detect_id"])
    if loaded["media_token"] is not None:
        media = models.media_from_token(rt, settings, loaded["media_token"], team)
    else:
        media = models.media_from_url(rt, settings, loaded["url"])
    asynchronous = loaded["callback_url"] is not None
    record = intelligences.run(rt, team=team, media=media, loaded=loaded, detect=detect,
                               asynchronous=asynchronous)
    if not asynchronous:
        return item_response.dump({"success": True, "item": models.public(record)})
    models.enqueue_callback(rt, settings, team=team, kind="intelligence", ref=record["uuid"],
                            url=loaded["callback_url"])
    _kick_worker()
    return item_response.dump({"success": True, "item": intelligences.accepted(record)}), 202


# ---- watermarks (beta) ------------------------------------------------------------------------

def _watermark_request(schema) -> dict:
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if not isinstance(body, dict):
        raise watermarks.failure(models.BAD_BODY)
    try:
        return load(schema, body)
    except InvalidParams as exc:
        raise error(400, exc.message, errors=exc.errors, error=exc.message)


def _watermark_answer(job: dict):
    if _prefers_wait():
        job = watermarks.settle(runtime(), models.wait_for(runtime(), vendor_settings(), job))
    return item_response.dump({"success": True, "item": watermarks.render(job)})


def _watermark_result(uuid: str, kind: str):
    job = watermarks.find(runtime(), _team(), uuid, kind)
    if job is None:
        raise watermarks.failure(watermarks.NOT_FOUND, 404)
    return item_response.dump({"success": True, "item": watermarks.render(job)})


@blueprint.post(f"{API}/watermark/detect")
def detect_watermark():
    loaded = _watermark_request(watermark_detect_body)
    return _watermark_answer(watermarks.detect(runtime(), vendor_settings(), _team(),
                                               loaded["url"], loaded["custom_message"]))


@blueprint.get(f"{API}/watermark/detect/<uuid>/result")
def get_watermark_detection_result(uuid: str):
    return _watermark_result(uuid, watermarks.DETECT)


@blueprint.post(f"{API}/watermark/apply")
def apply_watermark():
    loaded = _watermark_request(watermark_apply_body)
    return _watermark_answer(watermarks.apply(runtime(), vendor_settings(), _team(),
                                              loaded["url"], loaded["custom_message"],
                                              _vendor_root()))


@blueprint.get(f"{API}/watermark/apply/<uuid>/result")
def get_watermark_apply_result(uuid: str):
    return _watermark_result(uuid, watermarks.APPLY)


# ---- files served at the emulator's own URLs (no token: the vendor's are signed URLs) --------

@blueprint.get("/files/<owner>/<name>")
def get_file(owner: str, name: str):
    found = served.find(runtime(), owner, name)
    if found is None:
        raise error(404, "Not found")
    content, mimetype = found
    if isinstance(content, bytes):
        return current_app.response_class(content, mimetype=mimetype)
    return send_file(content, mimetype=mimetype)


# ---- vendor admin: callback deliveries (/_admin/vendors/resemble/...) ---------------------------

@admin_blueprint.get("/callbacks")
def list_callbacks():
    """Every callback delivery with its attempts, oldest first."""
    return {"callbacks": deliveries().outbox.list()}


@admin_blueprint.post("/callbacks/run")
def run_callbacks():
    """One delivery pass now (promote finished jobs, make every due attempt)."""
    attempts = deliveries().outbox.run_once()
    return {"attempts": attempts, "callbacks": deliveries().outbox.list()}
