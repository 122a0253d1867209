"""The admin API through the Flask test client and the AdminClient: every endpoint, its errors,
and that its knobs really act on Phonexia requests. Every answer of ``api`` is also checked
against openapi/admin.yaml."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from deepfake_mock import __version__, create_app
from deepfake_mock.admin.client import AdminClient, AdminClientError
from deepfake_mock.registry import BY_SLUG
from deepfake_mock.testing import media
from deepfake_mock.web import pipeline

CLOCK_START = 1_767_225_600.0  # tests/conftest.py
SPEC = Path(__file__).resolve().parents[2] / "openapi" / "admin.yaml"
START = "/phonexia/api/technology/experimental/authenticity-verification"
STATUS = "/phonexia/api/system/status"
NOT_AN_OBJECT = {"error": "the body must be a JSON object"}


# ---- helpers ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC.read_text())


class Api:
    """The Flask test client for /_admin, checking each answer against the spec."""

    def __init__(self, client, spec):
        self.client = client
        self.spec = spec
        self.templates = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p)
                          for p in spec["paths"]]

    def __call__(self, method, path, body=None, *, query=None, raw=None):
        kwargs = {"query_string": query}
        if raw is not None:
            kwargs.update(data=raw, content_type="application/json")
        elif body is not None:
            kwargs["json"] = body
        r = self.client.open(f"/_admin{path}", method=method, **kwargs)
        self.check(method, f"/_admin{path}", r)
        return r

    def check(self, method, path, r):
        matches = [p for regex, p in self.templates if regex.match(path)]
        assert len(matches) == 1, f"{path} matches {matches} in admin.yaml"
        operation = self.spec["paths"][matches[0]][method.lower()]
        assert str(r.status_code) in operation["responses"], \
            f"{method} {matches[0]} answered an undocumented {r.status_code}"
        response = operation["responses"][str(r.status_code)]
        if "$ref" in response:
            response = self.spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response["content"]["application/json"]["schema"]
        assert r.mimetype == "application/json"
        validator = jsonschema.Draft202012Validator(
            {"components": self.spec["components"], "allOf": [schema]})
        errors = [e.message for e in validator.iter_errors(r.get_json())]
        assert not errors, f"{method} {path} {r.status_code}: {errors}"


@pytest.fixture
def api(client, spec):
    return Api(client, spec)


def error(r, status, message):
    assert (r.status_code, r.get_json()) == (status, {"error": message})


def start(client, data=None, *, headers=None, form=None):
    fields = dict(form or {})
    fields["file"] = (io.BytesIO(media.wav() if data is None else data), "call.wav")
    return client.post(START, data=fields, content_type="multipart/form-data",
                       headers=headers or {})


def started(client, data=None) -> str:
    r = start(client, data)
    assert r.status_code == 202, r.get_data(as_text=True)
    return r.get_json()["task"]["task_id"]


def poll(client, task_id):
    r = client.get(f"{START}/{task_id}")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def run(client, admin, data=None):
    """Start a task with immediate progression and poll it once: the finished task."""
    admin.set_progression("phonexia", "immediate")
    return poll(client, started(client, data))


def scores(body):
    return [c["score"] for c in body["result"]["deepfake_detection"]["channels"]]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- server ----------------------------------------------------------------------------------

def test_health(api):
    r = api("GET", "/health")
    assert r.get_json() == {"status": "ok", "version": __version__, "vendors": list(BY_SLUG)}


def test_list_vendors(api):
    vendors = api("GET", "/vendors").get_json()["vendors"]
    assert [v["slug"] for v in vendors] == list(BY_SLUG)
    phonexia = next(v for v in vendors if v["slug"] == "phonexia")
    assert phonexia == {"slug": "phonexia", "title": BY_SLUG["phonexia"].title,
                        "base_url": "http://localhost/phonexia",
                        "spec_url": "http://localhost/phonexia/openapi.yaml"}


def test_list_vendors_in_single_vendor_mode(settings, spec):
    app = create_app({**settings, "vendor": "phonexia"})
    r = Api(app.test_client(), spec)("GET", "/vendors")
    assert r.get_json()["vendors"] == [{
        "slug": "phonexia", "title": BY_SLUG["phonexia"].title, "base_url": "http://localhost",
        "spec_url": "http://localhost/phonexia/openapi.yaml"}]


def test_get_settings(api, settings):
    doc = api("GET", "/settings").get_json()
    assert (doc["state"], doc["spool_dir"], doc["clock"], doc["clock_start"]) == \
        ("memory", settings["spool_dir"], "manual", CLOCK_START)
    assert doc["vendors"]["phonexia"]["licensed"] is True
    assert "authorization" in doc["secret_headers"]


def test_unknown_admin_paths_and_methods_answer_in_the_admin_shape(client):
    r = client.get("/_admin/nothing-here")
    assert r.status_code == 404 and set(r.get_json()) == {"error"}
    r = client.post("/_admin/health")
    assert r.status_code == 405 and set(r.get_json()) == {"error"}


def test_admin_requests_are_not_journaled(api):
    api("GET", "/health")
    api("GET", "/clock")
    assert api("GET", "/journal").get_json() == {"entries": []}


def test_reset_forgets_everything(api, client, admin, settings):
    admin.set_seed(9)
    admin.set_clock(CLOCK_START + 500)
    admin.set_progression("phonexia", "manual")
    admin.set_rate_limit("phonexia", 100, 60)
    admin.add_verdict_rule("phonexia", label="fake")
    task_id = started(client)
    admin.add_fault(fault="drop")
    assert os.listdir(settings["spool_dir"])

    assert api("POST", "/reset").get_json() == {"status": "reset"}

    assert admin.get_seed() == 0
    assert api("GET", "/clock").get_json() == {"now": CLOCK_START, "mode": "manual"}
    assert admin.get_progression("phonexia") == {"mode": "after_polls", "value": 2}
    assert admin.get_rate_limit("phonexia") is None
    assert admin.list_verdict_rules("phonexia") == []
    assert admin.list_faults() == []
    assert admin.list_jobs("phonexia") == []
    assert admin.list_requests() == []
    assert os.listdir(settings["spool_dir"]) == []
    assert client.get(f"{START}/{task_id}").status_code == 404
    assert started(client)  # and the vendor still works


# ---- clock -----------------------------------------------------------------------------------

def test_get_clock(api):
    assert api("GET", "/clock").get_json() == {"now": CLOCK_START, "mode": "manual"}


def test_set_and_advance_clock(api):
    assert api("PUT", "/clock", {"now": 1_800_000_000}).get_json() == \
        {"now": 1_800_000_000.0, "mode": "manual"}
    assert api("POST", "/clock/advance", {"seconds": 90.5}).get_json() == \
        {"now": 1_800_000_090.5, "mode": "manual"}
    assert api("POST", "/clock/advance", {"seconds": 0}).get_json()["now"] == 1_800_000_090.5


def test_resume_system_time_and_advance_it(api):
    doc = api("PUT", "/clock", {"mode": "system"}).get_json()
    assert doc["mode"] == "system" and abs(doc["now"] - time.time()) < 60
    doc = api("POST", "/clock/advance", {"seconds": 3600}).get_json()
    assert doc["mode"] == "system" and abs(doc["now"] - time.time() - 3600) < 60


@pytest.mark.parametrize("body, message", [
    ({}, "now must be a number"),
    ({"mode": "manual"}, "now must be a number"),
    ({"now": "2026-01-01"}, "now must be a number"),
    ({"now": True}, "now must be a number"),
    ({"now": None}, "now must be a number"),
])
def test_set_clock_errors(api, body, message):
    error(api("PUT", "/clock", body), 400, message)
    assert api("GET", "/clock").get_json()["now"] == CLOCK_START


@pytest.mark.parametrize("body, message", [
    ({}, "seconds must be a number"),
    ({"seconds": "60"}, "seconds must be a number"),
    ({"seconds": False}, "seconds must be a number"),
    ({"seconds": -1}, "seconds must not be negative"),
])
def test_advance_clock_errors(api, body, message):
    error(api("POST", "/clock/advance", body), 400, message)


@pytest.mark.parametrize("method, path", [
    ("PUT", "/clock"), ("POST", "/clock/advance"), ("PUT", "/seed"), ("POST", "/journal/find"),
    ("POST", "/journal/count"), ("POST", "/faults"), ("POST", "/vendors/phonexia/verdicts"),
    ("PUT", "/vendors/phonexia/jobs/x/state"), ("PUT", "/vendors/phonexia/progression"),
    ("PUT", "/vendors/phonexia/rate-limit"),
])
@pytest.mark.parametrize("raw", ["", "[1, 2]", "not json", "null", '"text"'])
def test_bodies_must_be_json_objects(api, method, path, raw):
    error(api(method, path, raw=raw), 400, NOT_AN_OBJECT["error"])


# ---- seed ------------------------------------------------------------------------------------

def test_get_and_set_seed(api):
    assert api("GET", "/seed").get_json() == {"seed": 0}
    assert api("PUT", "/seed", {"seed": 42}).get_json() == {"seed": 42}
    assert api("GET", "/seed").get_json() == {"seed": 42}
    assert api("PUT", "/seed", {"seed": -3}).get_json() == {"seed": -3}


@pytest.mark.parametrize("body", [{}, {"seed": "1"}, {"seed": 1.5}, {"seed": True},
                                  {"seed": None}])
def test_set_seed_errors(api, body):
    error(api("PUT", "/seed", body), 400, "seed must be an integer")


def test_the_seed_decides_ids_and_verdicts(client, admin):
    first = run(client, admin)
    admin.reset()
    again = run(client, admin)
    assert again == first  # same seed, same requests: same task id and scores
    admin.reset()
    admin.set_seed(12345)
    other = run(client, admin)
    assert other["task"]["task_id"] != first["task"]["task_id"]
    assert scores(other) != scores(first)


# ---- journal ---------------------------------------------------------------------------------

@pytest.fixture
def traffic(client, admin):
    """Five Phonexia requests: start (202), two polls (200), a status (200), a bad poll (422)."""
    admin.set_progression("phonexia", "after_polls", 2)
    task_id = started(client)
    poll(client, task_id)
    poll(client, task_id)
    assert client.get(STATUS).status_code == 200
    assert client.get(f"{START}/not-a-uuid").status_code == 422
    return task_id


def ids(entries):
    return [(e["operation"], e["status"]) for e in entries]


def test_list_requests(api, traffic):
    entries = api("GET", "/journal").get_json()["entries"]
    assert ids(entries) == [("start_authenticity_verification", 202),
                            ("get_authenticity_verification", 200),
                            ("get_authenticity_verification", 200),
                            ("get_system_status", 200),
                            ("get_authenticity_verification", 422)]
    first = entries[0]
    assert (first["vendor"], first["method"], first["path"], first["time"]) == \
        ("phonexia", "POST", START, CLOCK_START)
    assert first["body"]["files"][0]["field"] == "file"
    assert first["body"]["files"][0]["size"] == len(media.wav())
    assert first["response"]["body"] == {"task": {"task_id": traffic, "state": "pending"}}
    assert entries[2]["response"]["body"]["task"]["state"] == "done"
    assert len({e["request_id"] for e in entries}) == 5


def test_list_requests_by_criteria(api, traffic):
    def listed(**query):
        return ids(api("GET", "/journal", query=query).get_json()["entries"])

    assert listed(status=422) == [("get_authenticity_verification", 422)]
    assert listed(operation="get_authenticity_verification", limit=2) == \
        [("get_authenticity_verification", 200), ("get_authenticity_verification", 422)]
    assert listed(method="POST") == [("start_authenticity_verification", 202)]
    assert listed(path="/api/system/") == [("get_system_status", 200)]
    assert listed(vendor="phonexia", status=200, limit=1) == [("get_system_status", 200)]
    assert listed(vendor="other") == []
    assert len(listed(colour="ignored")) == 5
    request_id = api("GET", "/journal").get_json()["entries"][3]["request_id"]
    assert listed(request_id=request_id) == [("get_system_status", 200)]


@pytest.mark.parametrize("query, message", [
    ({"status": "ok"}, "status must be an integer"),
    ({"limit": "0"}, "limit must be a positive integer"),
    ({"limit": "-2"}, "limit must be a positive integer"),
    ({"limit": "many"}, "limit must be a positive integer"),
])
def test_list_requests_errors(api, query, message):
    error(api("GET", "/journal", query=query), 400, message)


def test_find_and_count_requests(api, traffic):
    found = api("POST", "/journal/find", {"operation": "get_authenticity_verification",
                                          "status": 200}).get_json()["entries"]
    assert ids(found) == [("get_authenticity_verification", 200)] * 2
    found = api("POST", "/journal/find", {"status": "422", "limit": 1}).get_json()["entries"]
    assert ids(found) == [("get_authenticity_verification", 422)]
    assert len(api("POST", "/journal/find", {}).get_json()["entries"]) == 5
    assert api("POST", "/journal/count", {}).get_json() == {"count": 5}
    assert api("POST", "/journal/count", {"vendor": "phonexia", "method": "GET"}).get_json() == \
        {"count": 4}
    assert api("POST", "/journal/count", {"path": traffic}).get_json() == {"count": 2}


@pytest.mark.parametrize("path, body, message", [
    ("/journal/find", {"colour": "red", "size": 1}, "unknown criteria: colour, size"),
    ("/journal/find", {"status": "teapot"}, "status must be an integer"),
    ("/journal/find", {"status": None}, "status must be an integer"),
    ("/journal/find", {"limit": 0}, "limit must be a positive integer"),
    ("/journal/find", {"limit": "x"}, "limit must be a positive integer"),
    ("/journal/count", {"limit": 1}, "unknown criteria: limit"),
    ("/journal/count", {"colour": "red"}, "unknown criteria: colour"),
    ("/journal/count", {"status": "x"}, "status must be an integer"),
])
def test_find_and_count_errors(api, path, body, message):
    error(api("POST", path, body), 400, message)


@pytest.mark.parametrize("path", [5, None, ["/api"]])
def test_find_with_a_path_that_is_not_text_is_a_bad_request(client, traffic, path):
    r = client.post("/_admin/journal/find", json={"path": path})
    assert r.status_code == 400
    assert set(r.get_json()) == {"error"}


def test_clear_journal(api, traffic):
    assert api("DELETE", "/journal").get_json() == {"status": "cleared"}
    assert api("GET", "/journal").get_json() == {"entries": []}
    assert api("POST", "/journal/count", {}).get_json() == {"count": 0}


def test_the_journal_redacts_secrets(client, admin):
    secrets = ["s3cr3t-bearer-token", "k-0123456789abcdef", "tok-in-form"]
    r = start(client, headers={"Authorization": f"Bearer {secrets[0]}", "x-api-key": secrets[1]},
              form={"token": secrets[2], "config": json.dumps({})})
    assert r.status_code == 202
    r = client.get(STATUS, headers={"Authorization": secrets[0], "X-API-KEY": secrets[1]})
    assert r.status_code == 200
    entries = admin.list_requests()
    headers = [{k.lower(): v for k, v in e["headers"].items()} for e in entries]
    assert headers[0]["authorization"] == "Bearer [redacted]"
    assert headers[0]["x-api-key"] == "[redacted]"
    assert headers[1]["authorization"] == "[redacted]"
    assert headers[1]["x-api-key"] == "[redacted]"
    assert entries[0]["body"]["form"] == {"token": "[redacted]", "config": "{}"}
    dumped = json.dumps(entries)
    assert not [s for s in secrets if s in dumped]


# ---- faults ----------------------------------------------------------------------------------

def test_add_list_and_clear_faults(api):
    assert api("GET", "/faults").get_json() == {"faults": []}
    r = api("POST", "/faults", {"fault": "status", "status": 503, "vendor": "phonexia",
                                "operation": "start_authenticity_verification", "times": 2,
                                "delay_ms": None})
    assert r.status_code == 201
    rule = r.get_json()
    assert rule == {"fault": "status", "status": 503, "vendor": "phonexia",
                    "operation": "start_authenticity_verification", "times": 2,
                    "id": rule["id"], "used": 0}
    second = api("POST", "/faults", {"fault": "drop"}).get_json()
    assert api("GET", "/faults").get_json() == {"faults": [rule, second]}
    assert api("DELETE", "/faults").get_json() == {"status": "cleared"}
    assert api("GET", "/faults").get_json() == {"faults": []}


@pytest.mark.parametrize("body, status, message", [
    ({"fault": "status", "status": 503, "odds": 0.5}, 400, "unknown fault fields: odds"),
    ({"fault": "explode"}, 400, "fault must be one of status, delay, drop, malformed"),
    ({"status": 503}, 400, "fault must be one of status, delay, drop, malformed"),
    ({"fault": "status"}, 400, "a status fault needs a status from 400 to 599"),
    ({"fault": "status", "status": 302}, 400, "a status fault needs a status from 400 to 599"),
    ({"fault": "status", "status": "503"}, 400, "a status fault needs a status from 400 to 599"),
    ({"fault": "delay"}, 400, "a delay fault needs delay_ms from 1 to 60000"),
    ({"fault": "delay", "delay_ms": 120_000}, 400, "a delay fault needs delay_ms from 1 to 60000"),
    ({"fault": "drop", "times": 0}, 400, "times must be a positive integer"),
    ({"fault": "drop", "vendor": 7}, 400, "vendor must be a string"),
    ({"fault": "drop", "operation": 7}, 400, "operation must be a string"),
    ({"fault": "drop", "vendor": "acme"}, 404, "unknown vendor 'acme'"),
])
def test_add_fault_errors(api, body, status, message):
    error(api("POST", "/faults", body), status, message)
    assert api("GET", "/faults").get_json() == {"faults": []}


def test_a_status_fault_answers_in_the_phonexia_envelope(client, admin):
    admin.add_fault(fault="status", status=503, vendor="phonexia", times=1)
    r = start(client)
    assert r.status_code == 503
    assert r.get_json() == {"type": "internal", "message": "Internal error.", "detail": []}
    assert admin.list_faults() == []
    assert start(client).status_code == 202  # used up
    assert len(admin.list_jobs("phonexia")) == 1  # only the second start made a task


@pytest.mark.parametrize("status, type_, message", [
    (429, "request.rate-limit-exceeded", "Rate limit exceeded."),
    (507, "storage.capacity-exceeded", "The storage is full and cannot accept any data."),
    (403, "request.forbidden", "Request is forbidden."),
])
def test_status_faults_use_the_vendors_own_error_for_that_status(client, admin, status, type_,
                                                                 message):
    admin.add_fault(fault="status", status=status)
    r = start(client)
    assert (r.status_code, r.get_json()) == \
        (status, {"type": type_, "message": message, "detail": []})


def test_faults_are_scoped_by_operation(client, admin):
    admin.add_fault(fault="status", status=500, operation="get_system_status")
    assert start(client).status_code == 202
    assert client.get(STATUS).status_code == 500
    assert client.get(STATUS).status_code == 500  # no times: lasts
    assert admin.list_faults()[0]["used"] == 2
    admin.clear_faults()
    assert client.get(STATUS).status_code == 200


def test_a_malformed_fault_cuts_the_body(client, admin):
    admin.add_fault(fault="malformed", vendor="phonexia", times=1)
    r = start(client)
    assert r.status_code == 202
    body = r.get_data()
    with pytest.raises(ValueError):
        json.loads(body)
    assert int(r.headers["Content-Length"]) == len(body)
    task_id = admin.list_jobs("phonexia")[0]["id"]
    whole = json.dumps({"task": {"task_id": task_id, "state": "pending"}}, separators=(",", ":"))
    assert whole.encode().startswith(body)
    assert len(whole) // 2 <= len(body) <= (len(whole) + 1) // 2  # half, newline or not
    assert poll(client, task_id)["task"]["state"] == "running"  # the next answer is whole


def test_a_delay_fault_waits_then_answers(client, admin, monkeypatch):
    waited = []
    monkeypatch.setattr(pipeline.time, "sleep", waited.append)
    admin.add_fault(fault="delay", delay_ms=250, vendor="phonexia", times=1)
    assert start(client).status_code == 202
    assert waited == [0.25]
    assert start(client).status_code == 202
    assert waited == [0.25]


def test_a_drop_fault_answers_nothing_and_is_journaled_without_status(client, admin):
    admin.add_fault(fault="drop", operation="get_system_status", times=1)
    r = client.get(STATUS)
    assert r.get_data() == b""
    entry = admin.find_requests(operation="get_system_status")[0]
    assert entry["status"] is None


# ---- verdict rules ---------------------------------------------------------------------------

def test_add_list_and_clear_verdict_rules(api):
    assert api("GET", "/vendors/phonexia/verdicts").get_json() == {"rules": []}
    r = api("POST", "/vendors/phonexia/verdicts", {"label": "fake", "probability": 0.9,
                                                   "times": 1, "vendor": "ignored",
                                                   "digest": None})
    assert r.status_code == 201
    rule = r.get_json()
    assert rule == {"label": "fake", "probability": 0.9, "times": 1, "id": rule["id"],
                    "vendor": "phonexia", "used": 0}
    assert api("GET", "/vendors/phonexia/verdicts").get_json() == {"rules": [rule]}
    assert api("DELETE", "/vendors/phonexia/verdicts").get_json() == {"status": "cleared"}
    assert api("GET", "/vendors/phonexia/verdicts").get_json() == {"rules": []}


@pytest.mark.parametrize("body, message", [
    ({"label": "fake", "colour": "red"}, "unknown rule fields: colour"),
    ({"label": "deep"}, "label must be 'fake' or 'real'"),
    ({"probability": 2}, "probability must be a number in [0, 1]"),
    ({"score": "4.2"}, "score must be a number"),
    ({"label": "fake", "times": -1}, "times must be a positive integer"),
    ({"fields": "x"}, "fields must be an object"),
    ({"label": "fake", "operation": 1}, "operation must be a string"),
    ({"label": "fake", "digest": 1}, "digest must be a string"),
    ({"outcome": False}, "outcome must be a string"),
    ({"times": 1}, "a rule must set label, probability, score, outcome or fields"),
])
def test_add_verdict_rule_errors(api, body, message):
    error(api("POST", "/vendors/phonexia/verdicts", body), 400, message)
    assert api("GET", "/vendors/phonexia/verdicts").get_json() == {"rules": []}


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/vendors/acme/verdicts", None),
    ("POST", "/vendors/acme/verdicts", {"label": "fake"}),
    ("DELETE", "/vendors/acme/verdicts", None),
    ("GET", "/vendors/acme/jobs", None),
    ("GET", "/vendors/acme/jobs/x", None),
    ("PUT", "/vendors/acme/jobs/x/state", {"state": "done"}),
    ("GET", "/vendors/acme/progression", None),
    ("PUT", "/vendors/acme/progression", {"mode": "immediate"}),
    ("GET", "/vendors/acme/rate-limit", None),
    ("PUT", "/vendors/acme/rate-limit", {"rate_limit": None}),
])
def test_unknown_vendors(api, method, path, body):
    error(api(method, path, body), 404, "unknown vendor 'acme'")


def test_a_pinned_score(client, admin):
    admin.add_verdict_rule("phonexia", score=4.2)
    body = run(client, admin, media.wav(channels=2))
    assert scores(body) == [4.2, 4.2]


@pytest.mark.parametrize("rule, positive", [({"label": "fake", "probability": 0.99}, True),
                                            ({"label": "real", "probability": 0.01}, False)])
def test_labels_decide_the_sign_of_the_score(client, admin, rule, positive):
    admin.add_verdict_rule("phonexia", **rule)
    assert all((s > 0) == positive for s in scores(run(client, admin)))


@pytest.mark.parametrize("outcome, error_type", [("failed", "internal"),
                                                 ("rejected", "task.validation-error")])
def test_an_outcome_rule_ends_the_task_so(client, admin, outcome, error_type):
    admin.add_verdict_rule("phonexia", outcome=outcome, times=1)
    body = run(client, admin)
    assert body["task"]["state"] == outcome
    assert body["error"]["type"] == error_type
    assert "result" not in body


def test_a_rule_sticks_to_its_media_and_is_used_up(client, admin):
    one, two = media.wav(variant=1), media.wav(variant=2)
    default_two = scores(run(client, admin, two))
    admin.reset()
    admin.add_verdict_rule("phonexia", score=7.5, times=1)
    assert scores(run(client, admin, one)) == [7.5]
    assert admin.list_verdict_rules("phonexia") == []
    assert scores(run(client, admin, two)) == default_two
    assert scores(run(client, admin, one)) == [7.5]  # a retry of the same media keeps it


def test_a_digest_rule_waits_for_its_media(client, admin):
    target = media.wav(variant=3)
    admin.add_verdict_rule("phonexia", score=-9.0, digest=sha256(target))
    assert scores(run(client, admin, media.wav(variant=4))) != [-9.0]
    assert scores(run(client, admin, target)) == [-9.0]


def test_an_operation_rule_applies_to_that_operation_only(client, admin):
    admin.add_verdict_rule("phonexia", score=3.0, operation="some_other_operation")
    assert scores(run(client, admin)) != [3.0]
    admin.add_verdict_rule("phonexia", score=5.0, operation="start_authenticity_verification")
    assert scores(run(client, admin, media.wav(variant=5))) == [5.0]


def test_clearing_rules_brings_the_defaults_back(client, admin):
    data = media.wav(variant=6)
    default = scores(run(client, admin, data))
    admin.add_verdict_rule("phonexia", score=1.0)
    admin.reset()
    admin.add_verdict_rule("phonexia", score=1.0)
    assert scores(run(client, admin, data)) == [1.0]
    admin.clear_verdict_rules("phonexia")
    assert scores(run(client, admin, data)) == default


# ---- jobs and progression --------------------------------------------------------------------

def test_list_and_get_jobs(api, client):
    task_id = started(client)
    jobs = api("GET", "/vendors/phonexia/jobs").get_json()["jobs"]
    assert [j["id"] for j in jobs] == [task_id]
    job = api("GET", f"/vendors/phonexia/jobs/{task_id}").get_json()
    assert (job["id"], job["vendor"], job["state"], job["states"], job["outcome"], job["polls"],
            job["created_at"], job["forced"]) == \
        (task_id, "phonexia", "pending", ["pending", "running"], "done", 0, CLOCK_START, None)
    assert job["data"]["digest"] == sha256(media.wav())


def test_get_job_is_not_a_poll(api, client):
    task_id = started(client)
    for _ in range(3):
        api("GET", f"/vendors/phonexia/jobs/{task_id}")
    assert poll(client, task_id)["task"]["state"] == "running"
    assert api("GET", f"/vendors/phonexia/jobs/{task_id}").get_json()["polls"] == 1


def test_unknown_job(api):
    error(api("GET", "/vendors/phonexia/jobs/nope"), 404, "no job 'nope'")
    error(api("PUT", "/vendors/phonexia/jobs/nope/state", {"state": "done"}), 404,
          "no job 'nope'")


def test_force_job_state(api, client, admin):
    admin.set_progression("phonexia", "manual")
    task_id = started(client)
    assert poll(client, task_id)["task"]["state"] == "pending"
    job = api("PUT", f"/vendors/phonexia/jobs/{task_id}/state", {"state": "running"}).get_json()
    assert (job["state"], job["forced"], job["outcome"]) == ("running", "running", "done")
    assert poll(client, task_id)["task"]["state"] == "running"
    api("PUT", f"/vendors/phonexia/jobs/{task_id}/state", {"state": "done"})
    body = poll(client, task_id)
    assert body["task"]["state"] == "done" and len(scores(body)) == 1


def test_force_a_failure(api, client):
    task_id = started(client)
    job = api("PUT", f"/vendors/phonexia/jobs/{task_id}/state", {"state": "failed"}).get_json()
    assert (job["state"], job["outcome"]) == ("failed", "failed")
    assert poll(client, task_id) == {
        "task": {"task_id": task_id, "state": "failed"},
        "error": {"type": "internal", "message": "Internal error.", "detail": []}}


@pytest.mark.parametrize("body", [{}, {"state": ""}, {"state": 3}, {"state": None}])
def test_force_job_state_errors(api, client, body):
    task_id = started(client)
    error(api("PUT", f"/vendors/phonexia/jobs/{task_id}/state", body), 400,
          "state must be a non-empty string")


def test_get_and_set_progression(api):
    assert api("GET", "/vendors/phonexia/progression").get_json() == \
        {"mode": "after_polls", "value": 2}
    assert api("PUT", "/vendors/phonexia/progression",
               {"mode": "after_seconds", "value": 30, "note": "ignored"}).get_json() == \
        {"mode": "after_seconds", "value": 30}
    assert api("GET", "/vendors/phonexia/progression").get_json() == \
        {"mode": "after_seconds", "value": 30}
    assert api("PUT", "/vendors/phonexia/progression", {"mode": "manual"}).get_json() == \
        {"mode": "manual", "value": 0}


@pytest.mark.parametrize("body, message", [
    ({}, "mode must be one of immediate, after_polls, after_seconds, manual"),
    ({"mode": "soon"}, "mode must be one of immediate, after_polls, after_seconds, manual"),
    ({"mode": "after_polls"}, "after_polls needs a positive value"),
    ({"mode": "after_seconds", "value": 0}, "after_seconds needs a positive value"),
    ({"mode": "after_polls", "value": "2"}, "value must be a number"),
])
def test_set_progression_errors(api, body, message):
    error(api("PUT", "/vendors/phonexia/progression", body), 400, message)
    assert api("GET", "/vendors/phonexia/progression").get_json() == \
        {"mode": "after_polls", "value": 2}


def states(client, task_id, polls):
    return [poll(client, task_id)["task"]["state"] for _ in range(polls)]


def test_progression_immediate(client, admin):
    admin.set_progression("phonexia", "immediate")
    assert states(client, started(client), 2) == ["done", "done"]


def test_progression_after_polls(client, admin):
    assert states(client, started(client), 3) == ["running", "done", "done"]  # default: 2
    admin.set_progression("phonexia", "after_polls", 4)
    assert states(client, started(client), 5) == ["pending", "running", "running", "done",
                                                  "done"]


def test_progression_after_seconds_follows_the_admin_clock(client, admin):
    admin.set_progression("phonexia", "after_seconds", 30)
    task_id = started(client)
    assert states(client, task_id, 3) == ["pending"] * 3
    admin.advance_clock(15)
    assert states(client, task_id, 1) == ["running"]
    admin.advance_clock(15)
    assert states(client, task_id, 1) == ["done"]


def test_progression_manual(client, admin):
    admin.set_progression("phonexia", "manual")
    task_id = started(client)
    admin.advance_clock(3600)
    assert states(client, task_id, 5) == ["pending"] * 5


# ---- rate limit ------------------------------------------------------------------------------

def test_get_and_set_rate_limit(api):
    assert api("GET", "/vendors/phonexia/rate-limit").get_json() == {"rate_limit": None}
    assert api("PUT", "/vendors/phonexia/rate-limit",
               {"rate_limit": {"limit": 2, "window": 60, "extra": 1}}).get_json() == \
        {"rate_limit": {"limit": 2, "window": 60}}
    assert api("PUT", "/vendors/phonexia/rate-limit", {"rate_limit": {"limit": 0}}).get_json() \
        == {"rate_limit": {"limit": 0, "window": 1}}
    assert api("PUT", "/vendors/phonexia/rate-limit", {"rate_limit": None}).get_json() == \
        {"rate_limit": None}
    assert api("GET", "/vendors/phonexia/rate-limit").get_json() == {"rate_limit": None}


@pytest.mark.parametrize("body, message", [
    ({}, 'send {"rate_limit": {"limit": n, "window": seconds}} or null'),
    ({"rate_limit": 5}, "rate_limit must be an object or null"),
    ({"rate_limit": {}}, "limit must be a non-negative integer"),
    ({"rate_limit": {"limit": -1}}, "limit must be a non-negative integer"),
    ({"rate_limit": {"limit": 2.5}}, "limit must be a non-negative integer"),
    ({"rate_limit": {"limit": True}}, "limit must be a non-negative integer"),
    ({"rate_limit": {"limit": 1, "window": 0}}, "window must be a positive number of seconds"),
    ({"rate_limit": {"limit": 1, "window": "60"}}, "window must be a positive number of seconds"),
])
def test_set_rate_limit_errors(api, body, message):
    error(api("PUT", "/vendors/phonexia/rate-limit", body), 400, message)
    assert api("GET", "/vendors/phonexia/rate-limit").get_json() == {"rate_limit": None}


def test_the_rate_limit_answers_429_until_the_window_is_waited_out(client, admin):
    admin.set_rate_limit("phonexia", 2, window=60)
    assert [start(client).status_code for _ in range(2)] == [202, 202]
    r = start(client)
    assert r.status_code == 429
    assert r.get_json() == {"type": "request.rate-limit-exceeded",
                            "message": "Rate limit exceeded.", "detail": []}
    assert (r.headers["retry-after"], r.headers["x-ratelimit-limit"],
            r.headers["x-ratelimit-remaining"], r.headers["x-ratelimit-reset"]) == \
        ("60", "2", "0", str(int(CLOCK_START) + 60))
    admin.advance_clock(20)
    r = start(client)
    assert (r.status_code, r.headers["retry-after"]) == (429, "40")
    assert len(admin.list_jobs("phonexia")) == 2
    admin.advance_clock(40)  # the next window
    assert start(client).status_code == 202
    assert start(client).status_code == 202
    r = start(client)
    assert (r.status_code, r.headers["x-ratelimit-reset"]) == (429, str(int(CLOCK_START) + 120))
    admin.set_rate_limit("phonexia", None)
    assert start(client).status_code == 202
    assert admin.count_requests(status=429) == 3


def test_the_rate_limit_counts_every_operation(client, admin):
    admin.set_rate_limit("phonexia", 1, window=10)
    assert client.get(STATUS).status_code == 200
    assert start(client).status_code == 429


def test_a_rate_limit_from_the_settings(settings):
    app = create_app({**settings, "vendors": {"phonexia": {"rate_limit": {"limit": 1,
                                                                          "window": 10}}}})
    client = app.test_client()
    admin = AdminClient.for_test_client(client)
    assert admin.get_rate_limit("phonexia") == {"limit": 1, "window": 10}
    assert [client.get(STATUS).status_code for _ in range(2)] == [200, 429]
    admin.set_rate_limit("phonexia", None)  # the admin API overrides the settings
    assert client.get(STATUS).status_code == 200
    admin.reset()  # and a reset returns to them
    assert admin.get_rate_limit("phonexia") == {"limit": 1, "window": 10}


# ---- vendor-specific admin routes --------------------------------------------------------------

def test_vendor_admin_reads_answer_as_documented(api, spec):
    """Every parameterless GET a vendor's own admin blueprint serves, checked against the spec."""
    served = {f"/_admin/vendors/{slug}/" for slug, v in BY_SLUG.items() if v.admin is not None}
    paths = [p for p, item in spec["paths"].items()
             if "get" in item and "{" not in p and any(p.startswith(s) for s in served)]
    for path in paths:
        assert api("GET", path[len("/_admin"):]).status_code == 200


