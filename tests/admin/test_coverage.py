"""Coverage of a client's run: operations and documented statuses reached, and never seen."""

from __future__ import annotations

import io

from deepfake_mock.core.coverage import render_text
from deepfake_mock.testing import media

START = "/phonexia/api/technology/experimental/authenticity-verification"


def operation(report: dict, vendor: str, operation_id: str) -> dict:
    block = next(v for v in report["vendors"] if v["vendor"] == vendor)
    return next(op for op in block["operations"] if op["operation"] == operation_id)


def test_answers_are_counted_per_operation_and_status(client, admin):
    client.post(START, data={"file": (io.BytesIO(media.wav(4)), "a.wav")})
    client.post(START, data={"file": (io.BytesIO(media.wav(4)), "b.wav")})
    client.get(f"{START}/00000000-0000-4000-8000-000000000000")
    report = admin.get_coverage()
    start = operation(report, "phonexia", "start_authenticity_verification")
    assert start["requests"] == 2
    assert start["seen"] == {"202": 2}
    assert start["never_seen"] == ["400", "403", "413", "422", "429", "507"]
    assert start["undocumented"] == []
    poll = operation(report, "phonexia", "get_authenticity_verification")
    assert poll["seen"] == {"404": 1}
    assert "200" in poll["never_seen"] and "404" not in poll["never_seen"]
    phonexia = next(v for v in report["vendors"] if v["vendor"] == "phonexia")
    assert phonexia["totals"]["operations_reached"] == 2
    assert phonexia["totals"]["statuses_reached"] == 2


def test_coverage_outlives_reset_and_clears_on_request(client, admin):
    client.get("/phonexia/api/system/info")
    admin.reset()
    assert operation(admin.get_coverage(), "phonexia", "get_system_info")["seen"] == {"200": 1}
    admin.clear_coverage()
    assert operation(admin.get_coverage(), "phonexia", "get_system_info")["seen"] == {}


def test_unknown_paths_are_not_operations(client, admin):
    client.get("/phonexia/api/nothing-here")
    assert admin.get_coverage("phonexia")["totals"]["operations_reached"] == 0


def test_statuses_a_fault_forces_are_counted_and_undocumented_ones_flagged(client, admin):
    admin.add_fault(fault="status", status=429, vendor="phonexia", times=1)
    admin.add_fault(fault="status", status=418, vendor="phonexia", times=1)
    client.get("/phonexia/api/system/info")
    client.get("/phonexia/api/system/info")
    info = operation(admin.get_coverage(), "phonexia", "get_system_info")
    assert info["seen"] == {"418": 1, "429": 1}
    assert info["never_seen"] == ["200"]
    assert info["undocumented"] == ["418"]


def test_one_vendor_and_a_text_report(client, admin):
    client.get("/phonexia/api/system/info")
    report = admin.get_coverage("phonexia")
    assert [v["vendor"] for v in report["vendors"]] == ["phonexia"]
    text = client.get("/_admin/coverage?vendor=phonexia&format=text")
    assert text.headers["Content-Type"].startswith("text/plain")
    assert text.get_data(as_text=True) == render_text(report)
    assert "get_system_info" in text.get_data(as_text=True)
    assert "seen: 200x1" in text.get_data(as_text=True)
    assert "never seen: 200 429" in text.get_data(as_text=True)  # system status, never asked
    assert client.get("/_admin/coverage?vendor=nope").status_code == 404
