"""Resemble Detect through the Flask test client, against the fact sheet and issue 3."""

from __future__ import annotations

import io
import json
import math
import os
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from deepfake_mock import create_app
from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.vendors.resemble.config import ResembleConfig
from deepfake_mock.vendors.resemble.models import media_tokens
from deepfake_mock.testing.receiver import LocalReceiver

API = "/resemble/api/v2"
TOKEN = "resemble-test-token"
OTHER = "resemble-other-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
OTHER_AUTH = {"Authorization": f"Bearer {OTHER}"}
WAIT = {**AUTH, "Prefer": "wait"}
HEX32 = re.compile(r"^[0-9a-f]{32}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def media_dir(tmp_path):
    path = tmp_path / "media"
    path.mkdir()
    return path


@pytest.fixture
def settings(settings, media_dir):
    settings["vendors"] = {"resemble": {
        "callback_worker": False,  # deliveries run through the admin API, deterministically
        "media_dirs": {"https://media.example.org/": str(media_dir)},
    }}
    return settings


def resemble_settings(settings, **extra):
    settings["vendors"]["resemble"].update(extra)
    return settings


def upload(client, data: bytes, filename="clip.wav", content_type="audio/wav", headers=AUTH,
           **fields):
    form = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in fields.items()}
    form["file"] = (io.BytesIO(data), filename, content_type)
    return client.post(f"{API}/detect", data=form, headers=headers,
                       content_type="multipart/form-data")


def by_url(client, url, headers=AUTH, **options):
    return client.post(f"{API}/detect", json={"url": url, **options}, headers=headers)


def get(client, uuid, headers=AUTH):
    return client.get(f"{API}/detect/{uuid}", headers=headers)


def finish(client, admin, response, headers=AUTH):
    """Let the detect created by ``response`` finish (default progression: 3 s) and GET it."""
    assert response.status_code == 200, response.json
    admin.advance_clock(3)
    r = get(client, response.json["item"]["uuid"], headers)
    assert r.status_code == 200
    return r.json["item"]


def assert_error(r, status, message, errors=None):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    body = r.json
    assert body["success"] is False
    assert body["message"] == message
    if errors is not None:
        assert body["errors"] == errors


def assert_nothing_created(client, admin, settings):
    assert client.get(f"{API}/detect?page=1", headers=AUTH).json["total_count"] == 0
    assert admin.list_jobs("resemble") == []
    spool = settings["spool_dir"]
    assert not os.path.isdir(spool) or os.listdir(spool) == []


# ---- authentication ----------------------------------------------------------------------------

@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"Token token={TOKEN}",
                                    f'Token token="{TOKEN}"'])
def test_both_documented_auth_forms(client, header):
    r = client.get(f"{API}/detect?page=1", headers={"Authorization": header})
    assert r.status_code == 200
    assert r.json == {"success": True, "page": 1, "num_pages": 0, "page_size": 10,
                      "total_count": 0, "items": []}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": TOKEN},
                                     {"Authorization": f"Token {TOKEN}"},
                                     {"X-Resemble-API-Key": TOKEN}])
def test_missing_or_wrong_token_is_401(client, headers):
    for r in (client.get(f"{API}/detect?page=1", headers=headers),
              client.post(f"{API}/detect", json={"url": "https://h/a.wav"}, headers=headers),
              client.get(f"{API}/intelligences/{'0' * 32}", headers=headers)):
        assert_error(r, 401, "Invalid or missing API token")


def test_tokens_are_settings(make_client, settings):
    resemble_settings(settings, tokens={"my-ci-token": "ci-team"})
    client = make_client(settings)
    assert client.get(f"{API}/detect?page=1",
                      headers={"Authorization": "Bearer my-ci-token"}).status_code == 200


def test_unknown_path_and_method_get_the_vendor_body(client):
    assert_error(client.get(f"{API}/nothing", headers=AUTH), 404, "Not found")
    assert_error(client.delete(f"{API}/detect/{'a' * 32}", headers=AUTH), 405,
                 "Method not allowed")


# ---- create: sources ---------------------------------------------------------------------------

def test_async_create_answers_at_once_processing_with_empty_metrics(client):
    r = upload(client, media.wav(6.1))
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.json
    assert body["success"] is True
    item = body["item"]
    assert HEX32.match(item["uuid"])
    assert item["status"] == "processing" and item["metrics"] == {}
    assert item["media_type"] == "audio" and item["duration"] == "6.1"
    assert item["image_metrics"] is None and item["video_metrics"] is None
    assert item["intelligence"] is None
    assert item["filename"] == "clip.wav"
    assert item["url"] == item["audio_url"] and item["url"].endswith(f"/{item['uuid']}/clip.wav")
    assert (item["zero_retention_mode"], item["media_redacted"], item["media_deleted"],
            item["file_deleted_at"]) == (False, False, False, None)
    assert item["visualize"] is False and item["audio_source_tracing_enabled"] is False
    assert item["use_ood_detector"] is False and item["pipeline"] is None
    assert item["extra_params"] == {"search_identity_requested": False}
    assert ISO.match(item["created_at"]) and item["created_at"] == item["updated_at"]


def test_url_media_from_the_local_media_directory(client, admin, media_dir):
    (media_dir / "calls").mkdir()
    (media_dir / "calls" / "a.flac").write_bytes(media.audio("flac", 4))
    r = by_url(client, "https://media.example.org/calls/a.flac")
    assert r.json["item"]["url"] == "https://media.example.org/calls/a.flac"
    assert r.json["item"]["filename"] == "a.flac"
    item = finish(client, admin, r)
    assert item["status"] == "completed" and item["media_type"] == "audio"
    assert len(item["metrics"]["score"]) == 2
    assert (media_dir / "calls" / "a.flac").exists()


def test_url_media_fetched_from_a_loopback_host(client, admin):
    with LocalReceiver() as rx:
        url = rx.serve("/media/pic", media.image("png", 64, 48))
        item = finish(client, admin, by_url(client, url))
    assert item["status"] == "completed" and item["media_type"] == "image"
    assert item["filename"] == "pic"


def test_url_names_never_reach_the_file_system(client, admin, settings):
    with LocalReceiver() as rx:
        url = rx.serve("/m/a.wa%00v", media.wav(2))
        r = by_url(client, url, zero_retention_mode=True)
        item = finish(client, admin, r)
    assert item["status"] == "completed"
    assert re.match(r"^redacted_[0-9a-f]{24}\.wav$", item["filename"])


@pytest.mark.parametrize("url", ["https://www.example.com/clip.wav",
                                 "https://media.example.org/missing.wav",
                                 "https://media.example.org/../etc/passwd",
                                 "http://127.0.0.1:9/unreachable.mp4"])
