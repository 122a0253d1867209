"""Marshmallow schemas of the two deepfake operations' answers.

The requests are read by hand in ``models`` because their failures map to different vendor
errors (no file, invalid JSON, invalid format, too large) that a schema's single error cannot say.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class Deepfake(Schema):
    confidence = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    value = fields.String(required=True, validate=validate.OneOf(("real", "fake")))


class Read(Schema):
    deepfake = fields.Nested(Deepfake, required=True)


class DetectDeepfakeResponse(Schema):
    """200 of both ``detect_deepfake_video`` and ``detect_deepfake_frames``; keys sorted."""

    read = fields.Nested(Read, required=True)
    reason = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal("SUCCESS"))


DetectDeepfakeVideoResponse = DetectDeepfakeResponse
DetectDeepfakeFramesResponse = DetectDeepfakeResponse


class DemoResult(Schema):
    deepfake_status = fields.String(required=True, validate=validate.OneOf(("REAL", "FAKE")))
    confidence_score = fields.Float(required=True, validate=validate.Range(min=0, max=1))


class DemoDetectDeepfakeResponse(Schema):
    """200 of ``detect_deepfake_video`` under the older "demo" contract (setting ``contract``)."""

    status = fields.String(required=True, validate=validate.Equal("success"))
    result = fields.Nested(DemoResult, required=True)
