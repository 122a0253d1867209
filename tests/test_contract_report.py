"""The contract report: exchanges matched to spec operations, settled, rendered and redacted."""

import json
from types import SimpleNamespace

import pytest

from deepfake_mock.contracts.checks_base import CheckFailure
from deepfake_mock.contracts.report import Recorder, Report, describe, render
from deepfake_mock.testing.target import Target

COMBINED = Target("http://127.0.0.1:8080", admin=SimpleNamespace())  # an emulator, every vendor
HIYA = Target("https://api.hiya.com/audiointel/eu", None, "hiya", at_root=True)
GLAIR = Target("https://api.vision.glair.ai", None, "glair", at_root=True)
SINGLE = Target("http://127.0.0.1:8000", SimpleNamespace(), "glair", at_root=True)


def request(method, url, headers=None, body=None):
    return SimpleNamespace(method=method, url=url, headers=headers or {}, body=body)


def sent(report, method, url, status=200, **kwargs):
    return report.exchange(request(method, url, **kwargs), SimpleNamespace(status_code=status))


@pytest.fixture(scope="module")
def combined():
    return Report(COMBINED)


@pytest.mark.parametrize("method,path,operation", [
    ("POST", "/resemble/api/v2/detect", "create_detection"),
    ("POST", "/resemble/api/v2/detect/batch", "create_detect_batch"),
    ("GET", "/resemble/api/v2/detect/batch/42", "get_detect_batch"),
    ("GET", "/resemble/api/v2/detect/42", "get_detection"),
    ("GET", "/hiya/v1/user", "get_user"),
    ("GET", "/hiya/audiointel/eu/v1/user", "get_user"),
    ("POST", "/hiya/v1/spaces/user-a/main/voiceprints/i/v:compute", "compute_voiceprint"),
    ("GET", "/phonexia/api/technology/experimental/authenticity-verification/abc",
     "get_authenticity_verification"),
    ("POST", "/finauth/finauth/v5/anti_deepfake", "anti_deepfake"),
])
def test_an_exchange_belongs_to_the_most_specific_operation(combined, method, path, operation):
    exchange = sent(combined, method, "http://127.0.0.1:8080" + path)
    assert exchange.operation == operation


def test_a_real_vendor_base_includes_its_server_prefix():
    assert sent(Report(HIYA), "GET", "https://api.hiya.com/audiointel/eu/v1/user").operation == "get_user"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/_admin/reset",
                                 "http://127.0.0.1:9999/glair/face/v1/deepfake",
                                 "http://127.0.0.1:8080/glairx/face/v1/deepfake"])
def test_admin_calls_and_other_servers_are_not_exchanges(combined, url):
    assert sent(combined, "POST", url) is None


def test_admin_calls_of_a_single_vendor_emulator_are_not_exchanges():
    report = Report(SINGLE)
    assert sent(report, "POST", "http://127.0.0.1:8000/_admin/reset") is None
    assert sent(report, "POST", "http://127.0.0.1:8000/face/v1/deepfake").operation == \
        "detect_deepfake_video"


def test_a_request_no_operation_matches_is_listed_apart(combined):
    exchange = sent(combined, "GET", "http://127.0.0.1:8080/finauth/finauth/v5/anti_deepfake", 404)
    assert exchange.operation is None and exchange.request_line == "GET /finauth/v5/anti_deepfake"
    report = Report(COMBINED)
    report.add(exchange)
    finauth = next(v for v in report.data()["vendors"] if v["vendor"] == "finauth")
    assert finauth["other"] == [{"request": "GET /finauth/v5/anti_deepfake", "statuses": [
        {"status": "404", "documented": None, "result": "passed", "passed": 1, "failed": 0,
         "failures": []}]}]


VIDEO = "https://api.vision.glair.ai/face/v1/deepfake"


def sender(recorder, *statuses):
    """``HTTPAdapter.send`` wrapped by ``recorder``, answering ``statuses`` in turn."""
    answers = iter(statuses)
    return recorder.wrap(lambda adapter, prepared, **kwargs: SimpleNamespace(
        status_code=next(answers)))


def recorder_with(report, *statuses):
    recorder = Recorder(report)
    send = sender(recorder, *statuses)
    for _ in statuses:
        send(None, request("POST", VIDEO), timeout=1)
    return recorder


def glair_statuses(report, operation="detect_deepfake_video"):
    vendor = report.data()["vendors"][0]
    op = next(o for o in vendor["operations"] if o["operation_id"] == operation)
    return {s["status"]: s for s in op["statuses"]}


def test_a_failed_flow_fails_its_last_exchange_only():
    report = Report(GLAIR)
    recorder_with(report, 400, 200).settle("test_glair.py:9: assert 200 == 415")
    statuses = glair_statuses(report)
    assert statuses["400"]["result"] == "passed"
    assert statuses["200"]["result"] == "failed"
    assert statuses["200"]["failures"][0]["message"] == "test_glair.py:9: assert 200 == 415"
    assert statuses["200"]["failures"][0]["curl"].startswith("curl -X POST ")
    assert statuses["415"]["result"] == "not exercised"


