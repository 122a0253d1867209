"""Hiya Audio Intelligence REST: one thin view per operationId of openapi/hiya.yaml.

Every route is served under ``/v1`` (api.loccus.ai) and ``/audiointel/{us|eu}/v1``
(api.hiya.com), over the same state.
"""

from __future__ import annotations

import functools

from flask import Blueprint, request, send_file
from marshmallow import Schema, ValidationError

from ...core import base64text
from ...core.errors import AdminError
from ...core.spool import TooLarge
from ...web import websocket
from ...web.uploads import spool_body, spool_bytes
from ...web.vendor import principal, runtime, vendor_settings
from . import listing, models, streaming
from . import schemas as s

blueprint = Blueprint("hiya", __name__)
PREFIXES = ("/v1", "/audiointel/<any(us, eu):region>/v1")
SPACE = "/spaces/<owner>/<space>"
NOT_A_FILE = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")


def route(path: str, method: str, **options):
    """Register a view under both base paths, with its own name as the endpoint (``options``
    go to the URL rule, e.g. ``websocket=True``)."""
    def register(view):
        @functools.wraps(view)
        def endpoint(region=None, **kwargs):
            return view(**kwargs)
        for prefix in PREFIXES:
            blueprint.add_url_rule(prefix + path, view.__name__, endpoint, methods=[method],
                                   **options)
        return endpoint
    return register


def backend() -> models.Backend:
    return models.Backend(runtime(), vendor_settings(), principal())


