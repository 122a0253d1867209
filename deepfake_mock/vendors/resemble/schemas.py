"""Marshmallow schemas of Resemble's requests and responses, named after the operations and
the spec's objects (openapi/resemble.yaml).

JSON bodies are strict about types (a boolean is ``true``/``false``, never ``"true"``); multipart
form fields are text, so their schemas parse ``"true"``/``"2"``/``"1.5"``. A JSON ``null`` means
"not sent". Problems are collected as ``{field: [problem]}``; :class:`InvalidParams` turns them into
the vendor's 400 body, whose message is "<field> <problem>" (e.g. "frame_length must be between
1 and 4").
"""

from __future__ import annotations

import math
import re

from marshmallow import (EXCLUDE, RAISE, Schema, ValidationError, fields, post_dump, validate,
                         validates_schema)

# ASCII ranges, not \s: the spec's pattern must read the same in ECMA and Python regexes
URL_PATTERN = re.compile(r"^https?://[^\x00-\x20\x7f/?#]+([/?#][^\x00-\x20\x7f]*)?$")
TRUE_WORDS = frozenset({"true", "1", "yes", "on", "t", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", "f", "n"})
INT_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")


class InvalidParams(Exception):
    """Request parameters that break a rule: ``errors`` is {field: [problem, ...]}."""

    def __init__(self, errors: dict[str, list[str]], order: tuple[str, ...] = ()):
        self.errors = errors
        first = next((f for f in order if f in errors), None) or next(iter(errors))
        self.message = f"{first} {errors[first][0]}"
        super().__init__(self.message)


def _flatten(messages) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, problems in messages.items():
        if isinstance(problems, dict):  # nested (never produced by these flat schemas)
            problems = [str(p) for p in problems.values()]
        out[name] = [str(p) for p in problems]
    return out


def load(schema: Schema, data) -> dict:
    """Load ``data`` or raise :class:`InvalidParams`."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise InvalidParams(_flatten(messages), tuple(schema.fields)) from exc


# --- fields ------------------------------------------------------------------------------------

class JsonBool(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        raise ValidationError("must be a boolean")


class FormBool(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValidationError("must be a boolean")


class JsonInt(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValidationError("must be an integer")


class FormInt(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and INT_TEXT.match(value):
            return int(value)
        raise ValidationError("must be an integer")


class JsonNumber(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return value
        raise ValidationError("must be a number")


class FormNumber(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            number = float(str(value).strip())
        except ValueError:
            number = math.nan
        if math.isfinite(number) and str(value).strip().lower() not in ("nan", "inf", "-inf"):
            return int(number) if number.is_integer() and INT_TEXT.match(str(value)) else number
        raise ValidationError("must be a number")


class Text(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return value
        raise ValidationError("must be a string")


class Url(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not URL_PATTERN.match(text):
            raise ValidationError("must be an absolute http(s) URL")
        return text


class Query(fields.Field):
    """A free-text question: a non-blank string, else the vendor's "query is required"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip():
            return value
        raise ValidationError("is required")


FRAME_LENGTH = validate.Range(min=1, max=4, error="must be between 1 and 4")
NOT_NEGATIVE = validate.Range(min=0, error="must be greater than or equal to 0")
POSITIVE = validate.Range(min=0, min_inclusive=False, error="must be greater than 0")
MODEL_TYPES = validate.OneOf(("image", "talking_head"),
                             error="must be one of: image, talking_head")
NON_BLANK = validate.Length(min=1, error="can't be blank")


class _Base(Schema):
    error_messages = {"unknown": "is not a permitted parameter",
                      "type": "must be a JSON object"}

    class Meta:
        unknown = RAISE

    @validates_schema
    def _region_order(self, data, **kwargs):
        start, end = data.get("start_region"), data.get("end_region")
        if start is not None and end is not None and end <= start:
            raise ValidationError("must be greater than start_region", "end_region")


def _options(strict: bool) -> dict[str, fields.Field]:
    """The DetectionRequest options of the seed; JSON (strict, nullable) or form text."""
    b, i, n = (JsonBool, JsonInt, JsonNumber) if strict else (FormBool, FormInt, FormNumber)
    extra = {"allow_none": True, "load_default": None} if strict else {"load_default": None}
    return {
        "callback_url": Url(**extra),
        "visualize": b(**extra),
        "frame_length": i(validate=FRAME_LENGTH, **extra),
        "start_region": n(validate=NOT_NEGATIVE, **extra),
        "end_region": n(validate=POSITIVE, **extra),
        "max_video_fps": n(validate=POSITIVE, **extra),
        "max_video_secs": n(validate=POSITIVE, **extra),
        "model_types": Text(validate=MODEL_TYPES, **extra),
        "intelligence": b(**extra),
        "audio_source_tracing": b(**extra),
        "use_reverse_search": b(**extra),
        "use_ood_detector": b(**extra),
        "zero_retention_mode": b(**extra),
        "privacy_mode": b(**extra),
        "pipeline": Text(**extra),
    }


_SOURCES_JSON = {"url": Url(allow_none=True, load_default=None),
                 "media_token": Text(allow_none=True, load_default=None, validate=NON_BLANK)}
_SOURCES_FORM = {"url": Url(load_default=None),
                 "media_token": Text(load_default=None, validate=NON_BLANK)}

CreateDetectionJsonRequest = _Base.from_dict({**_SOURCES_JSON, **_options(strict=True)},
                                             name="CreateDetectionJsonRequest")
CreateDetectionFormRequest = _Base.from_dict({**_SOURCES_FORM, **_options(strict=False)},
                                             name="CreateDetectionFormRequest")

OPTION_DEFAULTS = {"visualize": False, "frame_length": 2, "intelligence": False,
                   "audio_source_tracing": False, "use_reverse_search": False,
                   "use_ood_detector": False, "zero_retention_mode": False}


def detect_options(loaded: dict) -> dict:
    """Loaded create fields with the documented defaults filled in and the alias folded."""
    options = {k: v for k, v in loaded.items() if k not in ("url", "media_token")}
    for key, default in OPTION_DEFAULTS.items():
        if options.get(key) is None:
            options[key] = default
    options["zero_retention_mode"] = bool(options["zero_retention_mode"]
                                          or options.pop("privacy_mode", None))
    return options


class CreateDetectBatchRequest(_Base):
    """The batch form fields (files travel as ``files[]`` or one ``file``)."""

    callback_url = Url(load_default=None)
    intelligence = FormBool(load_default=False)
    search_identity = FormBool(load_default=False)
    visualize = FormBool(load_default=True)
    audio_source_tracing_enabled = FormBool(load_default=False)
    frame_length = FormInt(validate=FRAME_LENGTH, load_default=2)
    start_region = FormNumber(validate=NOT_NEGATIVE, load_default=None)
    end_region = FormNumber(validate=POSITIVE, load_default=None)
    max_video_secs = FormNumber(validate=POSITIVE, load_default=None)
    use_llm = FormBool(load_default=False)


class CreateDetectIntelligenceQuestionRequest(_Base):
    query = Query(required=True, error_messages={"required": "is required", "null": "is required"})


MEDIA_TYPES = validate.OneOf(("audio", "video", "image"),
                             error="must be one of: audio, video, image")
STRENGTH = validate.Range(min=0, max=1, error="must be between 0 and 1")
URL_REQUIRED = {"required": "is required", "null": "is required"}

RunIntelligenceRequest = _Base.from_dict({
    **_SOURCES_JSON,
    "detect_id": Text(allow_none=True, load_default=None, validate=NON_BLANK),
    "media_type": Text(allow_none=True, load_default=None, validate=MEDIA_TYPES),
    "json": JsonBool(allow_none=True, load_default=None),
    "callback_url": Url(allow_none=True, load_default=None),
}, name="RunIntelligenceRequest")


class DetectWatermarkRequest(_Base):
    url = Url(required=True, error_messages=URL_REQUIRED)
    custom_message = Text(load_default="resembleai")


class ApplyWatermarkRequest(DetectWatermarkRequest):
    strength = JsonNumber(validate=STRENGTH, load_default=0.2)


class PageQuery(_Base):
    """``page`` (required, >= 1) and ``page_size`` (10-1000, default 10) of the list endpoints;
    other query parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    page = FormInt(required=True, validate=validate.Range(
        min=1, error="must be greater than or equal to 1"),
        error_messages={"required": "is required"})
    page_size = FormInt(load_default=10, validate=validate.Range(
        min=10, max=1000, error="must be between 10 and 1000"))


# --- responses ---------------------------------------------------------------------------------
# Declared in the vendor's key order; the items are made by the models. Objects the spec leaves
# open (``additionalProperties: true``) keep the keys a verdict rule adds, after their own.

class _Open(Schema):
    @post_dump(pass_original=True)
    def _keep_extra_keys(self, data, original, **kwargs):
        for key, value in original.items():
            if key not in self.fields and key not in data:
                data[key] = value
        return data


Score = fields.Raw       # a decimal string, or a number with score_format "number"
Description = fields.Raw  # prose, or an object of named findings


class AudioMetrics(_Open):
    label = fields.String()
    score = fields.List(Score())
    consistency = Score()
    aggregated_score = Score()
    image = fields.String()


class IflResult(Schema):
    score = fields.Float()
    heatmap = fields.String()


class ReverseSearchSource(Schema):
    url = fields.String()
    title = fields.String()
    reason = fields.String()
    verdict = fields.String()
    similarity = fields.Float()


class ImageMetrics(_Open):
    type = fields.String()
    label = fields.String()
    image = fields.String()
    score = fields.Float()
    children = fields.List(fields.Raw())
    ifl = fields.Nested(IflResult)
    reverse_image_search_sources = fields.List(fields.Nested(ReverseSearchSource))


class VideoNode(_Open):
    type = fields.String()
    conclusion = fields.String()
    score = fields.Float()
    certainty = fields.Float()
    certainty_percent = fields.String(data_key="certainty (%)", attribute="certainty (%)")


class ImageResultNode(VideoNode):
    timestamp = fields.Float()
    children = fields.List(fields.Nested(VideoNode))


class VideoResultNode(VideoNode):
    children = fields.List(fields.Nested(ImageResultNode))


class VideoMetrics(_Open):
    label = fields.String()
    score = fields.Float()
    certainty = fields.Float()
    treeview = fields.String()
    children = fields.List(fields.Nested(VideoResultNode))


class EmbeddedIntelligence(Schema):
    uuid = fields.String()
    description = Description()
    created_at = fields.String()
    detect_uuid = fields.String()


class TracingResult(Schema):
    label = fields.String()
    error_message = fields.String(allow_none=True)


class DetectItem(_Open):
    uuid = fields.String()
    media_type = fields.String()
    status = fields.String()
    duration = Score()
    metrics = fields.Nested(AudioMetrics, allow_none=True)
    image_metrics = fields.Nested(ImageMetrics, allow_none=True)
    video_metrics = fields.Nested(VideoMetrics, allow_none=True)
    intelligence = fields.Nested(EmbeddedIntelligence, allow_none=True)
    audio_source_tracing = fields.Nested(TracingResult, allow_none=True)
    url = fields.String(allow_none=True)
    audio_url = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    visualize = fields.Boolean()
    audio_source_tracing_enabled = fields.Boolean()
    use_ood_detector = fields.Boolean()
    extra_params = fields.Dict()
    error_message = fields.String(allow_none=True)
    zero_retention_mode = fields.Boolean()
    media_redacted = fields.Boolean()
    media_deleted = fields.Boolean()
    file_deleted_at = fields.String(allow_none=True)
    pipeline = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class BatchItem(_Open):
    uuid = fields.String()
    status = fields.String()
    total_files = fields.Integer()
    completed_count = fields.Integer()
    failed_count = fields.Integer()
    created_at = fields.String()
    detect_uuids = fields.List(fields.String())


class Question(Schema):
    uuid = fields.String()
    detect_uuid = fields.String()
    query = fields.String()
    answer = fields.String(allow_none=True)
    status = fields.String()
    error_message = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class AudioSourceTracing(Schema):
    uuid = fields.String()
    results = fields.Nested(TracingResult)
    created_at = fields.String()
    detect_uuid = fields.String()


class IntelligenceRecord(Schema):
    uuid = fields.String()
    description = Description(allow_none=True)
    created_at = fields.String()
    detect_uuid = fields.String(allow_none=True)
    media_type = fields.String()


class AcceptedIntelligence(Schema):
    """The 202 item of an asynchronous run: the record before its description exists."""

    uuid = fields.String()
    media_type = fields.String()
    created_at = fields.String()
    detect_uuid = fields.String(allow_none=True)


class WatermarkMetrics(Schema):
    has_watermark = fields.Boolean()
    confidence = fields.Float()


class WatermarkItem(_Open):
    uuid = fields.String()
    media_type = fields.String()
    source_media_url = fields.String()
    metrics = fields.Nested(WatermarkMetrics, allow_none=True)
    watermarked_media = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


def _envelope(item: type[Schema], name: str) -> type[Schema]:
    """``{"success": true, "item": <item>}``."""
    return Schema.from_dict({"success": fields.Boolean(), "item": fields.Nested(item)}, name=name)


def _page(item: type[Schema], name: str) -> type[Schema]:
    """A page of a list endpoint."""
    return Schema.from_dict({
        "success": fields.Boolean(), "page": fields.Integer(), "num_pages": fields.Integer(),
        "page_size": fields.Integer(), "total_count": fields.Integer(),
        "items": fields.List(fields.Nested(item))}, name=name)


DetectResponse = _envelope(DetectItem, "DetectResponse")
DetectPage = _page(DetectItem, "DetectPage")
BatchResponse = _envelope(BatchItem, "BatchResponse")
QuestionResponse = _envelope(Question, "QuestionResponse")
TracingResponse = _envelope(AudioSourceTracing, "TracingResponse")
TracingPage = _page(AudioSourceTracing, "TracingPage")
IntelligencePage = _page(IntelligenceRecord, "IntelligencePage")
AcceptedIntelligenceResponse = _envelope(AcceptedIntelligence, "AcceptedIntelligenceResponse")
WatermarkResponse = _envelope(WatermarkItem, "WatermarkResponse")


class IntelligenceResponse(Schema):
    """A record, and on a failed asynchronous run's callback the vendor's ``error``."""

    success = fields.Boolean()
    item = fields.Nested(IntelligenceRecord)
    error = fields.String()


class SecureUploadResponse(Schema):
    success = fields.Boolean()
    token = fields.String()
