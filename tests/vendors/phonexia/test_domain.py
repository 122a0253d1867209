"""Phonexia without HTTP: the error catalogue and its renderers, the settings, a task's outcome
decided from the media."""

from __future__ import annotations

import pytest

from deepfake_mock.core.conformance import Violation
from deepfake_mock.core.media import MediaInfo
from deepfake_mock.core.ratelimit import Decision
from deepfake_mock.core.verdicts import Verdict
from deepfake_mock.settings import SettingsError, load_settings
from deepfake_mock.vendors.phonexia import errors, models
from deepfake_mock.vendors.phonexia.config import PhonexiaConfig

CONFIG = PhonexiaConfig()
STEREO = MediaInfo(kind="audio", container="wav", duration=10.0, channels=2, sample_rate=8000,
                   has_audio=True, decoded=True)


def options(**changes) -> models.Options:
    chosen = dict(channels=None, range_from=0.0, range_to=None, channel_mode="split",
                  raw_segmentation=False, operations=["deepfake_detection"])
    return models.Options(**{**chosen, **changes})


# ---- errors ------------------------------------------------------------------------------------

def test_every_error_is_the_type_message_detail_envelope():
    err = errors.error(404, errors.TASK_NOT_FOUND)
    assert errors.render_error(err, None) == (
        404, {"type": "resource.not-found", "message": "Task not found.", "detail": []}, {})


def test_a_status_outside_the_catalogue_is_internal():
    err = errors.status_error(418, None)
    assert (err.status, err.code, err.message) == (418, "internal", "Internal error.")


def test_an_invalid_request_lists_fastapi_style_locations():
    err = errors.invalid_request([Violation("query", "channels", "pattern", "bad channels"),
                                  Violation("body", None, "syntax", "not multipart")], None)
    assert (err.status, err.code) == (422, "request.validation-error")
    assert [item["location"] for item in err.detail] == [["query", "channels"], ["body"]]


def test_rate_limited_names_its_headers_in_lower_case():
    err = errors.rate_limited(Decision(False, 2, 0, 1_767_225_660, 60), None)
    assert (err.status, err.code) == (429, "request.rate-limit-exceeded")
    assert err.headers == {"retry-after": "60", "x-ratelimit-limit": "2",
                           "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1767225660"}


# ---- settings ----------------------------------------------------------------------------------

def test_the_api_version_sets_the_operations():
    assert CONFIG.operations == ("deepfake_detection",)
    assert PhonexiaConfig(api_version="4.0").operations == (
        "deepfake_detection", "audio_manipulation_detection", "replay_attack_detection")


@pytest.mark.parametrize("values", [{"api_version": "5.0"}, {"reject_unreadable_media": "never"}])
def test_settings_outside_their_choices_refuse_to_start(values):
    with pytest.raises(SettingsError):
        load_settings({"vendors": {"phonexia": values}}, env={},
                      vendor_configs={"phonexia": PhonexiaConfig})


# ---- a task's outcome --------------------------------------------------------------------------

def test_media_decides_the_outcome():
    verdict = Verdict(0.9, "fake")
    outcome, result, failure = models.process(CONFIG, STEREO, options(), verdict, 1, "d")
    assert (outcome, failure) == ("done", None)
    assert [c["channel_number"] for c in result["deepfake_detection"]["channels"]] == [0, 1]
    assert all(c["score"] > 0 for c in result["deepfake_detection"]["channels"])
    too_long = PhonexiaConfig(max_audio_seconds=5)
    outcome, result, failure = models.process(too_long, STEREO, options(), verdict, 1, "d")
    assert (outcome, result, failure["type"]) == ("rejected", None, "task.validation-error")
    outcome, _, failure = models.process(CONFIG, STEREO, options(channels=[2]), verdict, 1, "d")
    assert failure["message"] == "Channel 2 does not exist; the media has 2 channel(s)."
    assert models.process(CONFIG, STEREO, options(), Verdict(0.9, "fake", outcome="failed"), 1,
                          "d")[2] == {"type": "internal", "message": "Internal error.",
                                      "detail": []}


def test_a_range_under_the_minimum_scores_null():
    chosen = options(range_from=8.0)
    scores = models.channel_scores(CONFIG, STEREO, chosen, Verdict(0.2, "real"), 1, "d")
    assert [s["score"] for s in scores] == [None, None]
    scores = models.channel_scores(CONFIG, STEREO, options(channel_mode="mix"),
                                   Verdict(0.2, "real"), 1, "d")
    assert len(scores) == 1 and scores[0]["score"] < 0


def test_a_forced_end_state_gets_the_catalogues_task_error():
    job = {"id": "t", "state": "rejected", "data": {"error": None}}
    assert models.task_body(job)["error"] == {"type": "task.validation-error",
                                              "message": "Unsupported or corrupted media file.",
                                              "detail": []}
