"""Marshmallow schemas of the Hiya Audio Intelligence operations: request bodies named after the
operations that load them, response resources named after the vendor's schemas. Responses are
dumped from the stored documents (``models``), with the resources they name resolved (the
``*_ref`` keys)."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, post_dump, pre_dump, validate

from .handles import HANDLE_MAX, is_handle
from .iso8601 import format_duration, format_timestamp
from .models.catalogue import MIN_AUDIOS_MAX, VOICEPRINT_MODELS
from .models.verifications import primary_score
from .models.voiceprints import state as voiceprint_state

# DOCUMENTED lengths and formats of the request fields
ALIAS_MAX = 100
PASSWORD_MIN, PASSWORD_MAX = 8, 50
MESSAGE_MAX = 200
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
HANDLE_MESSAGE = ("Must be 1 to 50 lowercase alphanumeric characters separated by hyphens.")


def _handle(value) -> None:
    if not is_handle(value):
        raise ValidationError(HANDLE_MESSAGE)


def Handle(**kwargs) -> fields.String:
    return fields.String(validate=_handle, **kwargs)


def Alias(**kwargs) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(1, ALIAS_MAX), **kwargs)


class StrictInteger(fields.Integer):
    """An integer that is really one: no booleans, no strings, no fractional numbers."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(int(value))  # 5.0 is the integer 5, as in JSON Schema


class Body(Schema):
    class Meta:
        unknown = RAISE


# ---- request bodies -----------------------------------------------------------------------

class SignInBody(Body):
    handle = fields.String(required=True, validate=validate.Length(1, HANDLE_MAX))
    password = fields.String(required=True,
                             validate=validate.Length(PASSWORD_MIN, PASSWORD_MAX))


class UpdateSpaceBody(Body):
    handle = Handle()
    alias = Alias()


class CreateAudioBody(Body):
    alias = Alias()
    file = fields.String(allow_none=True)
    identity = Handle(allow_none=True)


class AliasBody(Body):
    alias = Alias()


class UpdateAudioBody(AliasBody):
    pass


class UpdateVerificationBody(AliasBody):
    """The body of update_authenticity_verification, update_identity_verification and
    update_message_verification."""


class CreateIdentityBody(Body):
    handle = Handle(required=True)
    alias = Alias()


class CreateVoiceprintBody(Body):
    handle = Handle(required=True)
    identity = Handle(required=True)
    model = fields.String(required=True)  # any name: an unknown model is 404
    minAudios = StrictInteger(load_default=1,
                              validate=validate.Range(1, MIN_AUDIOS_MAX))
    alias = Alias()


class CreateAuthenticityVerificationBody(Body):
    audio = Handle(required=True)
    model = fields.String(required=True)  # any name: an unknown model is 404
    alias = Alias()


class CreateIdentityVerificationBody(Body):
    audio = Handle(required=True)
    identity = Handle(required=True)
    voiceprint = Handle(required=True)
    alias = Alias()


class CreateMessageVerificationBody(Body):
    audio = Handle(required=True)
    language = fields.String(required=True, validate=validate.Regexp(
        LANGUAGE_RE, error="Must be a two-letter lowercase language code."))
    message = fields.String(required=True, validate=validate.Length(1, MESSAGE_MAX))
    model = fields.String(required=True)  # any name: an unknown model is 404
    alias = Alias()


class StreamConfig(Body):
    synthesisSources = fields.Boolean(truthy={True}, falsy={False})  # no source scores emulated


class StreamAuthenticityInit(Body):
    """The first message of a streaming verification, as the vendor's streaming example sends it."""
    model = fields.String(required=True)  # any name: an unknown model is "Resource not found"
    config = fields.Nested(StreamConfig)
    audioFormat = fields.String()  # a hint; the emulator reads the format from the bytes


# ---- response resources ---------------------------------------------------------------------

def Score(**kwargs) -> fields.Float:
    """A score in [0, 1], or null where there is none."""
    return fields.Float(allow_none=True, **kwargs)


class Timestamp(fields.Field):
    """An epoch instant as Hiya writes it: ``2023-01-01T00:00:00.000000Z``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_timestamp(value)


class Duration(fields.Field):
    """Seconds as an ISO-8601 duration: ``PT3.500S``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return format_duration(value)


