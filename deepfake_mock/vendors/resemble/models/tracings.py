"""Audio source tracings: the record a finished detect asked for ``audio_source_tracing``
leaves, naming the generator of fake audio (``real`` for audio judged real)."""

from __future__ import annotations

from . import get_record, list_records

TRACINGS = "resemble_tracings"


def record(rt, tracing_id: str, label: str, *, team: str, at: str, detect_id: str) -> None:
    rt.store.put(TRACINGS, tracing_id, {
        "uuid": tracing_id, "results": {"label": label, "error_message": None},
        "created_at": at, "detect_uuid": detect_id, "_team": team}, scope=team)


def list_page(rt, team: str, page_number: int, page_size: int) -> dict:
    return list_records(rt, TRACINGS, team, page_number, page_size)


def find(rt, team: str, raw_id: str) -> dict | None:
    return get_record(rt, TRACINGS, team, raw_id)
