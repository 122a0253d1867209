"""Detect intelligence: questions about a completed detect, each a job walking ``pending`` ->
``processing`` -> ``completed`` (scope ``question:<team>``)."""

from __future__ import annotations

from ..errors import NOT_COMPLETED, QUESTION_FAILED, error
from . import VENDOR, detects, iso, normalize_uuid, results, stamp_settled

STATES = ("pending", "processing")


def ask(rt, config, team: str, detect_job: dict, query: str) -> dict:
    """A question about a completed detect (422 before); its answer is decided now."""
    if detect_job["state"] != "completed":
        raise error(422, NOT_COMPLETED)
    question_id = rt.ids.hex("resemble-question")
    answer = results.question_answer(detects.render(config, detect_job), query)
    return rt.jobs.create(VENDOR, question_id, states=STATES, outcome="completed",
                          data={"kind": "question", "team": team, "detect_uuid": detect_job["id"],
                                "query": query, "answer": answer, "settled_at": None},
                          scope=f"question:{team}")


def find(rt, team: str, raw_detect: str, raw_question: str) -> dict | None:
    """The team's question about that detect, observed (a poll) and stamped when first seen
    finished."""
    detect_id, question_id = normalize_uuid(raw_detect), normalize_uuid(raw_question)
    if detect_id is None or question_id is None:
        return None
    job = rt.jobs.get(VENDOR, question_id)
    if (job is None or job["data"].get("kind") != "question" or job["data"]["team"] != team
            or job["data"]["detect_uuid"] != detect_id):
        return None
    return stamp_settled(rt, rt.jobs.observe(VENDOR, question_id) or job, STATES)


def render(job: dict) -> dict:
    """The question item; a job the admin API forced to fail shows the vendor's failure."""
    data, state = job["data"], job["state"]
    settled = data.get("settled_at")
    return {"uuid": job["id"], "detect_uuid": data["detect_uuid"], "query": data["query"],
            "answer": data["answer"] if state == "completed" else None,
            "status": state if state in ("pending", "processing", "completed") else "failed",
            "error_message": QUESTION_FAILED if state not in (
                "pending", "processing", "completed") else None,
            "created_at": iso(job["created_at"]),
            "updated_at": iso(settled if settled is not None else job["created_at"])}
