"""Marshmallow schemas of the authenticity-verification operations."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

CHANNELS = re.compile(r"^\d+(,\d+)*$")
OPERATIONS = ("deepfake_detection", "audio_manipulation_detection", "replay_attack_detection")


class ChannelList(fields.Field):
    """``channels``: comma-separated 0-based integers without spaces; empty means all."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in ("", None):
            return None
        if not isinstance(value, str) or not CHANNELS.match(value):
            raise ValidationError("Value must be comma-separated non-negative integers without spaces.")
        return sorted({int(v) for v in value.split(",")})


class StartAuthenticityVerificationQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    channels = ChannelList(load_default=None)
    range_from = fields.Float(load_default=0.0, allow_nan=False,
                              validate=validate.Range(min=0, max=1e9))
    range_to = fields.Float(load_default=None, allow_nan=False,
                            validate=validate.Range(min=0, max=1e9, min_inclusive=False))
    channel_mode = fields.String(load_default="split", validate=validate.OneOf(("split", "mix")))
    raw_segmentation = fields.Boolean(load_default=False)

    @validates_schema
    def range_order(self, data, **kwargs):
        if data.get("range_to") is not None and data["range_to"] <= data["range_from"]:
            raise ValidationError("range_to must be greater than range_from.", "range_to")


class StartAuthenticityVerificationConfig(Schema):
    """The ``config`` multipart field, a JSON object; unknown keys are ignored."""

    class Meta:
        unknown = EXCLUDE

    operations = fields.List(fields.String(validate=validate.OneOf(OPERATIONS)),
                             load_default=None, validate=validate.Length(min=1))


class TaskInfo(Schema):
    task_id = fields.String(required=True)
    state = fields.String(required=True)


class TaskError(Schema):
    type = fields.String(required=True)
    message = fields.String(required=True)
    detail = fields.List(fields.Dict())


class GetAuthenticityVerificationResponse(Schema):
    task = fields.Nested(TaskInfo, required=True)
    result = fields.Dict()
    error = fields.Nested(TaskError)


class StartAuthenticityVerificationResponse(Schema):
    task = fields.Nested(TaskInfo, required=True)
