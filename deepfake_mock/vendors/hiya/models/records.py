"""Hiya's usage records: one per verification performed, listed for the user who ran it and
for the organisation whose space it ran in."""

from __future__ import annotations

from .. import paging
from ..config import HiyaConfig, Owner
from .documents import C_RECORDS, C_SPACES, C_VERIFICATIONS


def record(rt, space: dict, verification: dict) -> None:
    rid = rt.ids.uuid4("hiya-record")
    rt.store.put(C_RECORDS, rid, {"id": rid, "verification": verification["id"],
                                  "type": verification["type"], "model": verification["model"],
                                  "space": space["id"], "owner": space["owner"],
                                  "actor": verification["actor"],
                                  "performed_at": verification["created_at"]})


def page(rt, config: HiyaConfig, query: paging.ListQuery, *, actor: str | None = None,
         owner: str | None = None) -> tuple[list[dict], dict]:
    """The records of one ``actor`` (a user) or one ``owner`` (an organisation)."""
    items = [{"handle": rec["id"], "alias": None, "performedAt": rec["performed_at"], "doc": rec}
             for rec in rt.store.scan(C_RECORDS)
             if (actor is None or rec["actor"] == actor) and (owner is None or rec["owner"] == owner)]
    found, headers = paging.page(items, query, date_field="performedAt")
    return [shown(rt, config, rec) for rec in found], headers


def shown(rt, config: HiyaConfig, rec: dict) -> dict:
    """The record with the user, verification, space and owner it names, for its schema; an
    owner no longer in the settings shows as a user without alias."""
    def owner_ref(handle: str) -> Owner:
        return config.owners.get(handle) or Owner("user", handle, None)
    verification = rt.store.get(C_VERIFICATIONS, rec["verification"]) or {"handle": rec["verification"]}
    return {**rec, "actor_ref": owner_ref(rec["actor"]),
            "verification_ref": {"alias": None, **verification, "type": rec["type"]},
            "space_ref": rt.store.get(C_SPACES, rec["space"]) or {"handle": None, "alias": None},
            "owner_ref": owner_ref(rec["owner"])}
