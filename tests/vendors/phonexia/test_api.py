"""Phonexia authenticity verification through the Flask test client, against the fact sheet."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from deepfake_mock.testing import media

START = "/phonexia/api/technology/experimental/authenticity-verification"
ALIAS = "/phonexia/api/technology/authenticity-verification"


def start(client, data: bytes | None = None, query: str = "", config: str | None = None,
          filename: str = "call.wav"):
    form = {}
    if data is not None:
        form["file"] = (io.BytesIO(data), filename)
    if config is not None:
        form["config"] = config
    return client.post(f"{START}{query}", data=form, content_type="multipart/form-data")


def run_to_end(client, admin, data, query="", config=None):
    admin.set_progression("phonexia", "immediate")
    r = start(client, data, query, config)
    assert r.status_code == 202, r.json
    return client.get(r.headers["X-Location"]).json


def assert_error(r, status, type_, message=None):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert r.json["type"] == type_
    assert isinstance(r.json["detail"], list)
    if message is not None:
        assert r.json["message"] == message


def assert_nothing_left(admin, settings):
    assert admin.list_jobs("phonexia") == []
    assert os.listdir(settings["spool_dir"]) == []


# ---- start and poll ----------------------------------------------------------------------------

def test_start_answers_202_with_task_and_poll_headers(client):
    r = start(client, media.wav(5))
    assert r.status_code == 202
    task_id = r.json["task"]["task_id"]
    assert r.json == {"task": {"task_id": task_id, "state": "pending"}}
    assert uuid.UUID(task_id).version == 4
    assert r.headers["X-Location"] == f"{START}/{task_id}"
    assert r.headers["Location"] == r.headers["X-Location"]


def test_location_header_can_be_turned_off(settings, make_client):
    settings["vendors"] = {"phonexia": {"location_header": False}}
    r = start(make_client(settings), media.wav(5))
    assert "X-Location" in r.headers and "Location" not in r.headers


def test_default_progression_is_running_then_done(client):
    loc = start(client, media.wav(5)).headers["X-Location"]
    first, second, third = (client.get(loc) for _ in range(3))
    assert first.status_code == 200 and first.json["task"]["state"] == "running"
    assert "result" not in first.json and "error" not in first.json
    assert second.json["task"]["state"] == "done"
    assert third.json == second.json


def test_after_seconds_progression_follows_the_clock(client, admin):
    admin.set_progression("phonexia", "after_seconds", 10)
    loc = start(client, media.wav(5)).headers["X-Location"]
    assert client.get(loc).json["task"]["state"] == "pending"
    admin.advance_clock(5)
    assert client.get(loc).json["task"]["state"] == "running"
    admin.advance_clock(5)
    assert client.get(loc).json["task"]["state"] == "done"


def test_alias_path_without_experimental_answers_the_same_task(client, admin):
    admin.set_progression("phonexia", "immediate")
    task_id = start(client, media.wav(5)).json["task"]["task_id"]
    assert client.get(f"{ALIAS}/{task_id}").json == client.get(f"{START}/{task_id}").json


# ---- results -------------------------------------------------------------------------------------

def test_one_score_per_channel_in_split_mode(client, admin):
    body = run_to_end(client, admin, media.wav(5, channels=2))
    channels = body["result"]["deepfake_detection"]["channels"]
    assert [c["channel_number"] for c in channels] == [0, 1]
    assert all(isinstance(c["score"], float) for c in channels)
    assert set(body["result"]) == {"deepfake_detection"}


def test_mix_mode_gives_one_entry(client, admin):
    body = run_to_end(client, admin, media.wav(5, channels=2), "?channel_mode=mix")
    channels = body["result"]["deepfake_detection"]["channels"]
    assert len(channels) == 1 and channels[0]["channel_number"] == 0


def test_channels_selects_which_channels_are_processed(client, admin):
    body = run_to_end(client, admin, media.wav(5, channels=2), "?channels=1")
    assert [c["channel_number"] for c in body["result"]["deepfake_detection"]["channels"]] == [1]


def test_a_channel_the_media_lacks_rejects_the_task(client, admin):
    body = run_to_end(client, admin, media.wav(5, channels=2), "?channels=0,2")
    assert body["task"]["state"] == "rejected"
    assert body["error"]["type"] == "task.validation-error"
    assert "result" not in body


@pytest.mark.parametrize("seconds, query, is_null", [
    (2.5, "", True),
    (3.0, "", False),
    (5.0, "?range_from=2.5", True),
    (5.0, "?range_from=2", False),
    (5.0, "?range_to=2.9", True),
    (10.0, "?range_from=4&range_to=7", False),
    (10.0, "?range_from=4&range_to=6.5", True),
    (5.0, "?range_from=30", True),
])
def test_score_is_null_under_three_seconds_of_audio(client, admin, seconds, query, is_null):
    body = run_to_end(client, admin, media.wav(seconds), query)
    score = body["result"]["deepfake_detection"]["channels"][0]["score"]
    assert (score is None) is is_null


@pytest.mark.parametrize("fmt", ["flac", "mp3", "ogg", "m4a"])
def test_common_audio_formats_are_decoded(client, admin, fmt):
    body = run_to_end(client, admin, media.audio(fmt, seconds=4, channels=2))
    channels = body["result"]["deepfake_detection"]["channels"]
    assert [c["channel_number"] for c in channels] == [0, 1]
    assert all(c["score"] is not None for c in channels)


def test_scores_are_deterministic_per_media_and_seed(client, admin):
    wav = media.wav(5, variant=3)
    first = run_to_end(client, admin, wav)["result"]
    assert run_to_end(client, admin, wav)["result"] == first
    assert run_to_end(client, admin, media.wav(5, variant=4))["result"] != first
    admin.set_seed(99)
    assert run_to_end(client, admin, wav)["result"] != first


def test_verdict_rules_pin_label_score_and_outcome(client, admin):
    admin.add_verdict_rule("phonexia", label="fake", times=1)
    fake = run_to_end(client, admin, media.wav(5, variant=1))
    assert fake["result"]["deepfake_detection"]["channels"][0]["score"] > 0
    admin.add_verdict_rule("phonexia", label="real", times=1)
    real = run_to_end(client, admin, media.wav(5, variant=2))
    assert real["result"]["deepfake_detection"]["channels"][0]["score"] < 0
    admin.add_verdict_rule("phonexia", score=4.21, times=1)
    pinned = run_to_end(client, admin, media.wav(5, variant=5, channels=2))
    assert [c["score"] for c in pinned["result"]["deepfake_detection"]["channels"]] == [4.21, 4.21]
    admin.add_verdict_rule("phonexia", outcome="failed", times=1)
    failed = run_to_end(client, admin, media.wav(5, variant=6))
    assert failed["task"]["state"] == "failed"
    assert failed["error"] == {"type": "internal", "message": "Internal error.", "detail": []}


def test_admin_can_force_a_task_state(client, admin):
    admin.set_progression("phonexia", "manual")
    r = start(client, media.wav(5))
    task_id = r.json["task"]["task_id"]
    assert client.get(r.headers["X-Location"]).json["task"]["state"] == "pending"
    admin.force_job_state("phonexia", task_id, "rejected")
    body = client.get(r.headers["X-Location"]).json
    assert body["task"]["state"] == "rejected" and body["error"]["type"] == "task.validation-error"


def test_api_version_4_adds_the_other_operations_as_null(settings, make_client):
    settings["vendors"] = {"phonexia": {"api_version": "4.0"}}
    client = make_client(settings)
    from deepfake_mock.admin.client import AdminClient
    body = run_to_end(client, AdminClient.for_test_client(client), media.wav(5),
                      config='{"operations": ["deepfake_detection"]}')
    assert body["result"]["audio_manipulation_detection"] is None
    assert body["result"]["replay_attack_detection"] is None
    assert body["result"]["deepfake_detection"]["channels"]


def test_audio_over_the_maximum_length_is_rejected(settings, make_client):
    settings["vendors"] = {"phonexia": {"max_audio_seconds": 4}}
    client = make_client(settings)
    loc = start(client, media.wav(5)).headers["X-Location"]
    client.get(loc)
    body = client.get(loc).json
    assert body["task"]["state"] == "rejected"
    assert body["error"]["type"] == "task.validation-error"


def test_unreadable_media_can_be_rejected_in_the_task(settings, make_client):
    settings["vendors"] = {"phonexia": {"reject_unreadable_media": "in_task"}}
    client = make_client(settings)
    r = start(client, b"this is not audio")
    assert r.status_code == 202
    client.get(r.headers["X-Location"])
    assert client.get(r.headers["X-Location"]).json["task"]["state"] == "rejected"


def test_config_unknown_keys_are_ignored(client):
    assert start(client, media.wav(5), config='{"operations": ["deepfake_detection"], "x": 1}').status_code == 202


# ---- errors --------------------------------------------------------------------------------------

def test_unknown_task_is_404(client):
    assert_error(client.get(f"{START}/{uuid.uuid4()}"), 404, "resource.not-found", "Task not found.")


def test_task_id_that_is_not_a_uuid_is_422(client):
    r = client.get(f"{START}/not-a-uuid")
    assert_error(r, 422, "request.validation-error")
    assert r.json["detail"][0]["location"] == ["path", "task_id"]


def test_expired_task_is_404(client, admin):
    loc = start(client, media.wav(5)).headers["X-Location"]
    admin.advance_clock(86400 + 1)
    assert_error(client.get(loc), 404, "resource.not-found")


def test_wrong_method_is_405_method_invalid_with_allow(client):
    r = client.delete(START)
    assert_error(r, 405, "method.invalid", "Invalid HTTP method.")
    assert "POST" in r.headers["Allow"]


def test_unknown_path_under_the_vendor_is_its_404(client):
    assert_error(client.get("/phonexia/api/nothing"), 404, "resource.not-found")


def test_missing_file_is_422_field_required(client, admin, settings):
    r = start(client, None, config='{"operations": ["deepfake_detection"]}')
    assert_error(r, 422, "request.validation-error")
    assert r.json["detail"] == [{"location": ["body", "file"], "message": "Field required",
                                 "type": "missing", "context": {}}]
    assert_nothing_left(admin, settings)


@pytest.mark.parametrize("data", [b"", b"plain text, not audio", media.image("png")])
def test_empty_or_non_audio_file_is_422(client, admin, settings, data):
    assert_error(start(client, data), 422, "request.validation-error")
    assert_nothing_left(admin, settings)


@pytest.mark.parametrize("content_type, body", [
    ("application/json", b'{"file": "x"}'),
    ("multipart/form-data", b"--x\r\n"),
    ("multipart/form-data; boundary=zzz", b"garbage without any part"),
    ("text/plain", b"hello"),
])
def test_unparseable_request_is_400_request_invalid(client, admin, settings, content_type, body):
    r = client.post(START, data=body, content_type=content_type)
    assert_error(r, 400, "request.invalid", "Invalid request.")
    assert_nothing_left(admin, settings)


@pytest.mark.parametrize("config", ["not json", "[1, 2]", '"text"', "{"])
def test_config_that_is_not_a_json_object_is_400(client, admin, settings, config):
    assert_error(start(client, media.wav(5), config=config), 400, "request.invalid")
    assert_nothing_left(admin, settings)


@pytest.mark.parametrize("config", ['{"operations": ["replay_attack_detection"]}',
                                    '{"operations": []}', '{"operations": "deepfake_detection"}'])
def test_config_with_bad_operations_is_422(client, config):
    assert_error(start(client, media.wav(5), config=config), 422, "request.validation-error")


@pytest.mark.parametrize("query, field", [
    ("?channel_mode=stereo", "channel_mode"), ("?channels=1,%202", "channels"),
    ("?channels=-1", "channels"), ("?range_from=-1", "range_from"),
    ("?range_from=abc", "range_from"), ("?range_to=0", "range_to"),
    ("?range_from=5&range_to=4", "range_to"), ("?raw_segmentation=maybe", "raw_segmentation"),
    ("?range_from=nan", "range_from"), ("?range_to=1e400", "range_to"),
])
def test_absurd_query_values_are_422(client, admin, settings, query, field):
    r = start(client, media.wav(5), query)
    assert_error(r, 422, "request.validation-error")
    assert r.json["detail"][0]["location"] == ["query", field]
    assert_nothing_left(admin, settings)


def test_unlicensed_technology_is_403(settings, make_client):
    settings["vendors"] = {"phonexia": {"licensed": False}}
    r = start(make_client(settings), media.wav(5))
    assert_error(r, 403, "request.forbidden", "Request is forbidden.")


def test_upload_over_the_size_limit_is_413_before_reading(settings, make_client):
    settings["vendors"] = {"phonexia": {"max_upload_bytes": 50_000}}
    r = start(make_client(settings), media.wav(5))
    assert_error(r, 413, "request.size-limit-exceeded")
    assert os.listdir(settings["spool_dir"]) == []


def test_full_input_storage_is_507(settings, make_client):
    wav = media.wav(5)
    settings["vendors"] = {"phonexia": {"input_storage_bytes": len(wav) * 2 + 10}}
    client = make_client(settings)
    assert start(client, wav).status_code == 202
    assert start(client, wav).status_code == 202
    assert_error(start(client, wav), 507, "storage.capacity-exceeded")


def test_expired_tasks_free_input_storage(settings, make_client):
    wav = media.wav(5)
    settings["vendors"] = {"phonexia": {"input_storage_bytes": len(wav) + 10}}
    client = make_client(settings)
    from deepfake_mock.admin.client import AdminClient
    admin = AdminClient.for_test_client(client)
    assert start(client, wav).status_code == 202
    assert start(client, wav).status_code == 507
    admin.advance_clock(86400 + 1)
    assert start(client, wav).status_code == 202


def test_rate_limit_answers_429_with_headers_until_the_window_resets(client, admin):
    admin.set_rate_limit("phonexia", 2, window=60)
    loc = start(client, media.wav(5)).headers["X-Location"]
    assert client.get(loc).status_code == 200
    r = client.get(loc)
    assert_error(r, 429, "request.rate-limit-exceeded")
    reset = int(r.headers["x-ratelimit-reset"])
    assert r.headers["x-ratelimit-limit"] == "2"
    assert r.headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert reset == admin.get_clock() + int(r.headers["retry-after"])
    admin.advance_clock(int(r.headers["retry-after"]))
    assert client.get(loc).status_code == 200


def test_system_info_and_status(client):
    assert set(client.get("/phonexia/api/system/info").json) == {"version"}
    assert client.get("/phonexia/api/system/status").json == {"status": "ok"}


def test_single_vendor_mode_serves_real_paths_at_the_root(settings, make_client):
    settings["vendor"] = "phonexia"
    client = make_client(settings)
    r = client.post(
        START.removeprefix("/phonexia"), data={"file": (io.BytesIO(media.wav(5)), "a.wav")},
        content_type="multipart/form-data")
    assert r.status_code == 202
    assert r.headers["X-Location"].startswith("/api/technology/experimental/")
    assert client.get(r.headers["X-Location"]).status_code == 200
    assert client.get("/phonexia/openapi.yaml").status_code == 200


def test_spec_is_served(client):
    r = client.get("/phonexia/openapi.yaml")
    assert r.status_code == 200 and b"start_authenticity_verification" in r.data


# ---- open-ended input ----------------------------------------------------------------------------

QUERY_VALUES = st.one_of(st.text(max_size=12), st.integers(-10**12, 10**12).map(str),
                         st.floats(allow_nan=True, allow_infinity=True).map(str))


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["channels", "range_from", "range_to",
                                                "channel_mode", "raw_segmentation"]),
                              QUERY_VALUES, max_size=5),
       config=st.one_of(st.none(), st.text(max_size=30)))
def test_any_query_and_config_get_a_documented_answer(client, admin, params, config):
    form = {"file": (io.BytesIO(WAV), "a.wav")}
    if config is not None:
        form["config"] = config
    r = client.post(START, data=form, query_string=params, content_type="multipart/form-data")
    assert r.status_code in (202, 400, 422), r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    if r.status_code != 202:
        assert r.json["type"] in ("request.invalid", "request.validation-error")
    tasks = admin.list_jobs("phonexia")
    admin.reset()
    assert len(tasks) == (1 if r.status_code == 202 else 0)


WAV = media.wav(4)