def load(schema: Schema) -> dict:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise models.invalid({"_body": ["A JSON object is required."]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise models.invalid(_messages(exc.normalized_messages()))


def _messages(raw: dict) -> dict[str, list[str]]:
    out = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            value = [f"{k}: {m}" for k, msgs in value.items()
                     for m in (msgs if isinstance(msgs, list) else [msgs])]
        out[str(key)] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return out


def query(sorts: tuple[str, ...], scores: bool = False, search: bool = True) -> listing.ListQuery:
    try:
        return listing.parse_query(request.args, sorts, scores=scores, search=search)
    except listing.QueryError as exc:
        raise models.invalid(exc.errors)


def page(result: tuple[list, dict], schema: Schema):
    items, headers = result
    return schema.dump(items, many=True), 200, headers


sign_in_body = s.SignInBody()
update_space_body = s.UpdateSpaceBody()
create_audio_body = s.CreateAudioBody()
update_audio_body = s.UpdateAudioBody()
create_identity_body = s.CreateIdentityBody()
create_voiceprint_body = s.CreateVoiceprintBody()
create_authenticity_body = s.CreateAuthenticityVerificationBody()
create_identity_verification_body = s.CreateIdentityVerificationBody()
create_message_body = s.CreateMessageVerificationBody()
update_verification_body = s.UpdateVerificationBody()

bearer_token = s.BearerToken()
your_user = s.YourUser()
space_schema = s.Space()
audio_schema = s.Audio()
identity_schema = s.Identity()
voiceprint_schema = s.Voiceprint()
generic_schema = s.Verification()
record_schema = s.VerificationRecord()
with_chunks = s.AuthenticityVerificationWithChunks()


# ---- auth and user ---------------------------------------------------------------------------

@route("/auth/credentials", "POST")
def sign_in():
    body = load(sign_in_body)
    return bearer_token.dump(models.sign_in(runtime(), vendor_settings(), body["handle"],
                                            body["password"]))


@route("/user", "GET")
def get_user():
    return your_user.dump(backend().user_view())


@route("/user/records/verification", "GET")
def list_user_verification_records():
    be = backend()
    q = query(listing.RECORD_SORTS, search=False)
    return page(be.list_records(q, actor=be.user), record_schema)


@route("/orgs/<org>/records/verification", "GET")
def list_org_verification_records(org):
    be = backend()
    owner = be.org(org)
    q = query(listing.RECORD_SORTS, search=False)
    return page(be.list_records(q, owner=owner.handle), record_schema)


# ---- spaces ----------------------------------------------------------------------------------

@route(SPACE, "GET")
def get_space(owner, space):
    be = backend()
    return space_schema.dump(be.space_view(be.space(owner, space)))


@route(SPACE, "PATCH")
def update_space(owner, space):
    be = backend()
    found = be.space(owner, space)
    return space_schema.dump(be.update_space(found, load(update_space_body)))


# ---- audios ----------------------------------------------------------------------------------

@route(SPACE + "/audios", "POST")
def create_audio(owner, space):
    be = backend()
    found = be.space(owner, space)
    body = load(create_audio_body)
    upload = None
    if body.get("file") is not None:
        try:
            data = base64text.decode(body["file"], ignore_whitespace=True)
        except ValueError:
            raise models.invalid({"file": ["Not a valid base64-encoded file."]})
        if len(data) > be.settings["max_file_bytes"]:
            raise models.error(413)
        upload = spool_bytes(data)
    return audio_schema.dump(be.create_audio(found, body.get("alias"), body.get("identity"),
                                             upload)), 201


@route(SPACE + "/audios", "GET")
def list_audios(owner, space):
    be = backend()
    found = be.space(owner, space)
    return page(be.list_audios(found, query(listing.AUDIO_SORTS)), audio_schema)


@route(SPACE + "/audios/<audio>", "GET")
def get_audio(owner, space, audio):
    be = backend()
    return audio_schema.dump(be.audio_view(be.audio(be.space(owner, space), audio)))


@route(SPACE + "/audios/<audio>", "PATCH")
def update_audio(owner, space, audio):
    be = backend()
    found = be.space(owner, space)
    be.audio(found, audio)
    return audio_schema.dump(be.update_audio(found, audio, load(update_audio_body)))


@route(SPACE + "/audios/<audio>/file", "POST")
def upload_audio_file(owner, space, audio):
    be = backend()
    found = be.space(owner, space)
    if be.audio(found, audio)["state"] != "avaitingFile":
        raise models.error(409)
    mimetype = request.mimetype or ""
    if mimetype in NOT_A_FILE or mimetype.startswith("text/"):
        raise models.error(415)
    try:
        upload = spool_body(be.settings["max_file_bytes"])
    except TooLarge:
        raise models.error(413)
    if upload.size == 0:
        raise models.invalid({"_body": ["The file is empty."]})
    return audio_schema.dump(be.upload_audio_file(found, audio, upload))


@route(SPACE + "/audios/<audio>/file", "GET")
def download_audio_file(owner, space, audio):
    be = backend()
    path, mimetype, name = be.audio_file(be.space(owner, space), audio)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


@route(SPACE + "/audios/<audio>/verifications", "GET")
def list_audio_verifications(owner, space, audio):
    be = backend()
    found = be.space(owner, space)
    be.audio(found, audio)
    q = query(listing.VERIFICATION_SORTS, scores=True)
    return page(be.list_audio_verifications(found, audio, q), generic_schema)


# ---- identities ------------------------------------------------------------------------------

@route(SPACE + "/identities", "POST")
def create_identity(owner, space):
    be = backend()
    found = be.space(owner, space)
    body = load(create_identity_body)
    return identity_schema.dump(be.create_identity(found, body["handle"], body.get("alias"))), 201


@route(SPACE + "/identities", "GET")
def list_identities(owner, space):
    be = backend()
    found = be.space(owner, space)
    return page(be.list_identities(found, query(listing.IDENTITY_SORTS)), identity_schema)


@route(SPACE + "/identities/<identity>", "GET")
def get_identity(owner, space, identity):
    be = backend()
    return identity_schema.dump(be.identity_view(be.identity(be.space(owner, space), identity)))


# ---- voiceprints -----------------------------------------------------------------------------

VOICEPRINT = SPACE + "/voiceprints/<identity>/<voiceprint>"


@route(SPACE + "/voiceprints", "POST")
def create_voiceprint(owner, space):
    be = backend()
    found = be.space(owner, space)
    return voiceprint_schema.dump(be.create_voiceprint(found, load(create_voiceprint_body))), 201


@route(VOICEPRINT, "GET")
def get_voiceprint(owner, space, identity, voiceprint):
    be = backend()
    found = be.space(owner, space)
    return voiceprint_schema.dump(be.voiceprint_view(be.voiceprint(found, identity, voiceprint)))


@route(VOICEPRINT + "/audios/<audio>", "POST")
def add_voiceprint_audio(owner, space, identity, voiceprint, audio):
    be = backend()
    found = be.space(owner, space)
    return voiceprint_schema.dump(be.add_voiceprint_audio(found, identity, voiceprint, audio))


@route(VOICEPRINT + ":compute", "POST")
def compute_voiceprint(owner, space, identity, voiceprint):
    be = backend()
    found = be.space(owner, space)
    return voiceprint_schema.dump(be.compute_voiceprint(found, identity, voiceprint))


@route(VOICEPRINT + "/verifications", "GET")
def list_voiceprint_verifications(owner, space, identity, voiceprint):
    be = backend()
    found = be.space(owner, space)
    be.voiceprint(found, identity, voiceprint)
    q = query(listing.VERIFICATION_SORTS, scores=True)
    return page(be.list_voiceprint_verifications(found, identity, voiceprint, q), generic_schema)


# ---- verifications ---------------------------------------------------------------------------

VERIFICATIONS = SPACE + "/verifications"


@route(VERIFICATIONS + "/authenticity", "POST")
def create_authenticity_verification(owner, space):
    be = backend()
    found = be.space(owner, space)
    return with_chunks.dump(be.create_authenticity(found, load(create_authenticity_body))), 201


@route(SPACE + "/verify/authenticity", "GET", websocket=True)
def stream_authenticity_verification(owner, space):
    """The WebSocket of a streaming authenticity verification (mode ``websocket``)."""
    be = backend()
    found = be.space(owner, space)  # 401 / 403 / 404 are answered before the upgrade
    settings = vendor_settings()
    return websocket.accept(lambda ws: streaming.verify(ws, be, found, settings),
                            max_message_size=settings["max_file_bytes"])


@route(VERIFICATIONS + "/identity", "POST")
def create_identity_verification(owner, space):
    be = backend()
    found = be.space(owner, space)
    body = load(create_identity_verification_body)
    return s.TYPE_SCHEMAS["identity"].dump(be.create_identity_verification(found, body)), 201


@route(VERIFICATIONS + "/message", "POST")
def create_message_verification(owner, space):
    be = backend()
    found = be.space(owner, space)
    body = load(create_message_body)
    return s.TYPE_SCHEMAS["message"].dump(be.create_message_verification(found, body)), 201


def _list(vtype: str, owner: str, space: str):
    be = backend()
    found = be.space(owner, space)
    q = query(listing.VERIFICATION_SORTS, scores=True)
    return page(be.list_verifications(found, vtype, q), s.TYPE_SCHEMAS[vtype])


def _get(vtype: str, owner: str, space: str, verification: str):
    be = backend()
    doc = be.verification(be.space(owner, space), vtype, verification)
    if vtype == "authenticity":
        return with_chunks.dump(be.verification_view(doc, with_chunks=True))
    return s.TYPE_SCHEMAS[vtype].dump(be.verification_view(doc))


def _update(vtype: str, owner: str, space: str, verification: str):
    be = backend()
    found = be.space(owner, space)
    be.verification(found, vtype, verification, observe=False)
    changes = load(update_verification_body)
    return s.TYPE_SCHEMAS[vtype].dump(be.update_verification(found, vtype, verification, changes))


@route(VERIFICATIONS + "/authenticity", "GET")
def list_authenticity_verifications(owner, space):
    return _list("authenticity", owner, space)


@route(VERIFICATIONS + "/authenticity/<verification>", "GET")
def get_authenticity_verification(owner, space, verification):
    return _get("authenticity", owner, space, verification)


@route(VERIFICATIONS + "/authenticity/<verification>", "PATCH")
def update_authenticity_verification(owner, space, verification):
    return _update("authenticity", owner, space, verification)


@route(VERIFICATIONS + "/identity", "GET")
def list_identity_verifications(owner, space):
    return _list("identity", owner, space)


@route(VERIFICATIONS + "/identity/<verification>", "GET")
def get_identity_verification(owner, space, verification):
    return _get("identity", owner, space, verification)


@route(VERIFICATIONS + "/identity/<verification>", "PATCH")
def update_identity_verification(owner, space, verification):
    return _update("identity", owner, space, verification)


@route(VERIFICATIONS + "/message", "GET")
def list_message_verifications(owner, space):
    return _list("message", owner, space)


@route(VERIFICATIONS + "/message/<verification>", "GET")
def get_message_verification(owner, space, verification):
    return _get("message", owner, space, verification)


@route(VERIFICATIONS + "/message/<verification>", "PATCH")
def update_message_verification(owner, space, verification):
    return _update("message", owner, space, verification)


# ---- vendor admin: credits (under /_admin/vendors/hiya/) -------------------------------------

admin = Blueprint("hiya_admin", __name__)


@admin.errorhandler(AdminError)
def admin_error(err: AdminError):
    return {"error": err.message}, err.status


def _credit_view(be: models.Backend, owner: str) -> dict:
    allowance, spent = be.allowance(owner), be.spent(owner)
    return {"owner": owner, "allowance": allowance, "spent": spent,
            "remaining": max(0, allowance - spent)}


@admin.get("/credits")
def list_credits():
    be = models.Backend(runtime(), runtime().settings.vendor_settings("hiya"), None)
    return {"credits": [_credit_view(be, o) for o in models.owners(be.settings)]}


@admin.put("/credits/<owner>")
def set_credits(owner):
    be = models.Backend(runtime(), runtime().settings.vendor_settings("hiya"), None)
    if owner not in models.owners(be.settings):
        raise AdminError(f"unknown owner {owner!r}", 404)
    body = request.get_json(silent=True)
    credits = body.get("credits") if isinstance(body, dict) else None
    if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
        raise AdminError("send {\"credits\": n} with n a non-negative integer")
    runtime().store.put_meta(f"hiya:credits:{owner}", {"allowance": be.spent(owner) + credits})
    return _credit_view(be, owner)
