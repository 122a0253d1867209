"""The store collections of Hiya's resources, and the lookups every resource shares: handles
are claimed per space, and a resource is found by its handle in its space."""

from __future__ import annotations

import uuid

from ..errors import error
from ..handles import is_handle

VENDOR = "hiya"
NAMESPACE = uuid.UUID("5b0f3c8e-59a7-4d5e-9b7a-6c1e0a8d2f40")

C_META = "hiya:meta"
C_TOKENS = "hiya:tokens"
C_SPACES = "hiya:spaces"
C_SPACE_HANDLES = "hiya:space-handles"
C_HANDLES = "hiya:handles"
C_AUDIOS = "hiya:audios"
C_IDENTITIES = "hiya:identities"
C_VOICEPRINTS = "hiya:voiceprints"
C_VERIFICATIONS = "hiya:verifications"
C_RECORDS = "hiya:records"


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def epoch(rt) -> float:
    """When the vendor's fixed state was first made (users' and default spaces' creation)."""
    doc = rt.store.get(C_META, "epoch")
    return doc["at"] if doc else rt.clock.now()


def claim(rt, space: dict, kind: str, handle: str, target: str) -> None:
    """Take ``handle`` for a ``kind`` of resource in ``space``; 409 when it is taken."""
    if not rt.store.insert(C_HANDLES, f"{space['id']}|{kind}|{handle}", {"id": target}):
        raise error(409)


def find(rt, space: dict, kind: str, handle: str, collection: str) -> dict:
    """The resource of ``kind`` named ``handle`` in ``space``, or 404."""
    if not is_handle(handle):
        raise error(404)
    ref = rt.store.get(C_HANDLES, f"{space['id']}|{kind}|{handle}")
    doc = rt.store.get(collection, ref["id"]) if ref else None
    if doc is None:
        raise error(404)
    return doc


def get(rt, collection: str, key: str | None) -> dict | None:
    """A referenced document, or None (no reference, or gone)."""
    return rt.store.get(collection, key) if key else None


def bump(rt, collection: str, key: str | None, field: str, amount: int = 1) -> None:
    """Add ``amount`` to a document's counter."""
    if key is None:
        return

    def change(doc):
        doc[field] = doc.get(field, 0) + amount
        return doc
    rt.store.update(collection, key, change)


def set_alias(rt, collection: str, key: str, changes: dict) -> dict:
    """Apply an update body's ``alias`` (when given) to a stored document."""
    def change(doc):
        if "alias" in changes:
            doc["alias"] = changes["alias"]
        return doc
    return rt.store.update(collection, key, change)
