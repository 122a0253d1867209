"""Marshmallow schemas of the Hiya Audio Intelligence operations: request bodies named after the
operations that load them, response resources named after the vendor's schemas."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from . import rules

HANDLE_MESSAGE = ("Must be 1 to 50 lowercase alphanumeric characters separated by hyphens.")


def _handle(value) -> None:
    if not rules.is_handle(value):
        raise ValidationError(HANDLE_MESSAGE)


def Handle(**kwargs) -> fields.String:
    return fields.String(validate=_handle, **kwargs)


def Alias(**kwargs) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(1, rules.ALIAS_MAX), **kwargs)


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
    handle = fields.String(required=True, validate=validate.Length(1, rules.HANDLE_MAX))
    password = fields.String(required=True,
                             validate=validate.Length(rules.PASSWORD_MIN, rules.PASSWORD_MAX))


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
                              validate=validate.Range(1, rules.MIN_AUDIOS_MAX))
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
        rules.LANGUAGE_RE, error="Must be a two-letter lowercase language code."))
    message = fields.String(required=True, validate=validate.Length(1, rules.MESSAGE_MAX))
    model = fields.String(required=True)  # any name: an unknown model is 404
    alias = Alias()


class StreamConfig(Body):
    synthesisSources = fields.Boolean(truthy={True}, falsy={False})  # no source scores emulated


class StreamAuthenticityInit(Body):
    """The first message of a streaming verification, as the vendor's streaming example sends it."""
    model = fields.String(required=True)  # any name: an unknown model is "Resource not found"
    config = fields.Nested(StreamConfig)
    audioFormat = fields.String()  # a hint; the emulator reads the format from the bytes


# ---- response resources (dumped from the dicts models.py builds) ---------------------------

Score = lambda: fields.Float(allow_none=True)  # noqa: E731


class BearerToken(Schema):
    token = fields.String()
    issuedAt = fields.String()
    expiresAt = fields.String()


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
    emailVerified = fields.Boolean()
    state = fields.String()
    orgs = fields.Integer()
    spaces = fields.Integer()
    createdAt = fields.String()


class Owner(Schema):
    type = fields.String()
    handle = fields.String()
    alias = fields.String(allow_none=True)


class Space(Resource):
    owner = fields.Nested(Owner)
    audios = fields.Integer()
    voiceprints = fields.Integer()
    verifications = fields.Integer()
    identities = fields.Integer()
    createdAt = fields.String()


class IdentitySummary(HandleAlias):
    pass


class StatefulSummary(HandleAlias):
    state = fields.String()


class AudioSummary(StatefulSummary):
    pass


class VoiceprintSummary(StatefulSummary):
    pass


class Audio(Resource):
    state = fields.String()
    duration = fields.String()
    voiceDuration = fields.String()
    sampleRate = fields.Integer()
    identity = fields.Nested(IdentitySummary, allow_none=True)
    voiceprints = fields.Integer()
    verifications = fields.Integer()
    createdAt = fields.String()
    uploadedAt = fields.String()


class Identity(Resource):
    audios = fields.Integer()
    voiceprints = fields.Integer()
    verifications = fields.Integer()
    createdAt = fields.String()


class Voiceprint(Resource):
    state = fields.String()
    model = fields.String()
    identity = fields.Nested(IdentitySummary, allow_none=True)
    totalDuration = fields.String()
    minAudios = fields.Integer()
    audios = fields.Integer()
    verifications = fields.Integer()
    createdAt = fields.String()
    computedAt = fields.String(allow_none=True)


class Verification(Resource):
    """The generic view: exactly the fields of the vendor's Verification schema."""
    type = fields.String()
    state = fields.String()
    model = fields.String()
    audio = fields.Nested(AudioSummary, allow_none=True)
    score = Score()
    createdAt = fields.String()
    performedAt = fields.String()


class AuthenticitySubscores(Schema):
    synthesis = Score()
    replay = Score()


class AuthenticityScores(Schema):
    synthesis = Score()
    replay = Score()


class AuthenticityVerificationChunk(Schema):
    startTime = fields.String()
    endTime = fields.String()
    label = fields.String()
    duration = fields.String()
    voiceDuration = fields.String()
    score = Score()
    subscores = fields.Nested(AuthenticitySubscores)
    scores = fields.Nested(AuthenticityScores)


class _AuthenticityVerificationBase(Resource):
    state = fields.String()
    mode = fields.String()
    model = fields.String()
    audio = fields.Nested(AudioSummary, allow_none=True)
    duration = fields.String()
    voiceDuration = fields.String()
    score = Score()
    subscores = fields.Nested(AuthenticitySubscores)
    scores = fields.Nested(AuthenticityScores)
    partialSpoof = fields.Boolean()


class AuthenticityVerification(_AuthenticityVerificationBase):
    chunks = fields.Integer()
    createdAt = fields.String()
    performedAt = fields.String()


class AuthenticityVerificationWithChunks(_AuthenticityVerificationBase):
    chunks = fields.List(fields.Nested(AuthenticityVerificationChunk))
    createdAt = fields.String()
    performedAt = fields.String()


class IdentityScores(Schema):
    identity = Score()
    synthesis = Score()
    replay = Score()


class IdentityVerification(Resource):
    state = fields.String()
    model = fields.String()
    audio = fields.Nested(AudioSummary, allow_none=True)
    identity = fields.Nested(IdentitySummary, allow_none=True)
    voiceprint = fields.Nested(VoiceprintSummary, allow_none=True)
    score = Score()
    scores = fields.Nested(IdentityScores)
    createdAt = fields.String()
    performedAt = fields.String()


class MessageScores(Schema):
    message = Score()


class MessageVerification(Resource):
    state = fields.String()
    model = fields.String()
    audio = fields.Nested(AudioSummary, allow_none=True)
    message = fields.String()
    language = fields.String()
    score = Score()
    scores = fields.Nested(MessageScores)
    createdAt = fields.String()
    performedAt = fields.String()


class RecordActor(HandleAlias):
    type = fields.String()


class RecordVerification(HandleAlias):
    type = fields.String()


class RecordSpace(HandleAlias):
    pass


class VerificationRecord(Schema):
    id = fields.String()
    handle = fields.String()
    actor = fields.Nested(RecordActor)
    type = fields.String()
    model = fields.String()
    verification = fields.Nested(RecordVerification)
    space = fields.Nested(RecordSpace)
    owner = fields.Nested(Owner)
    performedAt = fields.String()


TYPE_SCHEMAS = {"authenticity": AuthenticityVerification(),
                "identity": IdentityVerification(),
                "message": MessageVerification()}
