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
from ...web.vendor import runtime
from . import paging, streaming
from . import schemas as s
from .errors import error, invalid
from .models import accounts, audios, records, spaces, verifications, voiceprints

blueprint = Blueprint("hiya", __name__)
PREFIXES = ("/v1", "/audiointel/<any(us, eu):region>/v1")
SPACE = "/spaces/<owner>/<space>"
NOT_A_FILE = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")


def route(path: str, method: str, **options):
    """Register a view under both base paths, with its own name as the endpoint (``options``
    go to the URL rule, e.g. ``websocket=True``). The view is handed the request's ``ctx``."""
    def register(view):
        @functools.wraps(view)
        def endpoint(region=None, **kwargs):
            return view(**kwargs)
        for prefix in PREFIXES:
            blueprint.add_url_rule(prefix + path, view.__name__, endpoint, methods=[method],
                                   **options)
        return endpoint
    return register


def authenticate(ctx) -> dict:
    return accounts.authenticate(ctx.runtime, ctx.config, request.headers.get("Authorization"))


def load(schema: Schema) -> dict:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise invalid({"_body": ["A JSON object is required."]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise invalid(_messages(exc.normalized_messages()))


def _messages(raw: dict) -> dict[str, list[str]]:
    out = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            value = [f"{k}: {m}" for k, msgs in value.items()
                     for m in (msgs if isinstance(msgs, list) else [msgs])]
        out[str(key)] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return out


def query(sorts: tuple[str, ...], scores: bool = False, search: bool = True) -> paging.ListQuery:
    try:
        return paging.parse_query(request.args, sorts, scores=scores, search=search)
    except paging.QueryError as exc:
        raise invalid(exc.errors)


def page(result: tuple[list, dict], schema: Schema):
    items, headers = result
    return schema.dump(items, many=True), 200, headers


def user(ctx) -> str:
    return ctx.principal["user"]


def space_of(ctx, owner: str, space: str) -> dict:
    """The space of the path, if the signed-in user may reach it."""
    return spaces.find(ctx.runtime, ctx.config, user(ctx), owner, space)


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
def sign_in(ctx):
    body = load(sign_in_body)
    return bearer_token.dump(accounts.sign_in(ctx.runtime, ctx.config, body["handle"],
                                              body["password"]))


@route("/user", "GET")
def get_user(ctx):
    return your_user.dump(accounts.user(ctx.runtime, ctx.config, user(ctx)))


@route("/user/records/verification", "GET")
def list_user_verification_records(ctx):
    q = query(paging.RECORD_SORTS, search=False)
    return page(records.page(ctx.runtime, ctx.config, q, actor=user(ctx)), record_schema)


@route("/orgs/<org>/records/verification", "GET")
def list_org_verification_records(ctx, org):
    owner = accounts.org(ctx.config, user(ctx), org)
    q = query(paging.RECORD_SORTS, search=False)
    return page(records.page(ctx.runtime, ctx.config, q, owner=owner.handle), record_schema)


# ---- spaces ----------------------------------------------------------------------------------

@route(SPACE, "GET")
def get_space(ctx, owner, space):
    return space_schema.dump(spaces.shown(ctx.runtime, ctx.config, space_of(ctx, owner, space)))


@route(SPACE, "PATCH")
def update_space(ctx, owner, space):
    found = space_of(ctx, owner, space)
    updated = spaces.update(ctx.runtime, found, load(update_space_body))
    return space_schema.dump(spaces.shown(ctx.runtime, ctx.config, updated))


# ---- audios ----------------------------------------------------------------------------------

@route(SPACE + "/audios", "POST")
def create_audio(ctx, owner, space):
    found = space_of(ctx, owner, space)
    body = load(create_audio_body)
    upload = None
    if body.get("file") is not None:
        try:
            data = base64text.decode(body["file"], ignore_whitespace=True)
        except ValueError:
            raise invalid({"file": ["Not a valid base64-encoded file."]})
        if len(data) > ctx.config.max_file_bytes:
            raise error(413)
        upload = spool_bytes(data)
    doc = audios.create(ctx.runtime, found, body.get("alias"), body.get("identity"), upload)
    return audio_schema.dump(audios.shown(ctx.runtime, doc)), 201


@route(SPACE + "/audios", "GET")
def list_audios(ctx, owner, space):
    found = space_of(ctx, owner, space)
    docs, headers = audios.page(ctx.runtime, found, query(paging.AUDIO_SORTS))
    return page(([audios.shown(ctx.runtime, d) for d in docs], headers), audio_schema)


@route(SPACE + "/audios/<audio>", "GET")
def get_audio(ctx, owner, space, audio):
    doc = audios.find(ctx.runtime, space_of(ctx, owner, space), audio)
    return audio_schema.dump(audios.shown(ctx.runtime, doc))


@route(SPACE + "/audios/<audio>", "PATCH")
def update_audio(ctx, owner, space, audio):
    found = space_of(ctx, owner, space)
    audios.find(ctx.runtime, found, audio)
    doc = audios.update(ctx.runtime, found, audio, load(update_audio_body))
    return audio_schema.dump(audios.shown(ctx.runtime, doc))


@route(SPACE + "/audios/<audio>/file", "POST")
def upload_audio_file(ctx, owner, space, audio):
    found = space_of(ctx, owner, space)
    if audios.find(ctx.runtime, found, audio)["state"] != audios.AWAITING_FILE:
        raise error(409)
    mimetype = request.mimetype or ""
    if mimetype in NOT_A_FILE or mimetype.startswith("text/"):
        raise error(415)
    try:
        upload = spool_body(ctx.config.max_file_bytes)
    except TooLarge:
        raise error(413)
    if upload.size == 0:
        raise invalid({"_body": ["The file is empty."]})
    doc = audios.attach_file(ctx.runtime, found, audio, upload)
    return audio_schema.dump(audios.shown(ctx.runtime, doc))


@route(SPACE + "/audios/<audio>/file", "GET")
def download_audio_file(ctx, owner, space, audio):
    path, mimetype, name = audios.stored_file(ctx.runtime, space_of(ctx, owner, space), audio)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


@route(SPACE + "/audios/<audio>/verifications", "GET")
def list_audio_verifications(ctx, owner, space, audio):
    found = space_of(ctx, owner, space)
    audios.find(ctx.runtime, found, audio)
    q = query(paging.VERIFICATION_SORTS, scores=True)
    return page(verifications.audio_page(ctx.runtime, found, audio, q), generic_schema)


# ---- identities ------------------------------------------------------------------------------

@route(SPACE + "/identities", "POST")
def create_identity(ctx, owner, space):
    found = space_of(ctx, owner, space)
    body = load(create_identity_body)
    doc = voiceprints.create_identity(ctx.runtime, found, body["handle"], body.get("alias"))
    return identity_schema.dump(doc), 201


@route(SPACE + "/identities", "GET")
def list_identities(ctx, owner, space):
    found = space_of(ctx, owner, space)
    q = query(paging.IDENTITY_SORTS)
    return page(voiceprints.identity_page(ctx.runtime, found, q), identity_schema)


@route(SPACE + "/identities/<identity>", "GET")
def get_identity(ctx, owner, space, identity):
    found = space_of(ctx, owner, space)
    return identity_schema.dump(voiceprints.find_identity(ctx.runtime, found, identity))


# ---- voiceprints -----------------------------------------------------------------------------

VOICEPRINT = SPACE + "/voiceprints/<identity>/<voiceprint>"


@route(SPACE + "/voiceprints", "POST")
def create_voiceprint(ctx, owner, space):
    found = space_of(ctx, owner, space)
    doc = voiceprints.create(ctx.runtime, found, load(create_voiceprint_body))
    return voiceprint_schema.dump(voiceprints.shown(ctx.runtime, doc)), 201


@route(VOICEPRINT, "GET")
def get_voiceprint(ctx, owner, space, identity, voiceprint):
    doc = voiceprints.find(ctx.runtime, space_of(ctx, owner, space), identity, voiceprint)
    return voiceprint_schema.dump(voiceprints.shown(ctx.runtime, doc))


@route(VOICEPRINT + "/audios/<audio>", "POST")
def add_voiceprint_audio(ctx, owner, space, identity, voiceprint, audio):
    found = space_of(ctx, owner, space)
    doc = voiceprints.add_audio(ctx.runtime, found, identity, voiceprint, audio)
    return voiceprint_schema.dump(voiceprints.shown(ctx.runtime, doc))


@route(VOICEPRINT + ":compute", "POST")
def compute_voiceprint(ctx, owner, space, identity, voiceprint):
    doc = voiceprints.compute(ctx.runtime, space_of(ctx, owner, space), identity, voiceprint)
    return voiceprint_schema.dump(voiceprints.shown(ctx.runtime, doc))


@route(VOICEPRINT + "/verifications", "GET")
def list_voiceprint_verifications(ctx, owner, space, identity, voiceprint):
    found = space_of(ctx, owner, space)
    voiceprints.find(ctx.runtime, found, identity, voiceprint)
    q = query(paging.VERIFICATION_SORTS, scores=True)
    return page(verifications.voiceprint_page(ctx.runtime, found, identity, voiceprint, q),
                generic_schema)


# ---- verifications ---------------------------------------------------------------------------

VERIFICATIONS = SPACE + "/verifications"


@route(VERIFICATIONS + "/authenticity", "POST")
def create_authenticity_verification(ctx, owner, space):
    found = space_of(ctx, owner, space)
    doc = verifications.create_authenticity(ctx.runtime, ctx.config, user(ctx), found,
                                            load(create_authenticity_body))
    return with_chunks.dump(verifications.shown(ctx.runtime, doc)), 201


@route(SPACE + "/verify/authenticity", "GET", websocket=True)
def stream_authenticity_verification(ctx, owner, space):
    """The WebSocket of a streaming authenticity verification (mode ``websocket``)."""
    found = space_of(ctx, owner, space)  # 401 / 403 / 404 are answered before the upgrade
    return websocket.accept(lambda ws: streaming.verify(ws, ctx, found),
                            max_message_size=ctx.config.max_file_bytes)


@route(VERIFICATIONS + "/identity", "POST")
def create_identity_verification(ctx, owner, space):
    found = space_of(ctx, owner, space)
    body = load(create_identity_verification_body)
    doc = verifications.create_identity(ctx.runtime, ctx.config, user(ctx), found, body)
    return s.TYPE_SCHEMAS["identity"].dump(verifications.shown(ctx.runtime, doc)), 201


@route(VERIFICATIONS + "/message", "POST")
def create_message_verification(ctx, owner, space):
    found = space_of(ctx, owner, space)
    body = load(create_message_body)
    doc = verifications.create_message(ctx.runtime, ctx.config, user(ctx), found, body)
    return s.TYPE_SCHEMAS["message"].dump(verifications.shown(ctx.runtime, doc)), 201


def _verification_type(vtype: str) -> None:
    """The list, get and update operations of one verification type (their operationIds:
    ``list_<type>_verifications``, ``get_<type>_verification``, ``update_<type>_verification``)."""
    schema = s.TYPE_SCHEMAS[vtype]

    def listed(ctx, owner, space):
        found = space_of(ctx, owner, space)
        q = query(paging.VERIFICATION_SORTS, scores=True)
        items, headers = verifications.page(ctx.runtime, found, vtype, q)
        if all(verifications.finished(doc) for doc in items):
            ctx.settle()
        return page((items, headers), schema)

    def got(ctx, owner, space, verification):
        doc = verifications.find(ctx.runtime, space_of(ctx, owner, space), vtype, verification)
        if verifications.finished(doc):
            ctx.settle()
        return (with_chunks if vtype == "authenticity" else schema).dump(
            verifications.shown(ctx.runtime, doc))

    def updated(ctx, owner, space, verification):
        found = space_of(ctx, owner, space)
        verifications.find(ctx.runtime, found, vtype, verification, observe=False)
        changes = load(update_verification_body)
        doc = verifications.update(ctx.runtime, found, vtype, verification, changes)
        return schema.dump(verifications.shown(ctx.runtime, doc))

    path = f"{VERIFICATIONS}/{vtype}"
    for view, name, method, rule in ((listed, f"list_{vtype}_verifications", "GET", path),
                                     (got, f"get_{vtype}_verification", "GET",
                                      path + "/<verification>"),
                                     (updated, f"update_{vtype}_verification", "PATCH",
                                      path + "/<verification>")):
        view.__name__ = view.__qualname__ = name
        route(rule, method)(view)


for _vtype in ("authenticity", "identity", "message"):
    _verification_type(_vtype)


# ---- vendor admin: credits (under /_admin/vendors/hiya/) -------------------------------------

admin_blueprint = Blueprint("hiya_admin", __name__)


@admin_blueprint.errorhandler(AdminError)
def admin_error(err: AdminError):
    return {"error": err.message}, err.status


def _credits(rt, config, owner: str) -> dict:
    allowance = accounts.allowance(rt, config, owner)
    spent = accounts.spent(rt, owner)
    return {"owner": owner, "allowance": allowance, "spent": spent,
            "remaining": max(0, allowance - spent)}


@admin_blueprint.get("/credits")
def list_credits():
    rt = runtime()
    config = rt.settings.vendors["hiya"]
    return {"credits": [_credits(rt, config, owner) for owner in config.owners]}


@admin_blueprint.put("/credits/<owner>")
def set_credits(owner):
    rt = runtime()
    config = rt.settings.vendors["hiya"]
    if owner not in config.owners:
        raise AdminError(f"unknown owner {owner!r}", 404)
    body = request.get_json(silent=True)
    credits = body.get("credits") if isinstance(body, dict) else None
    if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
        raise AdminError("send {\"credits\": n} with n a non-negative integer")
    accounts.set_remaining(rt, owner, credits)
    return _credits(rt, config, owner)
