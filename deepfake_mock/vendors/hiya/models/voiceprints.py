"""Hiya's identities (the speakers of a space) and their voiceprints: audios enrolled until
the voiceprint is computable, then computed for identity verifications."""

from __future__ import annotations

from .. import paging
from ..errors import (AUDIO_NOT_AVAILABLE, AUDIO_OF_ANOTHER_IDENTITY, REQUIREMENTS_NOT_MET,
                      VOICEPRINT_NOT_COMPUTABLE, error)
from . import audios
from .catalogue import VOICEPRINT_MIN_VOICE, VOICEPRINT_MODELS
from .documents import C_AUDIOS, C_IDENTITIES, C_VOICEPRINTS, bump, claim, find as find_in, get

# ---- identities ---------------------------------------------------------------------------------

def create_identity(rt, space: dict, handle: str, alias: str | None) -> dict:
    identity_id = rt.ids.uuid4("hiya-identity")
    claim(rt, space, "identity", handle, identity_id)
    doc = {"id": identity_id, "handle": handle, "alias": alias, "space": space["id"],
           "audios": 0, "voiceprints": 0, "verifications": 0, "created_at": rt.clock.now()}
    rt.store.put(C_IDENTITIES, identity_id, doc, scope=space["id"])
    return doc


def find_identity(rt, space: dict, handle: str) -> dict:
    return find_in(rt, space, "identity", handle, C_IDENTITIES)


def identity_page(rt, space: dict, query: paging.ListQuery) -> tuple[list[dict], dict]:
    items = [{"handle": d["handle"], "alias": d["alias"], "createdAt": d["created_at"], "doc": d}
             for d in rt.store.scan(C_IDENTITIES, scope=space["id"])]
    return paging.page(items, query)


# ---- voiceprints --------------------------------------------------------------------------------

def create(rt, space: dict, body: dict) -> dict:
    identity = find_identity(rt, space, body["identity"])
    model = VOICEPRINT_MODELS.get(body["model"])
    if model is None:
        raise error(404)
    vp_id = rt.ids.uuid4("hiya-voiceprint")
    claim(rt, space, f"voiceprint:{identity['id']}", body["handle"], vp_id)
    doc = {"id": vp_id, "handle": body["handle"], "alias": body.get("alias"),
           "space": space["id"], "identity": identity["id"], "model": model.handle,
           "min_audios": body["minAudios"], "audios": [], "voice": 0.0, "computed": False,
           "verifications": 0, "created_at": rt.clock.now(), "computed_at": None}
    rt.store.put(C_VOICEPRINTS, vp_id, doc, scope=space["id"])
    bump(rt, C_IDENTITIES, identity["id"], "voiceprints")
    return doc


def find(rt, space: dict, identity: str, handle: str) -> dict:
    identity_doc = find_identity(rt, space, identity)
    return find_in(rt, space, f"voiceprint:{identity_doc['id']}", handle, C_VOICEPRINTS)


def state(doc: dict) -> str:
    """``computed``, ``computable`` (enough audios and voice) or ``notComputable``."""
    if doc["computed"]:
        return "computed"
    if len(doc["audios"]) >= doc["min_audios"] and doc["voice"] >= VOICEPRINT_MIN_VOICE - 1e-9:
        return "computable"
    return "notComputable"


def add_audio(rt, space: dict, identity: str, handle: str, audio: str) -> dict:
    """Enrol an audio of the space; it becomes the identity's if it had none."""
    vp = find(rt, space, identity, handle)
    audio_doc = audios.find(rt, space, audio)
    if audio_doc["id"] in vp["audios"]:
        raise error(409)
    if audio_doc["state"] != "available":
        raise error(400, AUDIO_NOT_AVAILABLE)
    model = VOICEPRINT_MODELS[vp["model"]]
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
    doc = rt.store.update(C_VOICEPRINTS, vp["id"], attach)
    if collided:
        raise error(409)
    linked = []

    def link(audio_now):
        audio_now["voiceprints"] += 1
        if audio_now["identity"] is None:
            audio_now["identity"] = vp["identity"]
            linked.append(True)
        return audio_now
    rt.store.update(C_AUDIOS, audio_doc["id"], link)
    if linked:
        bump(rt, C_IDENTITIES, vp["identity"], "audios")
    return doc


def compute(rt, space: dict, identity: str, handle: str) -> dict:
    vp = find(rt, space, identity, handle)
    if state(vp) == "notComputable":
        raise error(400, VOICEPRINT_NOT_COMPUTABLE)
    now = rt.clock.now()

    def computed(doc):
        doc["computed"] = True
        doc["computed_at"] = now
        return doc
    return rt.store.update(C_VOICEPRINTS, vp["id"], computed)


def shown(rt, doc: dict) -> dict:
    """The voiceprint with its identity, for the Voiceprint schema."""
    return {**doc, "identity_ref": get(rt, C_IDENTITIES, doc["identity"])}