# ---- AdminClient -----------------------------------------------------------------------------

def test_admin_client_covers_every_operation(client, admin):
    assert admin.health()["status"] == "ok"
    assert [v["slug"] for v in admin.list_vendors()] == list(BY_SLUG)
    assert admin.get_settings()["clock"] == "manual"
    assert admin.get_clock() == CLOCK_START
    assert admin.set_clock(CLOCK_START + 10) == CLOCK_START + 10
    assert admin.advance_clock(5) == CLOCK_START + 15
    assert abs(admin.set_clock(mode="system") - time.time()) < 60
    assert admin.set_seed(3) == 3 and admin.get_seed() == 3
    assert admin.set_progression("phonexia", "after_polls", 3) == {"mode": "after_polls",
                                                                   "value": 3}
    assert admin.get_progression("phonexia") == {"mode": "after_polls", "value": 3}
    assert admin.set_rate_limit("phonexia", 10, 5) == {"limit": 10, "window": 5}
    assert admin.get_rate_limit("phonexia") == {"limit": 10, "window": 5}
    fault = admin.add_fault(fault="malformed", vendor="phonexia", operation="nothing")
    assert admin.list_faults() == [fault]
    rule = admin.add_verdict_rule("phonexia", score=2.0, times=1)
    assert admin.list_verdict_rules("phonexia") == [rule]
    task_id = started(client)
    assert admin.list_verdict_rules("phonexia") == []
    assert [j["id"] for j in admin.list_jobs("phonexia")] == [task_id]
    assert admin.get_job("phonexia", task_id)["state"] == "pending"
    assert admin.force_job_state("phonexia", task_id, "done")["state"] == "done"
    assert scores(poll(client, task_id)) == [2.0]
    assert len(admin.list_requests()) == 2
    assert len(admin.list_requests(limit=1, method="GET")) == 1
    assert admin.find_requests(method="POST")[0]["status"] == 202
    assert admin.count_requests(vendor="phonexia") == 2
    admin.clear_journal()
    assert admin.list_requests() == []
    admin.clear_faults()
    admin.clear_verdict_rules("phonexia")
    assert admin.list_faults() == [] and admin.list_verdict_rules("phonexia") == []
    assert admin.reset() is None
    assert admin.get_seed() == 0


def test_admin_client_errors_carry_status_and_body(admin):
    with pytest.raises(AdminClientError) as err:
        admin.add_fault(fault="status", status=200)
    assert (err.value.status, err.value.body) == \
        (400, {"error": "a status fault needs a status from 400 to 599"})
    with pytest.raises(AdminClientError) as err:
        admin.get_job("phonexia", "nope")
    assert (err.value.status, err.value.body) == (404, {"error": "no job 'nope'"})
    with pytest.raises(AdminClientError) as err:
        admin.list_jobs("acme")
    assert err.value.status == 404
