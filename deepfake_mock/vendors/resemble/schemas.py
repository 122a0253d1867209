"""Marshmallow schemas of Resemble's requests, named after the operations.

JSON bodies are strict about types (a boolean is ``true``/``false``, never ``"true"``); multipart
form fields are text, so their schemas parse ``"true"``/``"2"``/``"1.5"``. A JSON ``null`` means
"not sent". Problems are collected as ``{field: [problem]}``; :class:`InvalidParams` turns them into
the vendor's 400 body, whose message is "<field> <problem>" (e.g. "frame_length must be between
1 and 4").
"""

from __future__ import annotations

import math
import re

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from .uploads import URL_PATTERN

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
# Items are built by the models in the vendor's key order; the envelopes are declared here.

class CreateDetectionResponse(Schema):
    success = fields.Boolean(required=True)
    item = fields.Dict(required=True)



class PageResponse(Schema):
    success = fields.Boolean(required=True)
    page = fields.Integer(required=True)
    num_pages = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total_count = fields.Integer(required=True)
    items = fields.List(fields.Dict(), required=True)


class CreateSecureUploadResponse(Schema):
    success = fields.Boolean(required=True)
    token = fields.String(required=True)


class ItemResponse(Schema):
    success = fields.Boolean(required=True)
    item = fields.Dict(required=True)