class Inline(fields.Nested):
    """A nested object whose fields are read from the enclosing object itself."""

    _CHECK_ATTRIBUTE = False

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        return super()._serialize(obj, attr, obj, **kwargs)


class BearerToken(Schema):
    token = fields.String()
    issuedAt = Timestamp(attribute="issued_at")
    expiresAt = Timestamp(attribute="expires_at")


class HandleAlias(Schema):
    """How one resource names another: its handle and alias."""

    handle = fields.String()
    alias = fields.String(allow_none=True)


class Resource(Schema):
    """A resource of a space: id, handle and alias, in the vendor's field order."""

    id = fields.String()
    handle = fields.String()
    alias = fields.String(allow_none=True)


class YourUser(Resource):
    email = fields.String()
    emailVerified = fields.Constant(True)
    state = fields.Constant("verified")
    orgs = fields.Integer()
    spaces = fields.Integer()
    createdAt = Timestamp(attribute="created_at")


class Owner(Schema):
    type = fields.String()
    handle = fields.String()
    alias = fields.String(allow_none=True)


class Space(Resource):
    owner = fields.Nested(Owner, attribute="owner_ref")
    audios = fields.Integer()
    voiceprints = fields.Integer()
    verifications = fields.Integer()
    identities = fields.Integer()
    createdAt = Timestamp(attribute="created_at")


class IdentitySummary(HandleAlias):
    pass


class AudioSummary(HandleAlias):
    state = fields.String()


class VoiceprintSummary(HandleAlias):
    state = fields.Function(voiceprint_state)


class Audio(Resource):
    state = fields.String()
    duration = Duration()
    voiceDuration = Duration(attribute="voice")
    sampleRate = fields.Integer(attribute="sample_rate")
    identity = fields.Nested(IdentitySummary, attribute="identity_ref", allow_none=True)
    voiceprints = fields.Integer()
    verifications = fields.Integer()
    createdAt = Timestamp(attribute="created_at")
    uploadedAt = Timestamp(attribute="uploaded_at")


class Identity(Resource):
    audios = fields.Integer()
    voiceprints = fields.Integer()
    verifications = fields.Integer()
    createdAt = Timestamp(attribute="created_at")


class Voiceprint(Resource):
    state = fields.Function(voiceprint_state)
    model = fields.Function(lambda doc: VOICEPRINT_MODELS[doc["model"]].name)
    identity = fields.Nested(IdentitySummary, attribute="identity_ref", allow_none=True)
    totalDuration = Duration(attribute="voice")
    minAudios = fields.Integer(attribute="min_audios")
    audios = fields.Function(lambda doc: len(doc["audios"]))
    verifications = fields.Integer()
    createdAt = Timestamp(attribute="created_at")
    computedAt = Timestamp(attribute="computed_at")


class Verification(Resource):
    """The generic view: exactly the fields of the vendor's Verification schema."""
    type = fields.String()
    state = fields.String()
    model = fields.String()
    audio = fields.Nested(AudioSummary, attribute="audio_ref", allow_none=True)
    score = fields.Function(primary_score, allow_none=True)
    createdAt = Timestamp(attribute="created_at")
    performedAt = Timestamp(attribute="performed_at")


class _Deprecated(Schema):
    """A resource of the deprecated authenticity models, which alone show ``score`` and
    ``subscores`` (the object dumped says so in ``deprecated``)."""

    @post_dump(pass_original=True)
    def _deprecated_fields(self, data, original, **kwargs):
        if not original["deprecated"]:
            data.pop("score", None)
            data.pop("subscores", None)
        return data


class AuthenticitySubscores(Schema):
    synthesis = Score()
    replay = Score()


class AuthenticityScores(Schema):
    synthesis = Score()
    replay = Score()


class ChunkScores(Schema):
    synthesis = Score(attribute="score")


class AuthenticityVerificationChunk(_Deprecated):
    startTime = Duration(attribute="start")
    endTime = Duration(attribute="end")
    label = fields.String()
    duration = fields.Function(lambda chunk: format_duration(chunk["end"] - chunk["start"]))
    voiceDuration = Duration(attribute="voice")
    score = Score()
    subscores = Inline(AuthenticitySubscores)
    scores = Inline(ChunkScores)