def test_other_urls_are_never_fetched_and_fail(client, admin, url):
    item = finish(client, admin, by_url(client, url))
    assert item["status"] == "failed"
    assert item["error_message"] == "Unable to download media from url"
    assert item["metrics"] == {} and item["image_metrics"] is None


def test_loopback_fetch_can_be_switched_off(settings, make_client):
    resemble_settings(settings, url_allow_hosts=[])
    client = make_client(settings)
    admin = AdminClient.for_test_client(client)
    with LocalReceiver() as rx:
        item = finish(client, admin, by_url(client, rx.serve("/a.wav", media.wav(2))))
    assert item["error_message"] == "Unable to download media from url"


def test_url_whose_bytes_are_not_media_fails(client, admin, media_dir):
    (media_dir / "notes.wav").write_bytes(b"just some text, not audio" * 20)
    item = finish(client, admin, by_url(client, "https://media.example.org/notes.wav"))
    assert item["status"] == "failed" and item["error_message"] == "File must be valid media format"


@pytest.mark.parametrize("data,name,ctype,kind", [
    (media.image("jpeg"), "clip.wav", "audio/wav", "image"),
    (media.wav(2), "photo.jpg", "image/jpeg", "audio"),
    (media.video(2), "voice.mp3", "application/octet-stream", "video")])
def test_media_type_comes_from_the_bytes_not_the_name(client, data, name, ctype, kind):
    assert upload(client, data, name, ctype).json["item"]["media_type"] == kind


@pytest.mark.parametrize("body", [{}, {"url": None}, {"frame_length": 2},
                                  {"url": "https://h/a.wav", "media_token": "x"}])
def test_zero_or_several_sources_are_400(client, admin, settings, body):
    assert_error(client.post(f"{API}/detect", json=body, headers=AUTH), 400,
                 "Exactly one of file, url, or media_token must be provided")
    assert_nothing_created(client, admin, settings)


def test_file_and_url_together_are_400(client, admin, settings):
    r = upload(client, media.wav(2), url="https://media.example.org/a.wav")
    assert_error(r, 400, "Exactly one of file, url, or media_token must be provided")
    assert_nothing_created(client, admin, settings)


def test_multipart_without_a_file_is_400(client):
    r = client.post(f"{API}/detect", data={"visualize": "true"}, headers=AUTH,
                    content_type="multipart/form-data")
    assert_error(r, 400, "Exactly one of file, url, or media_token must be provided")


def test_empty_body_is_400(client):
    assert_error(client.post(f"{API}/detect", headers=AUTH), 400,
                 "Exactly one of file, url, or media_token must be provided")


@pytest.mark.parametrize("data,ctype", [(b"{not json", "application/json"),
                                        (b"[1, 2]", "application/json"),
                                        (b'"text"', "application/json")])
def test_body_that_is_not_a_json_object_is_400(client, data, ctype):
    r = client.post(f"{API}/detect", data=data, content_type=ctype, headers=AUTH)
    assert_error(r, 400, "Request body must be a JSON object")


def test_other_content_types_are_400(client):
    r = client.post(f"{API}/detect", data=b"url=x", content_type="text/plain", headers=AUTH)
    assert_error(r, 400, "Content-Type must be application/json or multipart/form-data")


def test_broken_multipart_is_400_never_500(client, admin, settings):
    r = client.post(f"{API}/detect", data=b"--xx\r\nContent-Disposition: form-da",
                    content_type="multipart/form-data; boundary=xx", headers=AUTH)
    assert r.status_code == 400 and r.json["success"] is False
    assert_nothing_created(client, admin, settings)


# ---- create: options ---------------------------------------------------------------------------

@pytest.mark.parametrize("field,value,message", [
    ("frame_length", 0, "frame_length must be between 1 and 4"),
    ("frame_length", 5, "frame_length must be between 1 and 4"),
    ("frame_length", "2", "frame_length must be an integer"),
    ("visualize", "yes", "visualize must be a boolean"),
    ("start_region", -0.5, "start_region must be greater than or equal to 0"),
    ("end_region", 0, "end_region must be greater than 0"),
    ("max_video_fps", -1, "max_video_fps must be greater than 0"),
    ("max_video_secs", 0, "max_video_secs must be greater than 0"),
    ("model_types", "faces", "model_types must be one of: image, talking_head"),
    ("callback_url", "not a url", "callback_url must be an absolute http(s) URL"),
    ("zero_retention_mode", "true", "zero_retention_mode must be a boolean"),
    ("detect_watermark", True, "detect_watermark is not a permitted parameter")])
def test_bad_options_are_400_with_errors(client, admin, settings, field, value, message):
    r = by_url(client, "https://media.example.org/a.wav", **{field: value})
    problem = message[len(field) + 1:]
    assert_error(r, 400, message, {field: [problem]})
    assert_nothing_created(client, admin, settings)


def test_bad_form_option_is_400_and_the_upload_is_discarded(client, admin, settings):
    r = upload(client, media.wav(3), frame_length="9", visualize="true")
    assert_error(r, 400, "frame_length must be between 1 and 4")
    assert_nothing_created(client, admin, settings)


def test_unknown_form_field_and_extra_file_part_are_400(client):
    r = upload(client, media.wav(2), colour="red")
    assert_error(r, 400, "colour is not a permitted parameter")
    r = client.post(f"{API}/detect", headers=AUTH, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(media.wav(2)), "a.wav", "audio/wav"),
                          "other": (io.BytesIO(b"x"), "b.wav", "audio/wav")})
    assert_error(r, 400, "other is not a permitted parameter")


def test_end_region_must_follow_start_region(client):
    r = by_url(client, "https://media.example.org/a.wav", start_region=5, end_region=2)
    assert_error(r, 400, "end_region must be greater than start_region",
                 {"end_region": ["must be greater than start_region"]})


def test_null_options_count_as_not_sent(client, admin, media_dir):
    (media_dir / "a.wav").write_bytes(media.wav(4))
    r = client.post(f"{API}/detect", headers=AUTH, json={
        "url": "https://media.example.org/a.wav", "media_token": None, "frame_length": None,
        "visualize": None, "callback_url": None})
    item = finish(client, admin, r)
    assert len(item["metrics"]["score"]) == 2 and "image" not in item["metrics"]


def test_deprecated_pipeline_is_accepted_and_ignored(client, admin, media_dir):
    (media_dir / "p.png").write_bytes(media.image("png"))
    item = finish(client, admin, by_url(client, "https://media.example.org/p.png",
                                        pipeline="general->facial->object"))
    assert item["status"] == "completed" and item["pipeline"] is None


