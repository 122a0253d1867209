"""Hiya's verifications: authenticity (of an audio, or of audio streamed over a WebSocket),
identity (an audio against a computed voiceprint) and message (the words of an audio). Each is
scored from the audio's analysis and the seeded verdict, charged to the space's owner and
recorded as a usage record."""

from __future__ import annotations

from ....core.rng import unit_interval
from ....core.spool import SpooledFile
from .. import analysis, paging
from ..errors import AUDIO_NOT_AVAILABLE, REQUIREMENTS_NOT_MET, VOICEPRINT_NOT_COMPUTED, error
from . import accounts, audios, records, voiceprints
from .catalogue import (AUTHENTICITY_MODELS, IDENTITY_MODELS, MESSAGE_MODELS, MIN_VOICE,
                        Model)
from .documents import (C_AUDIOS, C_IDENTITIES, C_VERIFICATIONS, C_VOICEPRINTS, VENDOR, bump,
                        claim, find as find_in, get, set_alias)

STATES = ("performing", "performed", "performedWithoutScore", "error")
LABELS = ("validVoice", "excessiveMusic", "excessiveNoise", "insufficientVoice")


# ---- scoring ------------------------------------------------------------------------------------

def _u(rt, *parts) -> float:
    return unit_interval(rt.seed(), VENDOR, *parts)


def _synthesis(verdict) -> float:
    base = verdict.score if verdict.score is not None else 1.0 - verdict.probability
    return analysis.round_score(float(base))


def _replay(rt, verdict, audio: dict) -> float:
    if "replay" in verdict.fields:
        return analysis.round_score(float(verdict.fields["replay"]))
    return analysis.round_score(0.6 + 0.4 * _u(rt, "replay", audio["digest"]))


def _admit(rt, config, space: dict, audio: dict, model: Model, operation: str):
    """The checks every verification shares, in order (model requirements, then credits),
    and its verdict."""
    if model.unmet(audio["duration"], audio["sample_rate"], audio["voice"]):
        raise error(400, REQUIREMENTS_NOT_MET)
    accounts.require_credit(rt, config, space["owner"])
    return rt.verdicts.decide(VENDOR, audio["digest"], operation)


def _store(rt, config, user: str, space: dict, audio: dict | None, doc: dict, verdict) -> dict:
    """Charge the space's owner and store the verification. ``doc`` holds the type's fields
    and the ``final_state`` its analysis reached; admin rules may turn it into ``error``
    or leave it ``performing`` until its job moves on. A streamed verification has no
    ``audio`` resource."""
    outcome = verdict.outcome if verdict.outcome in ("error", "performing") else None
    if outcome != "error":
        accounts.charge(rt, config, space["owner"])
    if outcome == "error":
        doc["final_state"] = "error"
    now = rt.clock.now()
    vid = rt.ids.uuid4("hiya-verification")
    doc.update(id=vid, handle=vid, space=space["id"], audio=audio["id"] if audio else None,
               created_at=now, performed_at=now, actor=user, job=outcome == "performing",
               state="performing" if outcome == "performing" else doc["final_state"])
    if outcome == "performing":
        rt.jobs.create(VENDOR, vid, states=("performing",), outcome=doc["final_state"],
                       data={}, scope=space["id"])
    claim(rt, space, "verification", vid, vid)
    rt.store.put(C_VERIFICATIONS, vid, doc, scope=space["id"])
    bump(rt, C_AUDIOS, doc["audio"], "verifications")
    if doc["state"] != "error":
        records.record(rt, space, doc)
    return doc


# ---- create -------------------------------------------------------------------------------------

def authenticity_model(handle: str) -> Model:
    model = AUTHENTICITY_MODELS.get(handle)
    if model is None:
        raise error(404)
    return model


def create_authenticity(rt, config, user: str, space: dict, body: dict) -> dict:
    audio = audios.find(rt, space, body["audio"])
    model = authenticity_model(body["model"])
    if audio["state"] != "available":
        raise error(400, AUDIO_NOT_AVAILABLE)
    doc, verdict = _authenticity(rt, config, space, audio, model,
                                 "create_authenticity_verification")
    doc.update(alias=body.get("alias"), mode="restApi")
    return _store(rt, config, user, space, audio, doc, verdict)


