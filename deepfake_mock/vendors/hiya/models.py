"""Hiya Audio Intelligence: users, spaces, audios, identities, voiceprints and verifications over
the store. Plain Python: views hand in parsed values and spooled files, and get back the dicts
the schemas dump. Every failure is a VendorError rendered as ``{"message": ...}``.

Users, organisations and API keys are settings (read, never stored); spaces, tokens and every
resource created through the API live in the store, so every worker shares them.
"""

from __future__ import annotations

import base64
import hmac
import os
import uuid
from dataclasses import dataclass
from typing import Iterable, Mapping

from werkzeug.http import HTTP_STATUS_CODES

from ...core.errors import VendorError
from ...core.media import MediaLimits
from ...core.rng import unit_interval
from ...core.spool import SpooledFile
from . import analysis, listing, rules

VENDOR = "hiya"
FILE_PREFIX = "hiya-"
NAMESPACE = uuid.UUID("5b0f3c8e-59a7-4d5e-9b7a-6c1e0a8d2f40")

C_TOKENS = "hiya:tokens"
C_SPACES = "hiya:spaces"
C_SPACE_HANDLES = "hiya:space-handles"
C_HANDLES = "hiya:handles"
C_AUDIOS = "hiya:audios"
C_IDENTITIES = "hiya:identities"
C_VOICEPRINTS = "hiya:voiceprints"
C_VERIFICATIONS = "hiya:verifications"
C_RECORDS = "hiya:records"

STATES = ("performing", "performed", "performedWithoutScore", "error")
# The vendor's example scripts use a space `main`, or `demo` (batch testing): both exist for
# every owner so that they run unmodified.
DEFAULT_SPACES = ("main", "demo")