def test_a_skipped_test_drops_its_exchanges():
    report = Report(GLAIR)
    recorder = recorder_with(report, 200)
    recorder.drop()
    recorder.settle()
    assert glair_statuses(report)["200"]["result"] == "not exercised"


def test_a_generated_case_fails_its_first_exchange_with_the_checks_titles():
    report = Report(GLAIR)
    recorder = Recorder(report)
    send = sender(recorder, 200, 401)
    failure = CheckFailure(operation="POST /face/v1/deepfake", title="Request-Id header missing",
                           message="200 without Request-Id\nmore")
    with pytest.raises(BaseExceptionGroup):
        with recorder.case(lambda: "curl -X POST generated"):
            send(None, request("POST", VIDEO))  # the generated case
            send(None, request("POST", VIDEO))  # a check's own request (schemathesis's auth probe)
            raise BaseExceptionGroup("found", [failure])
    statuses = glair_statuses(report)
    assert statuses["200"]["failures"] == [
        {"message": "Request-Id header missing: 200 without Request-Id",
         "curl": "curl -X POST generated"}]
    assert statuses["401"]["result"] == "passed"


def test_an_undocumented_status_always_fails():
    report = Report(GLAIR)
    recorder_with(report, 502).settle()
    status = glair_statuses(report)["502"]
    assert status["documented"] is False and status["result"] == "failed"
    assert "not a documented response" in status["failures"][0]["message"]
    assert report.data()["summary"]["undocumented"] == 1


def test_distinct_failures_are_kept_up_to_a_few():
    report = Report(GLAIR)
    for n in range(5):
        recorder_with(report, 200).settle(f"failure {n}")
    recorder_with(report, 200).settle("failure 0")
    failures = glair_statuses(report)["200"]["failures"]
    assert [f["message"] for f in failures] == ["failure 0", "failure 1", "failure 2"]


SECRETS = {"Authorization": "Basic dXNlcjpwYXNz", "x-api-key": "live-key"}


def exchange_to(target, body, content_type="application/json"):
    report = Report(target)
    headers = {**SECRETS, "Content-Type": content_type, "Content-Length": "9",
               "User-Agent": "python-requests"}
    url = target.url("glair") + "/face/v1/deepfake"
    return report.exchange(request("POST", url, headers, body), SimpleNamespace(status_code=200))


def test_curl_of_a_real_vendor_hides_credentials_and_signatures():
    curl = exchange_to(GLAIR, b'{"password": "hunter2", "frames": []}').curl(redact=True)
    assert "live-key" not in curl and "dXNlcjpwYXNz" not in curl and "hunter2" not in curl
    assert "-H 'x-api-key: [Filtered]'" in curl and '"password": "[Filtered]"' in curl
    assert "Content-Length" not in curl and "User-Agent" not in curl
    form = exchange_to(GLAIR, "data_type=0&sign=abc&x=1", "application/x-www-form-urlencoded")
    assert "sign=[Filtered]&x=1" in form.curl(redact=True)


def test_curl_of_the_emulator_keeps_its_test_credentials():
    curl = exchange_to(SINGLE, b'{"frames": []}').curl(redact=False)
    assert "-H 'x-api-key: live-key'" in curl
    assert curl.endswith("--data-binary '{\"frames\": []}' http://127.0.0.1:8000/face/v1/deepfake")


def test_long_or_binary_bodies_are_a_placeholder():
    multipart = exchange_to(GLAIR, b"--b\r\nbinary\xff", "multipart/form-data; boundary=b")
    assert "--data-binary '@<12-byte multipart body>'" in multipart.curl(redact=True)
    long = exchange_to(GLAIR, "x" * 5000)
    assert "--data-binary '@<5000-byte body>'" in long.curl(redact=True)


def test_render_lists_every_operation_and_the_summary():
    report = Report(GLAIR)
    recorder_with(report, 200, 415).settle("test_glair.py:9: boom")
    text = render(report.data())
    assert text.startswith("glair  (https://api.vision.glair.ai)\n"
                           "  detect_deepfake_video  POST /face/v1/deepfake\n"
                           "    200 passed   400 not exercised")
    assert "415 FAILED" in text and "      415: test_glair.py:9: boom\n      curl -X POST" in text
    assert "  detect_deepfake_frames  POST /face/v1/deepfake/images\n" in text
    assert text.endswith("summary: 1 vendor, 2 operations, 16 documented statuses: 1 passed, "
                         "1 failed, 14 not exercised\n")
    json.dumps(report.data())


def test_describe_gives_one_line_per_failure():
    group = BaseExceptionGroup("x", [CheckFailure(operation="o", title="A", message="one\ntwo"),
                                     CheckFailure(operation="o", title="B", message="three")])
    assert describe(group) == "A: one; B: three"
    blank_first = CheckFailure(operation="o", title="Server error", message="\n\nReceived: 500")
    assert describe(BaseExceptionGroup("x", [blank_first])) == "Server error: Received: 500"
    assert describe(ValueError("bad\nworse")) == "ValueError: bad"
