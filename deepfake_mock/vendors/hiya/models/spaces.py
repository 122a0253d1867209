"""Hiya's spaces: every owner's ``main`` and ``demo``, the settings' extra ones, and who may
reach them."""

from __future__ import annotations

from ..config import HiyaConfig, Owner
from ..errors import error
from ..handles import is_handle
from .documents import (C_AUDIOS, C_IDENTITIES, C_META, C_SPACE_HANDLES, C_SPACES,
                        C_VERIFICATIONS, C_VOICEPRINTS, epoch, stable_id)

# The vendor's example scripts use a space `main`, or `demo` (batch testing): both exist for
# every owner so that they run unmodified.
DEFAULT_SPACES = ("main", "demo")


def bootstrap(rt, config: HiyaConfig) -> None:
    """Every user and organisation owns the spaces the vendor's example scripts default to
    (``DEFAULT_SPACES``); ``spaces`` adds more. Idempotent: a space renamed through the API keeps
    its new handle across restarts with a state file."""
    rt.store.insert(C_META, "epoch", {"at": rt.clock.now()})
    wanted = [(owner, handle, None) for owner in config.owners.values() for handle in DEFAULT_SPACES]
    wanted += [(config.owners[extra["owner"]], extra["handle"], extra.get("alias"))
               for extra in config.spaces]
    for owner, handle, alias in wanted:
        space_id = stable_id("space", owner.handle, handle)
        doc = {"id": space_id, "handle": handle, "alias": alias, "owner_type": owner.type,
               "owner": owner.handle, "created_at": epoch(rt)}
        if rt.store.insert(C_SPACES, space_id, doc):
            rt.store.insert(C_SPACE_HANDLES, f"{owner.handle}/{handle}", {"id": space_id})


def reachable_owner(config: HiyaConfig, user: str, handle: str) -> Owner:
    """The owner named in a path, if ``user`` may reach its spaces."""
    owner = config.owners.get(handle) if is_handle(handle) else None
    if owner is None:
        raise error(404)
    if user not in owner.members:
        raise error(config.foreign_space_status)
    return owner


def find(rt, config: HiyaConfig, user: str, owner: str, handle: str) -> dict:
    """The space ``owner/handle``, if ``user`` may reach it."""
    reachable_owner(config, user, owner)
    ref = rt.store.get(C_SPACE_HANDLES, f"{owner}/{handle}") if is_handle(handle) else None
    doc = rt.store.get(C_SPACES, ref["id"]) if ref else None
    if doc is None:
        raise error(404)
    return doc


def update(rt, space: dict, changes: dict) -> dict:
    """Rename the space (409 when the owner has one by that handle) or change its alias."""
    new_handle = changes.get("handle", space["handle"])
    if new_handle != space["handle"]:
        if not rt.store.insert(C_SPACE_HANDLES, f"{space['owner']}/{new_handle}",
                               {"id": space["id"]}):
            raise error(409)
        rt.store.delete(C_SPACE_HANDLES, f"{space['owner']}/{space['handle']}")

    def change(doc):
        doc["handle"] = new_handle
        if "alias" in changes:
            doc["alias"] = changes["alias"]
        return doc
    return rt.store.update(C_SPACES, space["id"], change)


def shown(rt, config: HiyaConfig, space: dict) -> dict:
    """The space with its owner and the counts of its resources, for the Space schema."""
    count = lambda collection: rt.store.count(collection, scope=space["id"])  # noqa: E731
    return {**space, "owner_ref": config.owners[space["owner"]], "audios": count(C_AUDIOS),
            "voiceprints": count(C_VOICEPRINTS), "verifications": count(C_VERIFICATIONS),
            "identities": count(C_IDENTITIES)}