class _Scored(Resource):
    """A verification's scores show once it is performed: null before, and on error."""

    @pre_dump
    def _scores_once_performed(self, doc, **kwargs):
        if doc["state"] == "performed":
            return doc
        return {**doc, "synthesis": None, "replay": None, "identity_score": None,
                "message_score": None, "partial_spoof": False}


class _AuthenticityVerificationBase(_Deprecated, _Scored):
    state = fields.String()
    mode = fields.String(dump_default="restApi")  # VerificationMode: restApi | websocket
    model = fields.String()
    audio = fields.Nested(AudioSummary, attribute="audio_ref", allow_none=True)
    duration = Duration()
    voiceDuration = Duration(attribute="voice")
    score = Score(attribute="synthesis")
    subscores = Inline(AuthenticitySubscores)
    scores = Inline(AuthenticityScores)
    partialSpoof = fields.Boolean(attribute="partial_spoof")

    @pre_dump
    def _scores_once_performed(self, doc, **kwargs):
        """Chunks, too, show once the verification is settled, each scored once performed
        (beside the verification's replay score, for the deprecated models)."""
        scored = doc["state"] == "performed"
        settled = doc["state"] in ("performed", "performedWithoutScore")
        doc = super()._scores_once_performed(doc, **kwargs)
        chunks = []
        for chunk in doc["chunks"] if settled else []:
            score = chunk["score"] if scored else None
            chunks.append({**chunk, "score": score, "synthesis": score,
                           "replay": doc["replay"] if score is not None else None,
                           "deprecated": doc["deprecated"]})
        return {**doc, "chunks": chunks}


class AuthenticityVerification(_AuthenticityVerificationBase):
    chunks = fields.Function(lambda doc: len(doc["chunks"]))
    createdAt = Timestamp(attribute="created_at")
    performedAt = Timestamp(attribute="performed_at")


class AuthenticityVerificationWithChunks(_AuthenticityVerificationBase):
    chunks = fields.List(fields.Nested(AuthenticityVerificationChunk))
    createdAt = Timestamp(attribute="created_at")
    performedAt = Timestamp(attribute="performed_at")


class IdentityScores(Schema):
    identity = Score(attribute="identity_score")
    synthesis = Score()
    replay = Score()


class IdentityVerification(_Scored):
    state = fields.String()
    model = fields.String()
    audio = fields.Nested(AudioSummary, attribute="audio_ref", allow_none=True)
    identity = fields.Nested(IdentitySummary, attribute="identity_ref", allow_none=True)
    voiceprint = fields.Nested(VoiceprintSummary, attribute="voiceprint_ref", allow_none=True)
    score = Score(attribute="identity_score")
    scores = Inline(IdentityScores)
    createdAt = Timestamp(attribute="created_at")
    performedAt = Timestamp(attribute="performed_at")


class MessageScores(Schema):
    message = Score(attribute="message_score")


class MessageVerification(_Scored):
    state = fields.String()
    model = fields.String()
    audio = fields.Nested(AudioSummary, attribute="audio_ref", allow_none=True)
    message = fields.String()
    language = fields.String()
    score = Score(attribute="message_score")
    scores = Inline(MessageScores)
    createdAt = Timestamp(attribute="created_at")
    performedAt = Timestamp(attribute="performed_at")


class RecordActor(HandleAlias):
    type = fields.String()


class RecordVerification(HandleAlias):
    type = fields.String()


class RecordSpace(HandleAlias):
    pass


class VerificationRecord(Schema):
    id = fields.String()
    handle = fields.Function(lambda rec: rec["id"])  # a record's handle is its id
    actor = fields.Nested(RecordActor, attribute="actor_ref")
    type = fields.String()
    model = fields.String()
    verification = fields.Nested(RecordVerification, attribute="verification_ref")
    space = fields.Nested(RecordSpace, attribute="space_ref")
    owner = fields.Nested(Owner, attribute="owner_ref")
    performedAt = Timestamp(attribute="performed_at")


TYPE_SCHEMAS = {"authenticity": AuthenticityVerification(),
                "identity": IdentityVerification(),
                "message": MessageVerification()}