# ---- upload rules ------------------------------------------------------------------------------

def test_empty_file_is_400(client, admin, settings):
    assert_error(upload(client, b""), 400, "File is empty")
    assert_nothing_created(client, admin, settings)


@pytest.mark.parametrize("name,ctype", [
    ("file", ""),                        # the vendor's Python SDK: a file object, no name
    ("blob", "application/octet-stream"),
    ("clip.txt", "text/plain"), ("clip", "audio/wav"), ("clip.wav", "image/png")])
def test_real_media_is_accepted_whatever_its_name_and_declared_type(client, name, ctype):
    item = upload(client, media.wav(2), name, ctype, headers=WAIT).json["item"]
    assert item["status"] == "completed" and item["media_type"] == "audio"
    assert item["filename"] == name


@pytest.mark.parametrize("name,ctype", [("clip.wav", "audio/wav"), ("file", ""),
                                        ("notes.txt", "text/plain")])
def test_bytes_that_are_not_media_are_refused_whatever_the_name(client, admin, settings, name,
                                                                ctype):
    assert_error(upload(client, b"just some text\n" * 40, name, ctype), 400,
                 "File must be valid media format")
    assert_nothing_created(client, admin, settings)


def test_octet_stream_is_allowed_for_a_known_extension(client):
    assert upload(client, media.wav(2), "clip.wav", "application/octet-stream").status_code == 200


def test_bytes_that_are_not_media_are_400(client, admin, settings):
    assert_error(upload(client, b"RIFF....WAVEfmt garbage" * 50), 400,
                 "File must be valid media format")
    assert_nothing_created(client, admin, settings)


def test_upload_cap_checked_on_the_real_size_and_before_reading(settings, make_client):
    resemble_settings(settings, max_upload_bytes=1 << 20)
    client = make_client(settings)
    admin = AdminClient.for_test_client(client)
    message = ("File exceeds 1 MB limit; use the Secure Uploads API (POST /secure_uploads) "
               "for larger files")
    just_over = media.wav(33)   # ~1.05 MB: read, then refused on its size
    assert len(just_over) > 1 << 20
    assert_error(upload(client, just_over), 400, message)
    far_over = media.wav(80)    # past the cap plus form slack: refused from Content-Length
    assert_error(upload(client, far_over), 400, message)
    assert_nothing_created(client, admin, settings)
    assert upload(client, media.wav(30)).status_code == 200


def test_bodies_past_every_cap_are_413(make_client, settings):
    resemble_settings(settings, max_upload_bytes=1000, max_secure_upload_bytes=1000,
                      batch_max_bytes=1000)
    client = make_client(settings)
    r = client.post(f"{API}/secure_uploads", headers=AUTH, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"\0" * (1 << 20) + b"\0" * 2000), "a.wav")})
    assert_error(r, 413, "Request entity too large")


def test_documented_cap_is_150_mib(admin):
    settings = admin.get_settings()["vendors"]["resemble"]
    assert settings["max_upload_bytes"] == 150 * 1024 * 1024


# ---- progression and Prefer: wait ---------------------------------------------------------------

def test_default_progression_finishes_after_three_seconds(client, admin):
    uuid = upload(client, media.wav(3)).json["item"]["uuid"]
    assert get(client, uuid).json["item"]["status"] == "processing"
    admin.advance_clock(2.9)
    assert get(client, uuid).json["item"]["status"] == "processing"
    admin.advance_clock(0.1)
    item = get(client, uuid).json["item"]
    assert item["status"] == "completed"
    assert item["updated_at"] == "2026-01-01T00:00:03.000Z"
    assert item["created_at"] == "2026-01-01T00:00:00.000Z"


def test_prefer_wait_returns_the_finished_item(client):
    r = upload(client, media.wav(4), headers=WAIT)
    item = r.json["item"]
    assert r.status_code == 200 and item["status"] == "completed"
    assert item["metrics"]["label"] in ("fake", "real")
    assert get(client, item["uuid"]).json["item"] == item


def test_prefer_wait_past_the_limit_returns_processing(client, admin):
    admin.set_progression("resemble", "after_seconds", 61)
    assert upload(client, media.wav(2), headers=WAIT).json["item"]["status"] == "processing"
    admin.set_progression("resemble", "manual")
    assert upload(client, media.wav(2), headers=WAIT).json["item"]["status"] == "processing"
    admin.set_progression("resemble", "after_polls", 5)
    assert upload(client, media.wav(2), headers=WAIT).json["item"]["status"] == "completed"


def test_after_polls_progression(client, admin):
    admin.set_progression("resemble", "after_polls", 2)
    uuid = upload(client, media.wav(2)).json["item"]["uuid"]
    assert [get(client, uuid).json["item"]["status"] for _ in range(3)] == [
        "processing", "completed", "completed"]


def test_admin_can_force_a_failure(client, admin):
    uuid = upload(client, media.wav(2)).json["item"]["uuid"]
    admin.force_job_state("resemble", uuid, "failed")
    item = get(client, uuid).json["item"]
    assert item["status"] == "failed" and item["error_message"] == "Detection failed"
    assert item["metrics"] == {}


# ---- results per media type ---------------------------------------------------------------------

@pytest.mark.parametrize("frame_length", [1, 2, 3, 4])
def test_audio_has_one_score_per_frame_length_window(client, frame_length):
    item = upload(client, media.wav(7), headers=WAIT, frame_length=frame_length).json["item"]
    metrics = item["metrics"]
    assert set(metrics) == {"label", "score", "consistency", "aggregated_score"}
    assert len(metrics["score"]) == math.ceil(7 / frame_length)
    assert all(isinstance(s, str) and 0 < float(s) < 1 for s in metrics["score"])
    assert (metrics["label"] == "fake") == (float(metrics["aggregated_score"]) >= 0.5)


def test_regions_cut_the_analysed_span(client):
    item = upload(client, media.wav(10), headers=WAIT, start_region=2, end_region=7.5,
                  frame_length=1).json["item"]
    assert len(item["metrics"]["score"]) == 6
    assert item["duration"] == "10.0"


def test_start_region_past_the_end_fails_the_detect(client):
    item = upload(client, media.wav(3), headers=WAIT, start_region=5).json["item"]
    assert item["status"] == "failed"
    assert item["error_message"] == "start_region is beyond the end of the media"


VISUAL = re.compile(r"^http://localhost/resemble/files/[0-9a-f]{32}/[a-z]+\.png$")


def png_at(client, url: str) -> bytes:
    r = client.get(url.removeprefix("http://localhost"))
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert r.data.startswith(b"\x89PNG\r\n\x1a\n")
    return r.data