def stream_authenticity(rt, config, user: str, space: dict, model: Model,
                        upload: SpooledFile) -> dict:
    """The verification of audio streamed over a WebSocket (mode ``websocket``): analysed
    like an uploaded file, stored with no audio resource."""
    found = analysis.analyse_file(upload.path, rt.media_limits)
    if found is None:
        raise error(400, AUDIO_NOT_AVAILABLE)
    sound = {"digest": upload.digest, "duration": found.duration,
             "voice": found.voice_duration, "sample_rate": found.sample_rate,
             "profile": found.profile}
    doc, verdict = _authenticity(rt, config, space, sound, model,
                                 "stream_authenticity_verification")
    doc.update(alias=None, mode="websocket")
    return _store(rt, config, user, space, None, doc, verdict)


def _authenticity(rt, config, space: dict, audio: dict, model: Model, operation: str):
    """An authenticity verification's fields and verdict, from the audio's analysis."""
    verdict = _admit(rt, config, space, audio, model, operation)
    chunks = analysis.split_chunks(audio["profile"], audio["duration"])
    labels = [c.label for c in chunks]
    forced = verdict.fields.get("labels")
    if isinstance(forced, list):
        labels = [forced[i] if i < len(forced) and forced[i] in LABELS else label
                  for i, label in enumerate(labels)]
    synthesis = _synthesis(verdict)
    jitters = [_u(rt, "chunk", audio["digest"], i) for i in range(len(chunks))]
    scores = analysis.chunk_scores(synthesis, jitters, labels)
    valid = any(label == "validVoice" for label in labels)
    doc = {"type": "authenticity", "model": model.name,
           "model_handle": model.handle, "deprecated": model.deprecated_fields,
           "duration": audio["duration"], "voice": audio["voice"],
           "chunks": [{"start": c.start, "end": c.end, "voice": c.voice, "label": label,
                       "score": score}
                      for c, label, score in zip(chunks, labels, scores)],
           "synthesis": synthesis if valid else None,
           "replay": _replay(rt, verdict, audio) if valid else None,
           "partial_spoof": analysis.partial_spoof(scores),
           "final_state": "performed" if valid else "performedWithoutScore"}
    return doc, verdict


def create_identity(rt, config, user: str, space: dict, body: dict) -> dict:
    audio = audios.find(rt, space, body["audio"])
    vp = voiceprints.find(rt, space, body["identity"], body["voiceprint"])
    if audio["state"] != "available":
        raise error(400, AUDIO_NOT_AVAILABLE)
    if voiceprints.state(vp) != "computed":
        raise error(400, VOICEPRINT_NOT_COMPUTED)
    model = IDENTITY_MODELS[vp["model"]]
    verdict = _admit(rt, config, space, audio, model, "create_identity_verification")
    identity_score = (analysis.round_score(float(verdict.score)) if verdict.score is not None
                      else analysis.identity_score(audio["id"] in vp["audios"],
                                                   _u(rt, "identity", audio["digest"], vp["id"])))
    doc = {"type": "identity", "alias": body.get("alias"), "model": model.name,
           "identity": vp["identity"], "voiceprint": vp["id"],
           "identity_score": identity_score,
           "synthesis": analysis.round_score(1.0 - verdict.probability),
           "replay": _replay(rt, verdict, audio), "final_state": "performed"}
    doc = _store(rt, config, user, space, audio, doc, verdict)
    bump(rt, C_IDENTITIES, vp["identity"], "verifications")
    bump(rt, C_VOICEPRINTS, vp["id"], "verifications")
    return doc


def create_message(rt, config, user: str, space: dict, body: dict) -> dict:
    audio = audios.find(rt, space, body["audio"])
    model = MESSAGE_MODELS.get(body["model"])
    if model is None:
        raise error(404)
    if audio["state"] != "available":
        raise error(400, AUDIO_NOT_AVAILABLE)
    verdict = _admit(rt, config, space, audio, model, "create_message_verification")
    valid = audio["voice"] >= MIN_VOICE - 1e-9
    normalized = " ".join(body["message"].lower().split())
    score = (analysis.round_score(float(verdict.score)) if verdict.score is not None
             else analysis.round_score(_u(rt, "message", audio["digest"], normalized)))
    doc = {"type": "message", "alias": body.get("alias"), "model": model.name,
           "message": body["message"], "language": body["language"],
           "message_score": score if valid else None,
           "final_state": "performed" if valid else "performedWithoutScore"}
    return _store(rt, config, user, space, audio, doc, verdict)