# Status -> (code, message). 404 / 409 / 429 are DOCUMENTED; the others are the emulator's.
ERRORS = {
    400: ("invalid_request", "Invalid request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Resource not found"),
    405: ("method_not_allowed", "Method not allowed"),
    408: ("timeout", "Request timeout"),
    409: ("collision", "Resource collision"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    429: ("not_enough_credits", "Not enough credits"),
    500: ("internal", "Internal server error"),
    503: ("overloaded", "Service temporarily overloaded"),
}

AUDIO_NOT_AVAILABLE = "Audio file not available"
REQUIREMENTS_NOT_MET = "Model requirements not met"
VOICEPRINT_NOT_COMPUTED = "Voiceprint not computed"
VOICEPRINT_NOT_COMPUTABLE = "Voiceprint not computable"
AUDIO_OF_ANOTHER_IDENTITY = "Audio belongs to another identity"


def error(status: int, message: str | None = None, detail: dict | None = None) -> VendorError:
    code, default = ERRORS.get(status, (None, None))
    if code is None:
        code = HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")
        default = HTTP_STATUS_CODES.get(status, "Error").capitalize()
    return VendorError(status, code, message or default, detail)


def invalid(errors: Mapping[str, list[str]]) -> VendorError:
    """400 "Invalid request" naming the offending fields."""
    return error(400, detail=dict(errors))


def unauthorized() -> VendorError:
    err = error(401)
    err.headers = {"WWW-Authenticate": "Bearer"}
    return err


# ---- settings: users, organisations, keys ----------------------------------------------------

@dataclass(frozen=True)
class Owner:
    type: str              # "user" | "org"
    handle: str
    alias: str | None
    members: tuple[str, ...] = ()

    def summary(self) -> dict:
        return {"type": self.type, "handle": self.handle, "alias": self.alias}


def users(settings) -> dict[str, dict]:
    return {u["handle"]: u for u in settings["users"]}


def owners(settings) -> dict[str, Owner]:
    found: dict[str, Owner] = {}
    for org in settings["orgs"]:
        members = tuple(u["handle"] for u in settings["users"] if org["handle"] in u.get("orgs", ()))
        found[org["handle"]] = Owner("org", org["handle"], org.get("alias"), members)
    for user in settings["users"]:
        found[user["handle"]] = Owner("user", user["handle"], user.get("alias"), (user["handle"],))
    return found


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def validate_settings(settings) -> None:
    """Fail at start-up on settings the API could never serve."""
    for user in settings["users"]:
        if not rules.is_handle(user.get("handle")) or not isinstance(user.get("password"), str):
            raise ValueError(f"hiya: bad user in settings: {user!r}")
    for org in settings["orgs"]:
        if not rules.is_handle(org.get("handle")):
            raise ValueError(f"hiya: bad organisation in settings: {org!r}")
    for space in settings["spaces"]:
        if not rules.is_handle(space.get("handle")) or space.get("owner") not in owners(settings):
            raise ValueError(f"hiya: bad space in settings: {space!r}")
    if settings["foreign_space_status"] not in (403, 404):
        raise ValueError("hiya: foreign_space_status must be 403 or 404")
    if not settings["stream_idle_seconds"] > 0:  # a number: the settings' types are checked
        raise ValueError("hiya: stream_idle_seconds must be a positive number of seconds")


def bootstrap(rt, settings) -> None:
    """Every user and organisation owns the spaces the vendor's example scripts default to
    (``DEFAULT_SPACES``); ``spaces`` adds more. Idempotent: a space renamed through the API keeps
    its new handle across restarts with a state file."""
    validate_settings(settings)
    rt.store.insert("hiya:meta", "epoch", {"at": rt.clock.now()})
    wanted = [(o.type, o.handle, handle, None)
              for o in owners(settings).values() for handle in DEFAULT_SPACES]
    for extra in settings["spaces"]:
        owner = owners(settings)[extra["owner"]]
        wanted.append((owner.type, owner.handle, extra["handle"], extra.get("alias")))
    for owner_type, owner, handle, alias in wanted:
        space_id = stable_id("space", owner, handle)
        doc = {"id": space_id, "handle": handle, "alias": alias, "owner_type": owner_type,
               "owner": owner, "created_at": epoch(rt)}
        if rt.store.insert(C_SPACES, space_id, doc):
            rt.store.insert(C_SPACE_HANDLES, f"{owner}/{handle}", {"id": space_id})


def epoch(rt) -> float:
    doc = rt.store.get("hiya:meta", "epoch")
    return doc["at"] if doc else rt.clock.now()


# ---- authentication ---------------------------------------------------------------------------

def authenticate(header: str | None, rt, settings) -> dict:
    """The principal of an ``Authorization: Bearer`` header, or 401."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized()
    known = users(settings)
    owner = settings["api_keys"].get(token)
    if owner is not None and owner in known:
        return {"credential": f"user:{owner}", "user": owner, "kind": "apiKey"}
    doc = rt.store.get(C_TOKENS, token)
    if doc is None or doc["user"] not in known or rt.clock.now() >= doc["expires_at"]:
        raise unauthorized()
    return {"credential": f"user:{doc['user']}", "user": doc["user"], "kind": "token"}


def sign_in(rt, settings, handle: str, password: str) -> dict:
    user = users(settings).get(handle)
    if user is None or not hmac.compare_digest(user["password"].encode(), password.encode()):
        raise error(401)
    token = base64.b64encode(bytes.fromhex(rt.ids.hex("hiya-token", 64))).decode()
    now = rt.clock.now()
    expires = now + float(settings["token_ttl_seconds"])
    rt.store.put(C_TOKENS, token, {"user": handle, "issued_at": now, "expires_at": expires})
    return {"token": token, "issuedAt": rules.format_timestamp(now),
            "expiresAt": rules.format_timestamp(expires)}


# ---- the backend --------------------------------------------------------------------------

class Backend:
    """What one request may do, as the user its principal names."""

    def __init__(self, rt, settings, principal: dict | None):
        self.rt = rt
        self.store = rt.store
        self.settings = settings
        self.user = (principal or {}).get("user")

    # -- helpers -------------------------------------------------------------------------
    def now(self) -> float:
        return self.rt.clock.now()

    def ts(self, moment: float | None) -> str | None:
        return None if moment is None else rules.format_timestamp(moment)

    def _bump(self, collection: str, key: str | None, field: str, amount: int = 1) -> None:
        if key is None:
            return

        def change(doc):
            doc[field] = doc.get(field, 0) + amount
            return doc
        self.store.update(collection, key, change)

    def _claim(self, space: dict, kind: str, handle: str, target: str) -> None:
        if not self.store.insert(C_HANDLES, f"{space['id']}|{kind}|{handle}", {"id": target}):
            raise error(409)

    def _find(self, space: dict, kind: str, handle: str, collection: str) -> dict:
        if not rules.is_handle(handle):
            raise error(404)
        ref = self.store.get(C_HANDLES, f"{space['id']}|{kind}|{handle}")
        doc = self.store.get(collection, ref["id"]) if ref else None
        if doc is None:
            raise error(404)
        return doc

    # -- user ----------------------------------------------------------------------------
    def user_view(self) -> dict:
        user = users(self.settings)[self.user]
        owned = [s for s in self.store.scan(C_SPACES) if s["owner"] == self.user]
        return {"id": stable_id("user", self.user), "handle": self.user,
                "alias": user.get("alias"), "email": user.get("email") or f"{self.user}@example.com",
                "emailVerified": True, "state": "verified",
                "orgs": sum(1 for o in self.settings["orgs"] if o["handle"] in user.get("orgs", ())),
                "spaces": len(owned), "createdAt": self.ts(epoch(self.rt))}

    # -- spaces --------------------------------------------------------------------------
    def _owner(self, handle: str) -> Owner:
        """The owner named in a path, if the caller may reach it."""
        owner = owners(self.settings).get(handle) if rules.is_handle(handle) else None
        if owner is None:
            raise error(404)
        if self.user not in owner.members:
            raise error(self.settings["foreign_space_status"])
        return owner

    def space(self, owner: str, handle: str) -> dict:
        self._owner(owner)
        ref = self.store.get(C_SPACE_HANDLES, f"{owner}/{handle}") if rules.is_handle(handle) else None
        doc = self.store.get(C_SPACES, ref["id"]) if ref else None
        if doc is None:
            raise error(404)
        return doc

    def space_view(self, space: dict) -> dict:
        owner = owners(self.settings)[space["owner"]]
        count = lambda c: self.store.count(c, scope=space["id"])  # noqa: E731
        return {"id": space["id"], "handle": space["handle"], "alias": space["alias"],
                "owner": owner.summary(), "audios": count(C_AUDIOS),
                "voiceprints": count(C_VOICEPRINTS), "verifications": count(C_VERIFICATIONS),
                "identities": count(C_IDENTITIES), "createdAt": self.ts(space["created_at"])}

    def update_space(self, space: dict, changes: dict) -> dict:
        new_handle = changes.get("handle", space["handle"])
        if new_handle != space["handle"]:
            if not self.store.insert(C_SPACE_HANDLES, f"{space['owner']}/{new_handle}",
                                     {"id": space["id"]}):
                raise error(409)
            self.store.delete(C_SPACE_HANDLES, f"{space['owner']}/{space['handle']}")

        def change(doc):
            doc["handle"] = new_handle
            if "alias" in changes:
                doc["alias"] = changes["alias"]
            return doc
        return self.space_view(self.store.update(C_SPACES, space["id"], change))

    # -- audios --------------------------------------------------------------------------
    def _ingest(self, audio_id: str, upload: SpooledFile) -> dict:
        """The audio fields a file gives; an accepted file is kept as ``hiya-<audio id>``.
        A full spool answers 503, Hiya's observed "temporarily overloaded"."""
        if not self.rt.spool.has_room(upload.size):
            raise error(503)
        found = analysis.analyse_file(upload.path, MediaLimits.from_settings(self.rt.settings))
        if found is None:
            return {"state": "notAvailable", "uploaded_at": self.now(), "digest": upload.digest,
                    "size": upload.size}
        return {"state": "available", "duration": found.duration, "voice": found.voice_duration,
                "sample_rate": found.sample_rate, "profile": found.profile,
                "container": found.container, "has_video": found.has_video,
                "digest": upload.digest, "size": upload.size, "uploaded_at": self.now()}

    def _keep(self, audio_id: str, upload: SpooledFile, fields: dict) -> None:
        if fields["state"] == "available":
            self.rt.spool.keep(upload.path, f"{FILE_PREFIX}{audio_id}")

    def create_audio(self, space: dict, alias: str | None, identity: str | None,
                     upload: SpooledFile | None) -> dict:
        identity_doc = self._find(space, "identity", identity, C_IDENTITIES) if identity else None
        audio_id = self.rt.ids.uuid4("hiya-audio")
        now = self.now()
        doc = {"id": audio_id, "handle": audio_id, "alias": alias, "space": space["id"],
               "state": "avaitingFile", "duration": 0.0, "voice": 0.0, "sample_rate": 0,
               "profile": "", "digest": None, "identity": identity_doc["id"] if identity_doc else None,
               "voiceprints": 0, "verifications": 0, "created_at": now, "uploaded_at": now}
        fields = self._ingest(audio_id, upload) if upload is not None else None
        if fields:
            doc.update(fields)
        self._claim(space, "audio", audio_id, audio_id)
        self.store.put(C_AUDIOS, audio_id, doc, scope=space["id"])
        if fields:
            self._keep(audio_id, upload, fields)
        if identity_doc:
            self._bump(C_IDENTITIES, identity_doc["id"], "audios")
        return self.audio_view(doc)

    def audio(self, space: dict, handle: str) -> dict:
        return self._find(space, "audio", handle, C_AUDIOS)

    def upload_audio_file(self, space: dict, handle: str, upload: SpooledFile) -> dict:
        audio = self.audio(space, handle)
        if audio["state"] != "avaitingFile":
            raise error(409)
        fields = self._ingest(audio["id"], upload)
        collided = []

        def attach(doc):
            if doc["state"] != "avaitingFile":
                collided.append(True)
                return None
            doc.update(fields)
            return doc
        doc = self.store.update(C_AUDIOS, audio["id"], attach)
        if collided:
            raise error(409)
        self._keep(audio["id"], upload, fields)
        return self.audio_view(doc)

    def update_audio(self, space: dict, handle: str, changes: dict) -> dict:
        audio = self.audio(space, handle)

        def change(doc):
            if "alias" in changes:
                doc["alias"] = changes["alias"]
            return doc
        return self.audio_view(self.store.update(C_AUDIOS, audio["id"], change))

    def audio_file(self, space: dict, handle: str) -> tuple[str, str, str]:
        """(path, content type, download name) of an audio's stored file."""
        audio = self.audio(space, handle)
        path = os.path.join(self.rt.spool_dir, f"{FILE_PREFIX}{audio['id']}")
        if audio["state"] != "available" or not os.path.exists(path):
            raise error(404)
        mimetype, ext = analysis.media_type(audio.get("container", ""), audio.get("has_video", False))
        return path, mimetype, f"{audio['handle']}.{ext}"

    def _identity_summary(self, identity_id: str | None) -> dict | None:
        doc = self.store.get(C_IDENTITIES, identity_id) if identity_id else None
        return {"handle": doc["handle"], "alias": doc["alias"]} if doc else None

    def audio_view(self, doc: dict) -> dict:
        return {"id": doc["id"], "handle": doc["handle"], "alias": doc["alias"],
                "state": doc["state"], "duration": rules.format_duration(doc["duration"]),
                "voiceDuration": rules.format_duration(doc["voice"]),
                "sampleRate": doc["sample_rate"], "identity": self._identity_summary(doc["identity"]),
                "voiceprints": doc["voiceprints"], "verifications": doc["verifications"],
                "createdAt": self.ts(doc["created_at"]), "uploadedAt": self.ts(doc["uploaded_at"])}

    def list_audios(self, space: dict, query: listing.ListQuery) -> tuple[list[dict], dict]:
        items = [{"handle": d["handle"], "alias": d["alias"], "createdAt": d["created_at"],
                  "uploadedAt": d["uploaded_at"], "doc": d}
                 for d in self.store.scan(C_AUDIOS, scope=space["id"])]
        page, headers = listing.paginate(listing.select(items, query), query.page, query.page_size)
        return [self.audio_view(i["doc"]) for i in page], headers

    # -- identities ----------------------------------------------------------------------
    def create_identity(self, space: dict, handle: str, alias: str | None) -> dict:
        identity_id = self.rt.ids.uuid4("hiya-identity")
        self._claim(space, "identity", handle, identity_id)
        doc = {"id": identity_id, "handle": handle, "alias": alias, "space": space["id"],
               "audios": 0, "voiceprints": 0, "verifications": 0, "created_at": self.now()}
        self.store.put(C_IDENTITIES, identity_id, doc, scope=space["id"])
        return self.identity_view(doc)

    def identity(self, space: dict, handle: str) -> dict:
        return self._find(space, "identity", handle, C_IDENTITIES)

    def identity_view(self, doc: dict) -> dict:
        return {"id": doc["id"], "handle": doc["handle"], "alias": doc["alias"],
                "audios": doc["audios"], "voiceprints": doc["voiceprints"],
                "verifications": doc["verifications"], "createdAt": self.ts(doc["created_at"])}

    def list_identities(self, space: dict, query: listing.ListQuery) -> tuple[list[dict], dict]:
        items = [{"handle": d["handle"], "alias": d["alias"], "createdAt": d["created_at"], "doc": d}
                 for d in self.store.scan(C_IDENTITIES, scope=space["id"])]
        page, headers = listing.paginate(listing.select(items, query), query.page, query.page_size)
        return [self.identity_view(i["doc"]) for i in page], headers

    # -- voiceprints ---------------------------------------------------------------------
    def create_voiceprint(self, space: dict, body: dict) -> dict:
        identity = self.identity(space, body["identity"])
        model = rules.VOICEPRINT_MODELS.get(body["model"])
        if model is None:
            raise error(404)
        vp_id = self.rt.ids.uuid4("hiya-voiceprint")
        self._claim(space, f"voiceprint:{identity['id']}", body["handle"], vp_id)
        doc = {"id": vp_id, "handle": body["handle"], "alias": body.get("alias"),
               "space": space["id"], "identity": identity["id"], "model": model.handle,
               "min_audios": body["minAudios"], "audios": [], "voice": 0.0, "computed": False,
               "verifications": 0, "created_at": self.now(), "computed_at": None}
        self.store.put(C_VOICEPRINTS, vp_id, doc, scope=space["id"])
        self._bump(C_IDENTITIES, identity["id"], "voiceprints")
        return self.voiceprint_view(doc)

    def voiceprint(self, space: dict, identity: str, handle: str) -> dict:
        identity_doc = self.identity(space, identity)
        return self._find(space, f"voiceprint:{identity_doc['id']}", handle, C_VOICEPRINTS)

    @staticmethod
    def voiceprint_state(doc: dict) -> str:
        if doc["computed"]:
            return "computed"
        if len(doc["audios"]) >= doc["min_audios"] and doc["voice"] >= rules.VOICEPRINT_MIN_VOICE - 1e-9:
            return "computable"
        return "notComputable"

    def voiceprint_view(self, doc: dict) -> dict:
        model = rules.VOICEPRINT_MODELS[doc["model"]]
        return {"id": doc["id"], "handle": doc["handle"], "alias": doc["alias"],
                "state": self.voiceprint_state(doc), "model": model.name,
                "identity": self._identity_summary(doc["identity"]),
                "totalDuration": rules.format_duration(doc["voice"]),
                "minAudios": doc["min_audios"], "audios": len(doc["audios"]),
                "verifications": doc["verifications"], "createdAt": self.ts(doc["created_at"]),
                "computedAt": self.ts(doc["computed_at"])}

    def add_voiceprint_audio(self, space: dict, identity: str, handle: str, audio: str) -> dict:
        vp = self.voiceprint(space, identity, handle)
        audio_doc = self.audio(space, audio)
        if audio_doc["id"] in vp["audios"]:
            raise error(409)
        if audio_doc["state"] != "available":
            raise error(400, AUDIO_NOT_AVAILABLE)
        model = rules.VOICEPRINT_MODELS[vp["model"]]
        if model.unmet(audio_doc["duration"], audio_doc["sample_rate"], audio_doc["voice"]):
            raise error(400, REQUIREMENTS_NOT_MET)
        if audio_doc["identity"] not in (None, vp["identity"]):
            raise error(400, AUDIO_OF_ANOTHER_IDENTITY)
        collided = []

        def attach(doc):
            if audio_doc["id"] in doc["audios"]:
                collided.append(True)
                return None
            doc["audios"].append(audio_doc["id"])
            doc["voice"] = round(doc["voice"] + audio_doc["voice"], 6)
            doc["computed"] = False
            return doc
        doc = self.store.update(C_VOICEPRINTS, vp["id"], attach)
        if collided:
            raise error(409)
        linked = []

        def link(audio_now):
            audio_now["voiceprints"] += 1
            if audio_now["identity"] is None:
                audio_now["identity"] = vp["identity"]
                linked.append(True)
            return audio_now
        self.store.update(C_AUDIOS, audio_doc["id"], link)
        if linked:
            self._bump(C_IDENTITIES, vp["identity"], "audios")
        return self.voiceprint_view(doc)

    def compute_voiceprint(self, space: dict, identity: str, handle: str) -> dict:
        vp = self.voiceprint(space, identity, handle)
        if self.voiceprint_state(vp) == "notComputable":
            raise error(400, VOICEPRINT_NOT_COMPUTABLE)
        now = self.now()

        def compute(doc):
            doc["computed"] = True
            doc["computed_at"] = now
            return doc
        return self.voiceprint_view(self.store.update(C_VOICEPRINTS, vp["id"], compute))

    # -- credits -------------------------------------------------------------------------
    def allowance(self, owner: str) -> int:
        doc = self.store.get_meta(f"hiya:credits:{owner}")
        if doc is not None:
            return doc["allowance"]
        return int(self.settings["credits_by_owner"].get(owner, self.settings["credits"]))

    def spent(self, owner: str) -> int:
        return self.store.incr(f"hiya:spent:{owner}", 0)

    def _require_credit(self, owner: str) -> None:
        if self.spent(owner) >= self.allowance(owner):
            raise error(429)

    def _charge(self, owner: str) -> None:
        if self.store.incr(f"hiya:spent:{owner}", 1) > self.allowance(owner):
            self.store.incr(f"hiya:spent:{owner}", -1)
            raise error(429)

    # -- verifications: create -----------------------------------------------------------
    def _available_audio(self, space: dict, handle: str) -> dict:
        audio = self.audio(space, handle)
        if audio["state"] != "available":
            raise error(400, AUDIO_NOT_AVAILABLE)
        return audio

    def _verdict(self, audio: dict, operation: str):
        return self.rt.verdicts.decide(VENDOR, audio["digest"], operation)

    def _u(self, *parts) -> float:
        return unit_interval(self.rt.seed(), VENDOR, *parts)

    def _synthesis(self, verdict) -> float:
        base = verdict.score if verdict.score is not None else 1.0 - verdict.probability
        return analysis.round_score(float(base))

    def _replay(self, verdict, audio: dict) -> float:
        if "replay" in verdict.fields:
            return analysis.round_score(float(verdict.fields["replay"]))
        return analysis.round_score(0.6 + 0.4 * self._u("replay", audio["digest"]))

    def _store_verification(self, space: dict, audio: dict | None, doc: dict, verdict) -> dict:
        """Charge the space's owner and store the verification. ``doc`` holds the type's fields
        and the ``final_state`` its analysis reached; admin rules may turn it into ``error``
        or leave it ``performing`` until its job moves on. A streamed verification has no
        ``audio`` resource."""
        outcome = verdict.outcome if verdict.outcome in ("error", "performing") else None
        if outcome != "error":
            self._charge(space["owner"])
        if outcome == "error":
            doc["final_state"] = "error"
        now = self.now()
        vid = self.rt.ids.uuid4("hiya-verification")
        doc.update(id=vid, handle=vid, space=space["id"], audio=audio["id"] if audio else None,
                   created_at=now, performed_at=now, actor=self.user, job=outcome == "performing",
                   state="performing" if outcome == "performing" else doc["final_state"])
        if outcome == "performing":
            self.rt.jobs.create(VENDOR, vid, states=("performing",), outcome=doc["final_state"],
                                data={}, scope=space["id"])
        self._claim(space, "verification", vid, vid)
        self.store.put(C_VERIFICATIONS, vid, doc, scope=space["id"])
        self._bump(C_AUDIOS, doc["audio"], "verifications")
        if doc["state"] != "error":
            self._record(space, doc)
        return doc

    def _record(self, space: dict, doc: dict) -> None:
        rid = self.rt.ids.uuid4("hiya-record")
        self.store.put(C_RECORDS, rid, {"id": rid, "verification": doc["id"], "type": doc["type"],
                                        "model": doc["model"], "space": space["id"],
                                        "owner": space["owner"], "actor": doc["actor"],
                                        "performed_at": doc["created_at"]})

    def _admit(self, space: dict, audio: dict, model, operation: str):
        """The checks every verification shares, in order (model requirements, then credits),
        and its verdict."""
        if model.unmet(audio["duration"], audio["sample_rate"], audio["voice"]):
            raise error(400, REQUIREMENTS_NOT_MET)
        self._require_credit(space["owner"])
        return self._verdict(audio, operation)

    @staticmethod
    def authenticity_model(handle: str) -> rules.Model:
        model = rules.AUTHENTICITY_MODELS.get(handle)
        if model is None:
            raise error(404)
        return model

    def create_authenticity(self, space: dict, body: dict) -> dict:
        audio = self.audio(space, body["audio"])
        model = self.authenticity_model(body["model"])
        if audio["state"] != "available":
            raise error(400, AUDIO_NOT_AVAILABLE)
        doc, verdict = self._authenticity(space, audio, model, "create_authenticity_verification")
        doc.update(alias=body.get("alias"), mode="restApi")
        return self.verification_view(self._store_verification(space, audio, doc, verdict),
                                      with_chunks=True)

    def stream_authenticity(self, space: dict, model: rules.Model, upload: SpooledFile) -> dict:
        """The verification of audio streamed over a WebSocket (mode ``websocket``): analysed
        like an uploaded file, stored with no audio resource. Returns the stored document."""
        found = analysis.analyse_file(upload.path, MediaLimits.from_settings(self.rt.settings))
        if found is None:
            raise error(400, AUDIO_NOT_AVAILABLE)
        sound = {"digest": upload.digest, "duration": found.duration,
                 "voice": found.voice_duration, "sample_rate": found.sample_rate,
                 "profile": found.profile}
        doc, verdict = self._authenticity(space, sound, model, "stream_authenticity_verification")
        doc.update(alias=None, mode="websocket")
        return self._store_verification(space, None, doc, verdict)

    def _authenticity(self, space: dict, audio: dict, model: rules.Model, operation: str):
        """An authenticity verification's fields and verdict, from the audio's analysis."""
        verdict = self._admit(space, audio, model, operation)
        chunks = analysis.split_chunks(audio["profile"], audio["duration"])
        labels = [c.label for c in chunks]
        forced = verdict.fields.get("labels")
        if isinstance(forced, list):
            labels = [forced[i] if i < len(forced) and forced[i] in LABELS else label
                      for i, label in enumerate(labels)]
        synthesis = self._synthesis(verdict)
        jitters = [self._u("chunk", audio["digest"], i) for i in range(len(chunks))]
        scores = analysis.chunk_scores(synthesis, jitters, labels)
        valid = any(label == "validVoice" for label in labels)
        doc = {"type": "authenticity", "model": model.name,
               "model_handle": model.handle, "deprecated": model.deprecated_fields,
               "duration": audio["duration"], "voice": audio["voice"],
               "chunks": [{"start": c.start, "end": c.end, "voice": c.voice, "label": label,
                           "score": score}
                          for c, label, score in zip(chunks, labels, scores)],
               "synthesis": synthesis if valid else None,
               "replay": self._replay(verdict, audio) if valid else None,
               "partial_spoof": analysis.partial_spoof(scores),
               "final_state": "performed" if valid else "performedWithoutScore"}
        return doc, verdict

    def create_identity_verification(self, space: dict, body: dict) -> dict:
        audio = self.audio(space, body["audio"])
        vp = self.voiceprint(space, body["identity"], body["voiceprint"])
        if audio["state"] != "available":
            raise error(400, AUDIO_NOT_AVAILABLE)
        if self.voiceprint_state(vp) != "computed":
            raise error(400, VOICEPRINT_NOT_COMPUTED)
        model = rules.IDENTITY_MODELS[vp["model"]]
        verdict = self._admit(space, audio, model, "create_identity_verification")
        identity_score = (analysis.round_score(float(verdict.score)) if verdict.score is not None
                          else analysis.identity_score(audio["id"] in vp["audios"],
                                                       self._u("identity", audio["digest"], vp["id"])))
        doc = {"type": "identity", "alias": body.get("alias"), "model": model.name,
               "identity": vp["identity"], "voiceprint": vp["id"],
               "identity_score": identity_score,
               "synthesis": analysis.round_score(1.0 - verdict.probability),
               "replay": self._replay(verdict, audio), "final_state": "performed"}
        doc = self._store_verification(space, audio, doc, verdict)
        self._bump(C_IDENTITIES, vp["identity"], "verifications")
        self._bump(C_VOICEPRINTS, vp["id"], "verifications")
        return self.verification_view(doc)

    def create_message_verification(self, space: dict, body: dict) -> dict:
        audio = self.audio(space, body["audio"])
        model = rules.MESSAGE_MODELS.get(body["model"])
        if model is None:
            raise error(404)
        if audio["state"] != "available":
            raise error(400, AUDIO_NOT_AVAILABLE)
        verdict = self._admit(space, audio, model, "create_message_verification")
        valid = audio["voice"] >= rules.MIN_VOICE - 1e-9
        normalized = " ".join(body["message"].lower().split())
        score = (analysis.round_score(float(verdict.score)) if verdict.score is not None
                 else analysis.round_score(self._u("message", audio["digest"], normalized)))
        doc = {"type": "message", "alias": body.get("alias"), "model": model.name,
               "message": body["message"], "language": body["language"],
               "message_score": score if valid else None,
               "final_state": "performed" if valid else "performedWithoutScore"}
        return self.verification_view(self._store_verification(space, audio, doc, verdict))

    # -- verifications: read -------------------------------------------------------------
    def _current(self, doc: dict, observe: bool) -> dict:
        """The verification as it stands; a ``performing`` one moves on with its job."""
        if not doc.get("job") or doc["state"] != "performing":
            return doc
        job = (self.rt.jobs.observe if observe else self.rt.jobs.get)(VENDOR, doc["id"])
        if job is None or job["state"] == "performing":
            return doc
        state = job["state"] if job["state"] in STATES else "error"
        now = self.now()

        def settle(current):
            if current["state"] != "performing":
                return None
            current["state"] = state
            current["performed_at"] = now
            return current
        return self.store.update(C_VERIFICATIONS, doc["id"], settle) or doc

    def verification(self, space: dict, vtype: str, handle: str, observe: bool = True) -> dict:
        doc = self._find(space, "verification", handle, C_VERIFICATIONS)
        if doc["type"] != vtype:
            raise error(404)
        return self._current(doc, observe)

    def update_verification(self, space: dict, vtype: str, handle: str, changes: dict) -> dict:
        doc = self.verification(space, vtype, handle, observe=False)

        def change(current):
            if "alias" in changes:
                current["alias"] = changes["alias"]
            return current
        return self.verification_view(self.store.update(C_VERIFICATIONS, doc["id"], change))

    def _audio_summary(self, audio_id: str | None, cache: dict | None = None) -> dict | None:
        if cache is not None and audio_id in cache:
            return cache[audio_id]
        doc = self.store.get(C_AUDIOS, audio_id) if audio_id else None
        summary = {"handle": doc["handle"], "alias": doc["alias"], "state": doc["state"]} if doc else None
        if cache is not None:
            cache[audio_id] = summary
        return summary

    @staticmethod
    def primary_score(doc: dict) -> float | None:
        if doc["state"] != "performed":
            return None
        return {"authenticity": doc.get("synthesis"), "identity": doc.get("identity_score"),
                "message": doc.get("message_score")}[doc["type"]]

    def generic_view(self, doc: dict, cache: dict | None = None) -> dict:
        return {"id": doc["id"], "handle": doc["handle"], "alias": doc["alias"],
                "type": doc["type"], "state": doc["state"], "model": doc["model"],
                "audio": self._audio_summary(doc["audio"], cache),
                "score": self.primary_score(doc), "createdAt": self.ts(doc["created_at"]),
                "performedAt": self.ts(doc["performed_at"])}

    def verification_view(self, doc: dict, with_chunks: bool = False,
                          cache: dict | None = None) -> dict:
        view = {"id": doc["id"], "handle": doc["handle"], "alias": doc["alias"],
                "state": doc["state"]}
        if doc["type"] == "authenticity":
            view["mode"] = doc.get("mode", "restApi")  # VerificationMode: restApi | websocket
        view.update(model=doc["model"], audio=self._audio_summary(doc["audio"], cache))
        scored = doc["state"] == "performed"
        if doc["type"] == "authenticity":
            view.update(self._authenticity_fields(doc, scored, with_chunks))
        elif doc["type"] == "identity":
            vp = self.store.get(C_VOICEPRINTS, doc["voiceprint"])
            identity = self.store.get(C_IDENTITIES, doc["identity"])
            score = doc["identity_score"] if scored else None
            view.update(identity={"handle": identity["handle"], "alias": identity["alias"]},
                        voiceprint={"handle": vp["handle"], "alias": vp["alias"],
                                    "state": self.voiceprint_state(vp)},
                        score=score,
                        scores={"identity": score,
                                "synthesis": doc["synthesis"] if scored else None,
                                "replay": doc["replay"] if scored else None})
        else:
            score = doc["message_score"] if scored else None
            view.update(message=doc["message"], language=doc["language"], score=score,
                        scores={"message": score})
        view.update(createdAt=self.ts(doc["created_at"]), performedAt=self.ts(doc["performed_at"]))
        return view

    def _authenticity_fields(self, doc: dict, scored: bool, with_chunks: bool) -> dict:
        synthesis = doc["synthesis"] if scored else None
        replay = doc["replay"] if scored else None
        fields = {"duration": rules.format_duration(doc["duration"]),
                  "voiceDuration": rules.format_duration(doc["voice"])}
        if doc["deprecated"]:
            fields.update(score=synthesis, subscores={"synthesis": synthesis, "replay": replay})
        fields["scores"] = {"synthesis": synthesis, "replay": replay}
        settled = doc["state"] in ("performed", "performedWithoutScore")
        chunks = doc["chunks"] if settled else []
        fields["partialSpoof"] = bool(doc["partial_spoof"]) if scored else False
        if not with_chunks:
            fields["chunks"] = len(chunks)
            return fields
        rendered = []
        for c in chunks:
            chunk_score = c["score"] if scored else None
            item = {"startTime": rules.format_duration(c["start"]),
                    "endTime": rules.format_duration(c["end"]), "label": c["label"],
                    "duration": rules.format_duration(c["end"] - c["start"]),
                    "voiceDuration": rules.format_duration(c["voice"])}
            if doc["deprecated"]:
                item.update(score=chunk_score,
                            subscores={"synthesis": chunk_score,
                                       "replay": replay if chunk_score is not None else None})
            item["scores"] = {"synthesis": chunk_score}
            rendered.append(item)
        fields["chunks"] = rendered
        return fields

    # -- verifications: lists ------------------------------------------------------------
    def _verification_items(self, docs: Iterable[dict]) -> list[dict]:
        items = []
        for doc in docs:
            doc = self._current(doc, observe=False)
            items.append({"handle": doc["handle"], "alias": doc["alias"],
                          "createdAt": doc["created_at"], "performedAt": doc["performed_at"],
                          "score": self.primary_score(doc), "doc": doc})
        return items

    def _page(self, docs: Iterable[dict], query: listing.ListQuery, render) -> tuple[list, dict]:
        chosen = listing.select(self._verification_items(docs), query)
        page, headers = listing.paginate(chosen, query.page, query.page_size)
        cache: dict = {}
        return [render(i["doc"], cache) for i in page], headers

    def list_verifications(self, space: dict, vtype: str, query) -> tuple[list, dict]:
        docs = (d for d in self.store.scan(C_VERIFICATIONS, scope=space["id"]) if d["type"] == vtype)
        return self._page(docs, query, lambda d, c: self.verification_view(d, cache=c))

    def list_audio_verifications(self, space: dict, handle: str, query) -> tuple[list, dict]:
        audio = self.audio(space, handle)
        docs = (d for d in self.store.scan(C_VERIFICATIONS, scope=space["id"])
                if d["audio"] == audio["id"])
        return self._page(docs, query, self.generic_view)

    def list_voiceprint_verifications(self, space: dict, identity: str, handle: str,
                                      query) -> tuple[list, dict]:
        vp = self.voiceprint(space, identity, handle)
        docs = (d for d in self.store.scan(C_VERIFICATIONS, scope=space["id"])
                if d.get("voiceprint") == vp["id"])
        return self._page(docs, query, self.generic_view)

    # -- usage records -------------------------------------------------------------------
    def org(self, handle: str) -> Owner:
        owner = owners(self.settings).get(handle) if rules.is_handle(handle) else None
        if owner is None or owner.type != "org":
            raise error(404)
        if self.user not in owner.members:
            raise error(403)
        return owner

    def list_records(self, query: listing.ListQuery, *, actor: str | None = None,
                     owner: str | None = None) -> tuple[list, dict]:
        items = []
        for rec in self.store.scan(C_RECORDS):
            if (actor is not None and rec["actor"] != actor) or (owner is not None and rec["owner"] != owner):
                continue
            items.append({"handle": rec["id"], "alias": None, "performedAt": rec["performed_at"],
                          "doc": rec})
        chosen = listing.select(items, query, date_field="performedAt")
        page, headers = listing.paginate(chosen, query.page, query.page_size)
        return [self.record_view(i["doc"]) for i in page], headers

    def record_view(self, rec: dict) -> dict:
        known = owners(self.settings)
        actor = known.get(rec["actor"])
        owner = known.get(rec["owner"])
        verification = self.store.get(C_VERIFICATIONS, rec["verification"]) or {}
        space = self.store.get(C_SPACES, rec["space"]) or {}
        return {"id": rec["id"], "handle": rec["id"],
                "actor": {"type": "user", "handle": rec["actor"],
                          "alias": actor.alias if actor else None},
                "type": rec["type"], "model": rec["model"],
                "verification": {"handle": verification.get("handle", rec["verification"]),
                                 "alias": verification.get("alias"), "type": rec["type"]},
                "space": {"handle": space.get("handle"), "alias": space.get("alias")},
                "owner": owner.summary() if owner else {"type": "user", "handle": rec["owner"],
                                                       "alias": None},
                "performedAt": self.ts(rec["performed_at"])}


LABELS = ("validVoice", "excessiveMusic", "excessiveNoise", "insufficientVoice")