def test_visualize_gives_heatmap_images(client):
    item = upload(client, media.wav(4), headers=WAIT, visualize=True).json["item"]
    assert VISUAL.match(item["metrics"]["image"])
    png_at(client, item["metrics"]["image"])
    assert item["visualize"] is True


def test_same_media_same_result_and_other_media_differs(client):
    first = upload(client, media.wav(5), headers=WAIT).json["item"]["metrics"]
    again = upload(client, media.wav(5), headers=WAIT).json["item"]["metrics"]
    other = upload(client, media.wav(5, variant=3), headers=WAIT).json["item"]["metrics"]
    assert first == again and first != other


def test_image_metrics(client):
    item = upload(client, media.image("png", 64, 48), "p.png", "image/png", headers=WAIT,
                  visualize=True, use_reverse_search=True).json["item"]
    assert item["media_type"] == "image" and item["metrics"] == {}
    assert item["video_metrics"] is None
    m = item["image_metrics"]
    assert m["type"] == "FinalResult" and isinstance(m["score"], float)
    assert m["label"] in ("Fake", "Likely fake", "Neutral/Uncertain", "Likely real", "Real")
    assert m["children"] == [] and VISUAL.match(m["image"])
    assert set(m["ifl"]) == {"score", "heatmap"} and VISUAL.match(m["ifl"]["heatmap"])
    assert png_at(client, m["image"]) != png_at(client, m["ifl"]["heatmap"])
    assert isinstance(m["reverse_image_search_sources"], list)
    assert item["extra_params"] == {"use_reverse_search": True, "search_identity_requested": False}


def test_image_without_options_is_plain(client):
    m = upload(client, media.image("jpeg"), "p.jpg", "image/jpeg",
               headers=WAIT).json["item"]["image_metrics"]
    assert set(m) == {"type", "label", "image", "score", "children"} and m["image"] == ""


def test_fake_image_reverse_search_finds_known_fakes(client, admin):
    admin.add_verdict_rule("resemble", label="fake", probability=0.95)
    m = upload(client, media.image("jpeg"), "p.jpg", "image/jpeg", headers=WAIT,
               use_reverse_search=True).json["item"]["image_metrics"]
    assert m["label"] == "Fake" and m["score"] == 0.95
    assert m["reverse_image_search_sources"][0]["verdict"] == "known_fake"


def test_video_tree_sized_from_the_real_duration(client):
    item = upload(client, media.video(4, fps=10, audio=True), "v.mp4", "video/mp4", headers=WAIT,
                  max_video_fps=2).json["item"]
    assert item["media_type"] == "video" and item["duration"] == "4.0"
    vm = item["video_metrics"]
    assert set(vm) == {"label", "score", "certainty", "children"}
    (video,) = vm["children"]
    assert video["type"] == "VideoResult"
    frames = video["children"]
    assert [f["timestamp"] for f in frames] == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]
    assert all(f["type"] == "ImageResult" and f["children"][0]["type"] == "Segment"
               for f in frames)
    assert frames[0]["certainty (%)"].endswith("%")
    assert set(item["metrics"]) == {"label", "score", "consistency", "aggregated_score"}
    assert len(item["metrics"]["score"]) == 2
    assert item["image_metrics"] is None


def test_max_video_secs_and_default_frame_rate(client):
    item = upload(client, media.video(5, fps=10), "v.mp4", "video/mp4", headers=WAIT,
                  max_video_secs=3, visualize=True).json["item"]
    frames = item["video_metrics"]["children"][0]["children"]
    assert [f["timestamp"] for f in frames] == [0, 1, 2]
    assert item["metrics"] == {}  # no audio track
    png_at(client, item["video_metrics"]["treeview"])


def test_numbers_instead_of_strings_when_configured(make_client, settings):
    resemble_settings(settings, score_format="number")
    client = make_client(settings)
    item = upload(client, media.wav(4), headers=WAIT).json["item"]
    assert item["duration"] == 4.0
    assert isinstance(item["metrics"]["aggregated_score"], float)
    assert all(isinstance(s, float) for s in item["metrics"]["score"])


def test_verdict_rules_override(client, admin):
    admin.add_verdict_rule("resemble", label="fake", score=0.9, times=1)
    admin.add_verdict_rule("resemble", outcome="failed", times=1,
                           fields={"error_message": "Audio could not be decoded"})
    admin.add_verdict_rule("resemble", outcome="no_speech", times=1)
    fake = upload(client, media.wav(4, variant=1), headers=WAIT).json["item"]
    assert fake["metrics"]["label"] == "fake" and fake["metrics"]["aggregated_score"] == "0.9"
    failed = upload(client, media.wav(4, variant=2), headers=WAIT).json["item"]
    assert failed["status"] == "failed"
    assert failed["error_message"] == "Audio could not be decoded"
    silent = upload(client, media.wav(4, variant=3), headers=WAIT).json["item"]
    assert silent["metrics"]["aggregated_score"] == "-1.0"


# ---- intelligence, source tracing, ood -----------------------------------------------------------

def test_intelligence_and_source_tracing_of_fake_audio(client, admin):
    admin.add_verdict_rule("resemble", label="fake", probability=0.93)
    item = upload(client, media.wav(6), headers=WAIT, intelligence=True,
                  audio_source_tracing=True, use_ood_detector=True).json["item"]
    assert item["audio_source_tracing_enabled"] is True and item["use_ood_detector"] is True
    assert item["audio_source_tracing"]["label"] in ("resemble_ai", "elevenlabs")
    assert item["audio_source_tracing"]["error_message"] is None
    intel = item["intelligence"]
    assert set(intel) == {"uuid", "description", "created_at", "detect_uuid"}
    assert intel["detect_uuid"] == item["uuid"] and "6.0 seconds" in intel["description"]

    tracings = client.get(f"{API}/audio_source_tracings?page=1", headers=AUTH).json
    assert tracings["total_count"] == 1
    (record,) = tracings["items"]
    assert set(record) == {"uuid", "results", "created_at", "detect_uuid"}
    assert record["results"] == item["audio_source_tracing"]
    assert client.get(f"{API}/audio_source_tracings/{record['uuid']}",
                      headers=AUTH).json == {"success": True, "item": record}

    intelligences = client.get(f"{API}/intelligences?page=1", headers=AUTH).json
    (stored,) = intelligences["items"]
    assert stored == {**intel, "media_type": "audio"}
    assert client.get(f"{API}/intelligences/{intel['uuid']}", headers=AUTH).json["item"] == stored