# ---- read ---------------------------------------------------------------------------------------

def _current(rt, doc: dict, observe: bool) -> dict:
    """The verification as it stands; a ``performing`` one moves on with its job."""
    if not doc.get("job") or doc["state"] != "performing":
        return doc
    job = (rt.jobs.observe if observe else rt.jobs.get)(VENDOR, doc["id"])
    if job is None or job["state"] == "performing":
        return doc
    state = job["state"] if job["state"] in STATES else "error"
    now = rt.clock.now()

    def settle(current):
        if current["state"] != "performing":
            return None
        current["state"] = state
        current["performed_at"] = now
        return current
    return rt.store.update(C_VERIFICATIONS, doc["id"], settle) or doc


def finished(doc: dict) -> bool:
    """Performed or failed: the verification no longer changes by itself."""
    return doc["state"] != "performing"


def find(rt, space: dict, vtype: str, handle: str, observe: bool = True) -> dict:
    """The verification of type ``vtype``; reading it (``observe``) counts as a poll."""
    doc = find_in(rt, space, "verification", handle, C_VERIFICATIONS)
    if doc["type"] != vtype:
        raise error(404)
    return _current(rt, doc, observe)


def update(rt, space: dict, vtype: str, handle: str, changes: dict) -> dict:
    doc = find(rt, space, vtype, handle, observe=False)
    return set_alias(rt, C_VERIFICATIONS, doc["id"], changes)


def primary_score(doc: dict) -> float | None:
    """The score a list filters on and the generic view shows: the type's main score."""
    if doc["state"] != "performed":
        return None
    return {"authenticity": doc.get("synthesis"), "identity": doc.get("identity_score"),
            "message": doc.get("message_score")}[doc["type"]]


def shown(rt, doc: dict, audio_cache: dict | None = None) -> dict:
    """The verification with the resources it names (its audio; an identity verification's
    identity and voiceprint), for the verification schemas. ``audio_cache`` spares a list
    reading the same audio twice."""
    cache = {} if audio_cache is None else audio_cache
    if doc["audio"] not in cache:
        cache[doc["audio"]] = get(rt, C_AUDIOS, doc["audio"])
    refs = {"audio_ref": cache[doc["audio"]]}
    if doc["type"] == "identity":
        refs.update(identity_ref=get(rt, C_IDENTITIES, doc["identity"]),
                    voiceprint_ref=get(rt, C_VOICEPRINTS, doc["voiceprint"]))
    return {**doc, **refs}


# ---- lists --------------------------------------------------------------------------------------

def _page(rt, docs, query: paging.ListQuery) -> tuple[list[dict], dict]:
    items = []
    for doc in docs:
        doc = _current(rt, doc, observe=False)
        items.append({"handle": doc["handle"], "alias": doc["alias"],
                      "createdAt": doc["created_at"], "performedAt": doc["performed_at"],
                      "score": primary_score(doc), "doc": doc})
    found, headers = paging.page(items, query)
    cache: dict = {}
    return [shown(rt, doc, cache) for doc in found], headers


def page(rt, space: dict, vtype: str, query: paging.ListQuery) -> tuple[list[dict], dict]:
    docs = (d for d in rt.store.scan(C_VERIFICATIONS, scope=space["id"]) if d["type"] == vtype)
    return _page(rt, docs, query)


def audio_page(rt, space: dict, handle: str, query: paging.ListQuery) -> tuple[list[dict], dict]:
    audio = audios.find(rt, space, handle)
    docs = (d for d in rt.store.scan(C_VERIFICATIONS, scope=space["id"])
            if d["audio"] == audio["id"])
    return _page(rt, docs, query)


def voiceprint_page(rt, space: dict, identity: str, handle: str,
                    query: paging.ListQuery) -> tuple[list[dict], dict]:
    vp = voiceprints.find(rt, space, identity, handle)
    docs = (d for d in rt.store.scan(C_VERIFICATIONS, scope=space["id"])
            if d.get("voiceprint") == vp["id"])
    return _page(rt, docs, query)
