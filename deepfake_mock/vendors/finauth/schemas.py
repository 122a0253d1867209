"""Marshmallow schemas of the ``anti_deepfake`` operation (openapi/finauth.yaml).

The request's text fields are checked by ``models`` rather than a schema: the vendor's order of
checks (signature before ``data_type``, ...) decides which error answers.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class AntiDeepfakeResponse(Schema):
    request_id = fields.String(required=True)
    time_used = fields.Integer(required=True)
    result = fields.Boolean(required=True)
    score = fields.Float(required=True)
    threshold = fields.Float(required=True)