def test_real_audio_has_a_tracing_record_but_no_embedded_tracing(client, admin):
    admin.add_verdict_rule("resemble", label="real", probability=0.1)
    item = upload(client, media.wav(3), headers=WAIT, audio_source_tracing=True).json["item"]
    assert item["audio_source_tracing"] is None
    (record,) = client.get(f"{API}/audio_source_tracings?page=1", headers=AUTH).json["items"]
    assert record["results"]["label"] == "real" and record["detect_uuid"] == item["uuid"]


def test_image_intelligence_is_structured(client):
    item = upload(client, media.image("png"), "p.png", "image/png", headers=WAIT,
                  intelligence=True).json["item"]
    assert isinstance(item["intelligence"]["description"], dict)


def test_records_appear_when_the_detect_finishes_even_unobserved(client, admin):
    uuid = upload(client, media.wav(3), intelligence=True).json["item"]["uuid"]
    assert client.get(f"{API}/intelligences?page=1", headers=AUTH).json["total_count"] == 0
    admin.advance_clock(10)
    (record,) = client.get(f"{API}/intelligences?page=1", headers=AUTH).json["items"]
    assert record["created_at"] == "2026-01-01T00:00:03.000Z"  # when it finished, not seen
    assert get(client, uuid).json["item"]["updated_at"] == "2026-01-01T00:00:03.000Z"


def test_tracing_and_intelligence_404s(client):
    assert client.get(f"{API}/audio_source_tracings/{'a' * 32}", headers=AUTH).json == {
        "success": False, "item": None, "message": "Not found"}
    assert client.get(f"{API}/audio_source_tracings/{'a' * 32}", headers=AUTH).status_code == 404
    assert_error(client.get(f"{API}/intelligences/nope", headers=AUTH), 404, "Not found")


# ---- zero retention ------------------------------------------------------------------------------

def detect_files(settings):
    return [n for n in os.listdir(settings["spool_dir"]) if n.startswith("resemble-detect-")]


def test_zero_retention_redacts_then_purges(client, admin, settings):
    r = upload(client, media.audio("mp3", 3), "call.mp3", "audio/mpeg",
               zero_retention_mode=True)
    item = r.json["item"]
    assert item["url"] is None and item["audio_url"] is None
    assert re.match(r"^redacted_[0-9a-f]{24}\.mp3$", item["filename"])
    assert item["zero_retention_mode"] is True and item["media_redacted"] is True
    assert item["media_deleted"] is False and item["file_deleted_at"] is None
    assert len(detect_files(settings)) == 1
    done = finish(client, admin, r)
    assert done["media_deleted"] is True and done["file_deleted_at"] == "2026-01-01T00:00:03.000Z"
    assert done["filename"] == item["filename"] and done["url"] is None
    assert done["metrics"]["label"] in ("fake", "real")
    assert detect_files(settings) == []


def test_privacy_mode_is_the_old_name(client):
    item = upload(client, media.wav(2), headers=WAIT, privacy_mode=True).json["item"]
    assert item["zero_retention_mode"] is True and item["media_deleted"] is True


def test_without_zero_retention_the_file_is_kept(client, admin, settings):
    finish(client, admin, upload(client, media.wav(2)))
    assert len(detect_files(settings)) == 1


# ---- get and list -------------------------------------------------------------------------------

def test_get_unknown_or_malformed_uuid_is_404(client):
    for uuid in ("f" * 32, "nope", "batch"):
        assert_error(get(client, uuid), 404, "Detect not found")


def test_dashed_uuid_is_accepted(client):
    uuid = upload(client, media.wav(2)).json["item"]["uuid"]
    dashed = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}"
    assert get(client, dashed.upper()).json["item"]["uuid"] == uuid


def test_detects_are_scoped_to_the_team(client, admin):
    uuid = upload(client, media.wav(2), intelligence=True,
                  audio_source_tracing=True, headers=WAIT).json["item"]["uuid"]
    assert_error(get(client, uuid, OTHER_AUTH), 404, "Detect not found")
    for path in ("detect", "intelligences", "audio_source_tracings"):
        assert client.get(f"{API}/{path}?page=1", headers=OTHER_AUTH).json["total_count"] == 0
    intel = get(client, uuid).json["item"]["intelligence"]["uuid"]
    assert client.get(f"{API}/intelligences/{intel}", headers=OTHER_AUTH).status_code == 404
    r = client.post(f"{API}/detects/{uuid}/intelligence", json={"query": "x"}, headers=OTHER_AUTH)
    assert_error(r, 404, "Detect not found")


def test_list_pages_newest_first(client, admin):
    uuids = [upload(client, media.wav(1, variant=i)).json["item"]["uuid"] for i in range(12)]
    first = client.get(f"{API}/detect?page=1", headers=AUTH).json
    assert (first["page"], first["num_pages"], first["page_size"], first["total_count"]) == (
        1, 2, 10, 12)
    assert [i["uuid"] for i in first["items"]] == uuids[::-1][:10]
    second = client.get(f"{API}/detect?page=2&page_size=10", headers=AUTH).json
    assert [i["uuid"] for i in second["items"]] == uuids[1::-1]
    past = client.get(f"{API}/detect?page=3", headers=AUTH).json
    assert past["items"] == [] and past["total_count"] == 12
    admin.advance_clock(3)
    items = client.get(f"{API}/detect?page=1&page_size=1000", headers=AUTH).json["items"]
    assert {i["status"] for i in items} == {"completed"}
    assert items[0] == get(client, uuids[-1]).json["item"]


def test_a_page_far_past_the_last_is_empty_on_sqlite_too(make_client, settings, tmp_path):
    settings["state"] = str(tmp_path / "state.sqlite3")
    client = make_client(settings)
    for path in ("detect", "audio_source_tracings", "intelligences"):
        r = client.get(f"{API}/{path}?page={2 ** 70}&page_size=183", headers=AUTH)
        assert r.status_code == 200 and r.json["items"] == [], path


@pytest.mark.parametrize("query,message", [
    ("", "page is required"), ("?page=0", "page must be greater than or equal to 1"),
    ("?page=a", "page must be an integer"), ("?page=1&page_size=9",
                                             "page_size must be between 10 and 1000"),
    ("?page=1&page_size=1001", "page_size must be between 10 and 1000")])
def test_list_paging_errors(client, query, message):
    for path in ("detect", "audio_source_tracings", "intelligences"):
        assert_error(client.get(f"{API}/{path}{query}", headers=AUTH), 400, message)


# ---- secure uploads ----------------------------------------------------------------------------

def secure_upload(client, data, filename="clip.wav", content_type="audio/wav", headers=AUTH):
    return client.post(f"{API}/secure_uploads", headers=headers,
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename, content_type)})


