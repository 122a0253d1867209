"""/_admin: resource nouns with WireMock's verbs. View names are the operationIds of
openapi/admin.yaml and the method names of AdminClient. DELETE on a collection clears it."""

from __future__ import annotations

from flask import Blueprint, request

from .. import __version__
from ..core.coverage import render_text as render_coverage
from ..core.errors import AdminError
from ..core.faults import validate as validate_fault
from ..core.jobs import Progression
from ..core.journal import CRITERIA
from ..registry import BY_SLUG, bootstrap
from ..settings import as_dict
from ..web.vendor import runtime
from . import guard

blueprint = Blueprint("admin", __name__)
guard.install(blueprint, lambda: runtime().settings)


@blueprint.after_app_request
def mask_known_secrets(response):
    """No admin answer shows a configured credential, whatever route built it."""
    if request.path.startswith(guard.PREFIX + "/") and response.is_json \
            and not response.direct_passthrough:
        response.set_data(runtime().redaction.json_text(response.get_data(as_text=True)))
    return response


@blueprint.errorhandler(AdminError)
def admin_error(err: AdminError):
    return {"error": err.message}, err.status


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise AdminError("the body must be a JSON object")
    return body


def _vendor(slug: str) -> str:
    if slug not in BY_SLUG:
        raise AdminError(f"unknown vendor {slug!r}", 404)
    return slug