def test_secure_upload_then_detect_by_media_token(client, admin):
    r = secure_upload(client, media.wav(5))
    assert r.status_code == 200 and set(r.json) == {"success", "token"}
    token = r.json["token"]
    claims = media_tokens.verify(ResembleConfig().media_token_secret, token, now=1_767_225_600)
    assert claims["team"] == "team-1" and claims["exp"] - claims["iat"] == 3600
    item = finish(client, admin, client.post(f"{API}/detect", json={"media_token": token},
                                             headers=AUTH))
    assert item["status"] == "completed" and item["filename"] == "clip.wav"
    assert len(item["metrics"]["score"]) == 3
    again = client.post(f"{API}/detect", json={"media_token": token}, headers=AUTH)
    assert again.status_code == 200


def test_media_token_expires_after_an_hour(client, admin):
    token = secure_upload(client, media.wav(2)).json["token"]
    admin.advance_clock(3599)
    assert client.post(f"{API}/detect", json={"media_token": token}, headers=AUTH).status_code == 200
    admin.advance_clock(1)
    assert_error(client.post(f"{API}/detect", json={"media_token": token}, headers=AUTH), 400,
                 "media_token is invalid or expired")


def test_media_token_is_private_to_the_team_and_must_be_ours(client):
    token = secure_upload(client, media.wav(2)).json["token"]
    for body, headers in (({"media_token": token}, OTHER_AUTH),
                          ({"media_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig"}, AUTH),
                          ({"media_token": token[:-2] + "xx"}, AUTH)):
        assert_error(client.post(f"{API}/detect", json=body, headers=headers), 400,
                     "media_token is invalid or expired")


def test_zero_retention_purges_the_secure_upload(client, admin, settings):
    token = secure_upload(client, media.wav(2)).json["token"]
    r = client.post(f"{API}/detect", json={"media_token": token, "zero_retention_mode": True},
                    headers=WAIT)
    assert r.json["item"]["media_deleted"] is True
    assert [n for n in os.listdir(settings["spool_dir"]) if n.startswith("resemble-")] == []
    assert_error(client.post(f"{API}/detect", json={"media_token": token}, headers=AUTH), 400,
                 "media_token is invalid or expired")


def test_secure_upload_rules(client, admin, settings):
    assert_error(secure_upload(client, b""), 400, "File is empty")
    assert_error(secure_upload(client, b"hello" * 100, "a.wav"), 400,
                 "File must be valid media format")
    assert_error(client.post(f"{API}/secure_uploads", json={"file": "x"}, headers=AUTH), 400,
                 "file is required")
    assert_error(client.post(f"{API}/secure_uploads", data={"name": "x"}, headers=AUTH,
                             content_type="multipart/form-data"), 400,
                 "name is not a permitted parameter")
    assert_error(secure_upload(client, media.wav(1), headers={}), 401,
                 "Invalid or missing API token")
    assert os.listdir(settings["spool_dir"]) == []


# ---- batch -------------------------------------------------------------------------------------

def batch(client, files, headers=AUTH, **fields):
    form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
    form["files[]"] = [(io.BytesIO(data), name, ctype) for data, name, ctype in files]
    return client.post(f"{API}/detect/batch", data=form, headers=headers,
                       content_type="multipart/form-data")


TWO = [(media.wav(2), "a.wav", "audio/wav"), (media.image("png"), "b.png", "image/png")]


def test_batch_is_202_and_counts_as_detects_finish(client, admin):
    r = batch(client, TWO)
    assert r.status_code == 202
    item = r.json["item"]
    assert set(item) == {"uuid", "status", "total_files", "completed_count", "failed_count",
                         "created_at", "detect_uuids"}
    assert (item["status"], item["total_files"], item["completed_count"],
            item["failed_count"]) == ("processing", 2, 0, 0)
    kinds = [get(client, u).json["item"]["media_type"] for u in item["detect_uuids"]]
    assert kinds == ["audio", "image"]
    admin.advance_clock(3)
    done = client.get(f"{API}/detect/batch/{item['uuid']}", headers=AUTH).json["item"]
    assert (done["status"], done["completed_count"], done["failed_count"]) == ("completed", 2, 0)
    detect = get(client, item["detect_uuids"][0]).json["item"]
    assert detect["visualize"] is True and "image" in detect["metrics"]  # batch default
    assert detect["extra_params"] == {"search_identity_requested": False}
    assert client.get(f"{API}/detect?page=1", headers=AUTH).json["total_count"] == 2


def test_batch_from_a_zip(client, admin):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("calls/a.wav", media.wav(2))
        zf.writestr("calls/b.mp4", media.video(2))
        zf.writestr("__MACOSX/._a.wav", b"junk")
        zf.writestr(".DS_Store", b"junk")
    r = client.post(f"{API}/detect/batch", headers=AUTH, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(buf.getvalue()), "media.zip", "application/zip"),
                          "visualize": "false", "search_identity": "true"})
    assert r.status_code == 202 and r.json["item"]["total_files"] == 2
    items = [get(client, u).json["item"] for u in r.json["item"]["detect_uuids"]]
    assert [i["filename"] for i in items] == ["a.wav", "b.mp4"]
    assert [i["media_type"] for i in items] == ["audio", "video"]
    assert items[0]["visualize"] is False
    assert items[0]["extra_params"] == {"search_identity_requested": True}


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("data,name,extra,message", [
    (b"PK not really a zip", "media.zip", {}, "File must be a valid zip archive"),
    (zip_of({"a.wav": media.wav(1)}), "media.tar", {},
     "file must be a .zip archive; send media files as files[]"),
    (zip_of({"a.txt": b"x"}), "media.zip", {},
     "a.txt: Unsupported file type .txt; supported extensions: .wav, .mp3, .m4a, .ogg, .aac, "
     ".flac, .mp4, .mov, .avi, .mkv, .webm, .jpg, .jpeg, .png, .gif, .webp"),
    (zip_of({"docs/": b""}), "media.zip", {}, "No files provided"),
    (zip_of({"a.wav": media.wav(1)}), "media.zip",
     {"files[]": (io.BytesIO(media.wav(1)), "b.wav", "audio/wav")},
     "Send either files[] or one .zip archive as file, not both")])
def test_batch_archive_errors(client, admin, settings, data, name, extra, message):
    r = client.post(f"{API}/detect/batch", headers=AUTH, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data), name, "application/zip"), **extra})
    assert_error(r, 400, message)
    assert_nothing_created(client, admin, settings)


def test_batch_file_that_is_not_media_fails_on_its_own(client, admin):
    r = batch(client, [TWO[0], (b"not media at all" * 10, "c.wav", "audio/wav")])
    admin.advance_clock(3)
    done = client.get(f"{API}/detect/batch/{r.json['item']['uuid']}", headers=AUTH).json["item"]
    assert (done["status"], done["completed_count"], done["failed_count"]) == ("completed", 1, 1)


@pytest.mark.parametrize("files,fields,headers,message", [
    (TWO, {}, WAIT, "Prefer: wait is not supported for batch requests"),
    ([], {}, AUTH, "No files provided"),
    ([(media.wav(1), "a.amr", "audio/amr")], {}, AUTH,
     "a.amr: Unsupported file type .amr; supported extensions: .wav, .mp3, .m4a, .ogg, .aac, "
     ".flac, .mp4, .mov, .avi, .mkv, .webm, .jpg, .jpeg, .png, .gif, .webp"),
    ([(b"", "a.wav", "audio/wav")], {}, AUTH, "a.wav: File is empty"),
    (TWO, {"frame_length": 7}, AUTH, "frame_length must be between 1 and 4"),
    (TWO, {"zero_retention_mode": True}, AUTH, "zero_retention_mode is not a permitted parameter"),
])
def test_batch_errors_create_nothing(client, admin, settings, files, fields, headers, message):
    assert_error(batch(client, files, headers, **fields), 400, message)
    assert_nothing_created(client, admin, settings)


def test_batch_limits(settings, make_client):
    resemble_settings(settings, batch_max_files=2, batch_max_bytes=100_000)
    client = make_client(settings)
    admin = AdminClient.for_test_client(client)
    three = TWO + [(media.wav(1, variant=2), "c.wav", "audio/wav")]
    assert_error(batch(client, three), 400, "Too many files: a batch takes at most 2")
    big = [(media.wav(2), "a.wav", "audio/wav"), (media.wav(2, variant=1), "b.wav", "audio/wav"),]
    assert_error(batch(client, big), 400, "Batch exceeds 0.0953674 MB total")
    assert_nothing_created(client, admin, settings)


def test_batch_not_found_and_team_scoped(client):
    r = batch(client, TWO)
    assert_error(client.get(f"{API}/detect/batch/{r.json['item']['uuid']}", headers=OTHER_AUTH),
                 404, "Batch not found")
    assert_error(client.get(f"{API}/detect/batch/{'0' * 32}", headers=AUTH), 404,
                 "Batch not found")


def test_wallet_402_creates_nothing(settings, make_client):
    resemble_settings(settings, teams={"team-1": {"balance": 2}})
    client = make_client(settings)
    admin = AdminClient.for_test_client(client)
    three = TWO + [(media.wav(1, variant=2), "c.wav", "audio/wav")]
    r = batch(client, three)
    assert_error(r, 402, "insufficient_balance")
    assert r.json["cost"]["total"] == 3 and len(r.json["cost"]["per_file"]) == 3
    assert_nothing_created(client, admin, settings)
    assert upload(client, media.wav(1)).status_code == 200
    assert upload(client, media.wav(1, variant=1)).status_code == 200
    assert_error(upload(client, media.wav(1, variant=2)), 402, "insufficient_balance")
    assert client.get(f"{API}/detect?page=1", headers=AUTH).json["total_count"] == 2


# ---- detect intelligence questions ---------------------------------------------------------------

def test_question_lifecycle(client, admin):
    uuid = upload(client, media.wav(3)).json["item"]["uuid"]
    r = client.post(f"{API}/detects/{uuid}/intelligence", json={"query": "Is it cloned?"},
                    headers=AUTH)
    assert_error(r, 422, "Detection must be completed before asking questions")
    admin.advance_clock(3)
    r = client.post(f"{API}/detects/{uuid}/intelligence", json={"query": "Is it cloned?"},
                    headers=AUTH)
    assert r.status_code == 202
    q = r.json["item"]
    assert q["detect_uuid"] == uuid and q["query"] == "Is it cloned?"
    assert (q["answer"], q["status"], q["error_message"]) == (None, "pending", None)
    assert set(q) == {"uuid", "detect_uuid", "query", "answer", "status", "error_message",
                      "created_at", "updated_at"}
    path = f"{API}/detects/{uuid}/intelligence/{q['uuid']}"
    assert client.get(path, headers=AUTH).json["item"]["status"] == "pending"
    admin.advance_clock(1.5)
    assert client.get(path, headers=AUTH).json["item"]["status"] == "processing"
    admin.advance_clock(1.5)
    done = client.get(path, headers=AUTH).json["item"]
    assert done["status"] == "completed" and "Is it cloned?" in done["answer"]
    assert done["updated_at"] != done["created_at"]


def test_failed_question_still_succeeds(client, admin):
    uuid = upload(client, media.wav(3), headers=WAIT).json["item"]["uuid"]
    qid = client.post(f"{API}/detects/{uuid}/intelligence", json={"query": "Why?"},
                      headers=AUTH).json["item"]["uuid"]
    admin.force_job_state("resemble", qid, "failed")
    r = client.get(f"{API}/detects/{uuid}/intelligence/{qid}", headers=AUTH)
    assert r.status_code == 200 and r.json["success"] is True
    assert r.json["item"]["status"] == "failed" and r.json["item"]["answer"] is None
    assert r.json["item"]["error_message"] == "Unable to generate answer. Please try again."


@pytest.mark.parametrize("body", [{}, {"query": ""}, {"query": "  "}, {"query": 3}, None])
def test_question_needs_a_query(client, body):
    uuid = upload(client, media.wav(3), headers=WAIT).json["item"]["uuid"]
    r = client.post(f"{API}/detects/{uuid}/intelligence", json=body, headers=AUTH)
    assert_error(r, 400, "query is required")


def test_question_not_found(client):
    uuid = upload(client, media.wav(3), headers=WAIT).json["item"]["uuid"]
    assert_error(client.post(f"{API}/detects/{'0' * 32}/intelligence", json={"query": "x"},
                             headers=AUTH), 404, "Detect not found")
    assert_error(client.get(f"{API}/detects/{uuid}/intelligence/{'0' * 32}", headers=AUTH),
                 404, "Question not found")
    qid = client.post(f"{API}/detects/{uuid}/intelligence", json={"query": "x"},
                      headers=AUTH).json["item"]["uuid"]
    other = upload(client, media.wav(3, variant=1), headers=WAIT).json["item"]["uuid"]
    assert_error(client.get(f"{API}/detects/{other}/intelligence/{qid}", headers=AUTH), 404,
                 "Question not found")
    assert_error(client.get(f"{API}/detects/{uuid}/intelligence/{qid}", headers=OTHER_AUTH),
                 404, "Question not found")


# ---- callbacks ----------------------------------------------------------------------------------

def run_callbacks(client) -> dict:
    r = client.post("/_admin/vendors/resemble/callbacks/run")
    assert r.status_code == 200
    return r.json