def _number(body: dict, key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AdminError(f"{key} must be a number")
    return float(value)


@blueprint.get("/health")
def health():
    return {"status": "ok", "version": __version__, "vendors": list(BY_SLUG)}


@blueprint.get("/vendors")
def list_vendors():
    root = request.host_url.rstrip("/")
    single = runtime().settings.vendor
    return {"vendors": [{"slug": v.slug, "title": v.title,
                         "base_url": root if single == v.slug else f"{root}/{v.slug}",
                         "spec_url": f"{root}/{v.slug}/openapi.yaml"}
                        for v in BY_SLUG.values() if single in (None, v.slug)]}


@blueprint.get("/settings")
def get_settings():
    """The effective settings, every configured secret masked."""
    return runtime().redaction.redact(as_dict(runtime().settings))


@blueprint.post("/reset")
def reset():
    rt = runtime()
    rt.reset()
    bootstrap(rt)
    return {"status": "reset"}


# ---- clock -----------------------------------------------------------------------------------

def _clock_view():
    rt = runtime()
    return {"now": rt.clock.now(), "mode": rt.clock.state()["mode"]}


@blueprint.get("/clock")
def get_clock():
    return _clock_view()


@blueprint.put("/clock")
def set_clock():
    body = _body()
    if body.get("mode") == "system":
        runtime().clock.resume()
    else:
        runtime().clock.set(_number(body, "now"))
    return _clock_view()


@blueprint.post("/clock/advance")
def advance_clock():
    seconds = _number(_body(), "seconds")
    if seconds < 0:
        raise AdminError("seconds must not be negative")
    runtime().clock.advance(seconds)
    return _clock_view()


# ---- seed ------------------------------------------------------------------------------------

@blueprint.get("/seed")
def get_seed():
    return {"seed": runtime().seed()}


@blueprint.put("/seed")
def set_seed():
    runtime().set_seed(_body().get("seed"))
    return {"seed": runtime().seed()}


# ---- journal ---------------------------------------------------------------------------------

def _criteria(source: dict) -> dict:
    criteria = {k: v for k, v in source.items() if k in CRITERIA}
    for key, value in criteria.items():
        if key != "status" and not isinstance(value, str):
            raise AdminError(f"{key} must be a string")
    if "status" in criteria:
        try:
            criteria["status"] = int(criteria["status"])
        except (TypeError, ValueError):
            raise AdminError("status must be an integer")
    return criteria


def _limit(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise AdminError("limit must be a positive integer")
    if limit < 1:
        raise AdminError("limit must be a positive integer")
    return limit


@blueprint.get("/journal")
def list_requests():
    args = request.args.to_dict()
    entries = runtime().journal.entries(_criteria(args), _limit(args.get("limit")))
    return {"entries": entries}


@blueprint.delete("/journal")
def clear_journal():
    runtime().journal.clear()
    return {"status": "cleared"}


@blueprint.post("/journal/find")
def find_requests():
    body = _body()
    unknown = set(body) - set(CRITERIA) - {"limit"}
    if unknown:
        raise AdminError(f"unknown criteria: {', '.join(sorted(unknown))}")
    return {"entries": runtime().journal.entries(_criteria(body), _limit(body.get("limit")))}


@blueprint.post("/journal/count")
def count_requests():
    body = _body()
    unknown = set(body) - set(CRITERIA)
    if unknown:
        raise AdminError(f"unknown criteria: {', '.join(sorted(unknown))}")
    return {"count": runtime().journal.count(_criteria(body))}


# ---- faults ----------------------------------------------------------------------------------

@blueprint.get("/faults")
def list_faults():
    return {"faults": runtime().faults.list()}


@blueprint.post("/faults")
def add_fault():
    body = validate_fault(_body())
    if body.get("vendor") is not None:
        _vendor(body["vendor"])
    return runtime().faults.add(body), 201


@blueprint.delete("/faults")
def clear_faults():
    runtime().faults.clear()
    return {"status": "cleared"}


# ---- per vendor: verdict rules, jobs, progression, rate limit --------------------------------

@blueprint.get("/vendors/<slug>/verdicts")
def list_verdict_rules(slug):
    return {"rules": runtime().verdicts.rules(_vendor(slug))}


@blueprint.post("/vendors/<slug>/verdicts")
def add_verdict_rule(slug):
    body = _body()
    body.pop("vendor", None)
    return runtime().verdicts.add_rule(_vendor(slug), body), 201


@blueprint.delete("/vendors/<slug>/verdicts")
def clear_verdict_rules(slug):
    runtime().verdicts.clear(_vendor(slug))
    return {"status": "cleared"}


@blueprint.get("/vendors/<slug>/jobs")
def list_jobs(slug):
    return {"jobs": runtime().jobs.list(_vendor(slug))}


@blueprint.get("/vendors/<slug>/jobs/<job_id>")
def get_job(slug, job_id):
    job = runtime().jobs.get(_vendor(slug), job_id)
    if job is None:
        raise AdminError(f"no job {job_id!r}", 404)
    return job


@blueprint.put("/vendors/<slug>/jobs/<job_id>/state")
def force_job_state(slug, job_id):
    state = _body().get("state")
    if not isinstance(state, str) or not state:
        raise AdminError("state must be a non-empty string")
    job = runtime().jobs.force(_vendor(slug), job_id, state)
    if job is None:
        raise AdminError(f"no job {job_id!r}", 404)
    return job


@blueprint.get("/vendors/<slug>/progression")
def get_progression(slug):
    return runtime().progression(_vendor(slug)).as_dict()


@blueprint.put("/vendors/<slug>/progression")
def set_progression(slug):
    progression = Progression.parse(_body())
    runtime().set_progression(_vendor(slug), progression)
    return progression.as_dict()


@blueprint.get("/vendors/<slug>/rate-limit")
def get_rate_limit(slug):
    return {"rate_limit": runtime().rate_limit(_vendor(slug))}


@blueprint.put("/vendors/<slug>/rate-limit")
def set_rate_limit(slug):
    body = _body()
    if "rate_limit" not in body:
        raise AdminError("send {\"rate_limit\": {\"limit\": n, \"window\": seconds}} or null")
    runtime().set_rate_limit(_vendor(slug), body["rate_limit"])
    return {"rate_limit": runtime().rate_limit(slug)}


# ---- client verification: strict mode, violations, coverage ---------------------------------

@blueprint.get("/strict")
def get_strict():
    return {"mode": runtime().strict_mode()}


@blueprint.put("/strict")
def set_strict():
    runtime().set_strict_mode(_body().get("mode"))
    return {"mode": runtime().strict_mode()}


def _vendor_filter() -> str | None:
    slug = request.args.get("vendor")
    return None if slug is None else _vendor(slug)


@blueprint.get("/violations")
def list_violations():
    return {"violations": runtime().violations.entries(_vendor_filter())}


@blueprint.delete("/violations")
def clear_violations():
    runtime().violations.clear()
    return {"status": "cleared"}


@blueprint.get("/coverage")
def get_coverage():
    slug = _vendor_filter()
    single = runtime().settings.vendor
    vendors = [slug] if slug else [s for s in BY_SLUG if single in (None, s)]
    report = runtime().coverage.report(vendors)
    if request.args.get("format") == "text":
        return render_coverage(report), 200, {"Content-Type": "text/plain; charset=utf-8"}
    return report


@blueprint.delete("/coverage")
def clear_coverage():
    runtime().coverage.clear()
    return {"status": "cleared"}