def test_callback_posts_the_get_body_once_finished(client, admin):
    with LocalReceiver() as rx:
        r = upload(client, media.wav(3), callback_url=rx.url("/hook"), intelligence=True)
        assert run_callbacks(client)["attempts"] == 0   # still processing
        admin.advance_clock(3)
        assert run_callbacks(client)["attempts"] == 1
        assert rx.posts[0]["path"] == "/hook"
        assert rx.posts[0]["headers"]["Content-Type"] == "application/json"
        body = rx.posts[0]["body"]
    assert body == get(client, r.json["item"]["uuid"]).json
    assert body["item"]["status"] == "completed" and body["item"]["intelligence"] is not None
    (delivery,) = client.get("/_admin/vendors/resemble/callbacks").json["callbacks"]
    assert delivery["state"] == "delivered" and delivery["attempts"][0]["status"] == 200
    (entry,) = admin.find_requests(vendor="resemble", operation="callback")
    assert entry["status"] == 200 and entry["path"] == rx.url("/hook")
    assert entry["direction"] == "outbound"
    assert run_callbacks(client)["attempts"] == 0


def test_callback_for_a_failed_detect(client, admin, media_dir):
    with LocalReceiver() as rx:
        by_url(client, "https://www.example.com/a.wav", callback_url=rx.url())
        admin.advance_clock(3)
        run_callbacks(client)
        body = rx.wait_for_post()
    assert body["item"]["status"] == "failed"


def test_callback_retries_with_backoff_on_the_emulator_clock(client, admin):
    with LocalReceiver() as rx:
        rx.answer_with(500, 503)
        upload(client, media.wav(2), headers=WAIT, callback_url=rx.url())
        assert run_callbacks(client)["attempts"] == 1
        assert run_callbacks(client)["attempts"] == 0
        admin.advance_clock(1)
        assert run_callbacks(client)["attempts"] == 1
        admin.advance_clock(1)
        assert run_callbacks(client)["attempts"] == 0
        admin.advance_clock(1)
        assert run_callbacks(client)["attempts"] == 1
    (delivery,) = client.get("/_admin/vendors/resemble/callbacks").json["callbacks"]
    assert delivery["state"] == "delivered"
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    statuses = [e["status"] for e in admin.find_requests(operation="callback")]
    assert statuses == [500, 503, 200]


def test_callback_gives_up_after_max_attempts(settings, make_client):
    resemble_settings(settings, callback_max_attempts=2)
    client = make_client(settings)
    admin = AdminClient.for_test_client(client)
    with LocalReceiver() as rx:
        rx.answer_with(500, 500, 500)
        upload(client, media.wav(2), headers=WAIT, callback_url=rx.url())
        run_callbacks(client)
        admin.advance_clock(10)
        run_callbacks(client)
        admin.advance_clock(100)
        assert run_callbacks(client)["attempts"] == 0
        assert len(rx.posts) == 2
    (delivery,) = client.get("/_admin/vendors/resemble/callbacks").json["callbacks"]
    assert delivery["state"] == "failed"


def test_callback_to_a_host_not_allowed_is_never_sent(client, admin):
    upload(client, media.wav(2), headers=WAIT, callback_url="https://hooks.example.org/x")
    run_callbacks(client)
    (delivery,) = client.get("/_admin/vendors/resemble/callbacks").json["callbacks"]
    assert delivery["state"] == "blocked"
    assert "not in resemble.callback_allow_hosts" in delivery["attempts"][0]["error"]
    (entry,) = admin.find_requests(operation="callback")
    assert entry["status"] is None


def test_batch_callback_once_the_batch_is_done(client, admin):
    with LocalReceiver() as rx:
        r = batch(client, TWO, callback_url=rx.url("/batch"))
        run_callbacks(client)
        assert rx.posts == []
        admin.advance_clock(3)
        run_callbacks(client)
        body = rx.wait_for_post()
    assert body["success"] is True and body["item"]["uuid"] == r.json["item"]["uuid"]
    assert body["item"]["status"] == "completed" and body["item"]["completed_count"] == 2


def test_background_worker_delivers_without_being_asked(settings):
    resemble_settings(settings, callback_worker=True, callback_poll_interval_seconds=0.02)
    app = create_app(settings)
    client = app.test_client()
    with LocalReceiver() as rx:
        upload(client, media.wav(2), headers=WAIT, callback_url=rx.url())
        body = rx.wait_for_post(timeout=10)
    assert body["item"]["status"] == "completed"
    app.extensions["resemble.callbacks"].stop()


# ---- rate limit --------------------------------------------------------------------------------

def test_rate_limit_per_token_with_retry_after(client, admin):
    assert admin.get_rate_limit("resemble") == {"limit": 40, "window": 1}
    admin.set_rate_limit("resemble", 2, 1)
    for _ in range(2):
        assert client.get(f"{API}/detect?page=1", headers=AUTH).status_code == 200
    r = client.get(f"{API}/detect?page=1", headers=AUTH)
    assert_error(r, 429, "Rate limit exceeded")
    assert r.headers["Retry-After"] == "1"
    assert client.get(f"{API}/detect?page=1", headers=OTHER_AUTH).status_code == 200
    admin.advance_clock(1)
    assert client.get(f"{API}/detect?page=1", headers=AUTH).status_code == 200


# ---- bad input never breaks the emulator ---------------------------------------------------------

json_values = st.recursive(st.none() | st.booleans() | st.integers(-10, 10) | st.floats(-5, 5)
                           | st.text(max_size=8), lambda c: st.lists(c, max_size=3)
                           | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=6)
option_names = st.sampled_from(["url", "media_token", "callback_url", "visualize", "frame_length",
                                "start_region", "end_region", "max_video_fps", "max_video_secs",
                                "model_types", "intelligence", "zero_retention_mode", "pipeline",
                                "other"])


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(option_names, json_values, max_size=5) | json_values)
def test_arbitrary_json_is_answered_with_a_vendor_body(client, body):
    r = client.post(f"{API}/detect", data=json.dumps(body), content_type="application/json",
                    headers=AUTH)
    assert r.status_code in (200, 400), r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert r.json["success"] is (r.status_code == 200)
    if r.status_code == 400:
        assert isinstance(r.json["message"], str) and r.json["message"]


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(option_names, st.text(max_size=6), max_size=4), st.binary(max_size=64))
def test_arbitrary_forms_are_answered_with_a_vendor_body(client, fields, data):
    form = {**fields, "file": (io.BytesIO(data), "x.wav", "audio/wav")}
    r = client.post(f"{API}/detect", data=form, content_type="multipart/form-data", headers=AUTH)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.json["success"] is False
