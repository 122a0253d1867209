"""Resemble's Run Intelligence (``POST /intelligence``), its records, and the files the emulator
serves at its own URLs (visualisations; zero retention purges them); uploads judged by bytes."""

from __future__ import annotations

import io

import pytest

from deepfake_mock.testing import media
from deepfake_mock.testing.receiver import LocalReceiver

from .url_media import serve_url_media

API = "/resemble/api/v2"
AUTH = {"Authorization": "Bearer resemble-test-token"}
OTHER_AUTH = {"Authorization": "Bearer resemble-other-token"}
WAIT = {**AUTH, "Prefer": "wait"}
SPEECH_KEYS = ["speaker_info", "language", "dialect", "emotion", "speaking_style", "context",
               "message", "abnormalities", "transcription", "translation", "misinformation"]
IMAGE_KEYS = ["scene_description", "subjects", "authenticity_analysis", "context_and_setting",
              "abnormalities", "misinformation"]
RECORD_KEYS = ["uuid", "description", "created_at", "detect_uuid", "media_type"]


@pytest.fixture
def media_dir(tmp_path):
    path = tmp_path / "media"
    path.mkdir()
    (path / "a.wav").write_bytes(media.wav(3))
    (path / "p.png").write_bytes(media.image("png", 40, 30))
    (path / "v.mp4").write_bytes(media.video(2, audio=True))
    (path / "notes.txt").write_bytes(b"not media at all\n" * 20)
    return path


@pytest.fixture
def settings(settings, media_dir):
    return serve_url_media(settings, media_dir)


def run(client, headers=AUTH, **body):
    return client.post(f"{API}/intelligence", json=body, headers=headers)


def upload(client, data, name="clip.wav", ctype="audio/wav", headers=WAIT, **fields):
    form = {k: str(v).lower() for k, v in fields.items()}
    form["file"] = (io.BytesIO(data), name, ctype)
    return client.post(f"{API}/detect", data=form, headers=headers,
                       content_type="multipart/form-data")


def assert_error(r, status, body):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.json == body


# ---- run intelligence ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,kind,as_json,keys", [
    ("a.wav", "audio", None, None), ("a.wav", "audio", True, SPEECH_KEYS),
    ("v.mp4", "video", True, SPEECH_KEYS), ("p.png", "image", None, IMAGE_KEYS),
    ("p.png", "image", False, None)])
def test_synchronous_run_returns_the_record(client, name, kind, as_json, keys):
    body = {"url": f"https://m.example/{name}"}
    if as_json is not None:
        body["json"] = as_json
    r = run(client, **body)
    assert r.status_code == 200
    item = r.json["item"]
    assert r.json["success"] is True and list(item) == RECORD_KEYS
    assert item["media_type"] == kind and item["detect_uuid"] is None
    if keys is None:
        assert isinstance(item["description"], str) and item["description"]
    else:
        assert list(item["description"]) == keys
    stored = client.get(f"{API}/intelligences/{item['uuid']}", headers=AUTH).json["item"]
    assert stored == item
    assert client.get(f"{API}/intelligences?page=1", headers=AUTH).json["items"] == [item]


def test_run_from_a_secure_upload_with_an_explicit_media_type(client):
    token = client.post(f"{API}/secure_uploads", headers=AUTH, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(media.wav(2)), "file")}).json["token"]
    item = run(client, media_token=token, media_type="video", json=True).json["item"]
    assert item["media_type"] == "video" and list(item["description"]) == SPEECH_KEYS


def test_run_associated_with_a_detect(client):
    detect = upload(client, media.wav(3)).json["item"]
    item = run(client, url="https://m.example/a.wav", detect_id=detect["uuid"]).json["item"]
    assert item["detect_uuid"] == detect["uuid"]
    assert_error(run(client, url="https://m.example/a.wav", detect_id="0" * 32), 404,
                 {"success": False, "message": "Detect not found"})
    assert_error(run(client, OTHER_AUTH, url="https://m.example/a.wav",
                     detect_id=detect["uuid"]), 404,
                 {"success": False, "message": "Detect not found"})


def test_callback_url_makes_it_asynchronous(client, admin):
    with LocalReceiver() as rx:
        r = run(client, url="https://m.example/a.wav", json=True, callback_url=rx.url("/intel"))
        assert r.status_code == 202
        accepted = r.json["item"]
        assert list(accepted) == ["uuid", "media_type", "created_at", "detect_uuid"]
        path = f"{API}/intelligences/{accepted['uuid']}"
        assert client.get(path, headers=AUTH).json["item"]["description"] is None
        assert admin.run_callbacks()["attempts"] == 0  # not finished: nothing sent
        admin.advance_clock(3)
        admin.run_callbacks()
        (post,) = rx.posts
    record = client.get(path, headers=AUTH).json["item"]
    assert list(record["description"]) == SPEECH_KEYS
    assert post["path"] == "/intel" and post["body"] == {"success": True, "item": record}


def test_a_failed_asynchronous_run_posts_the_vendor_failure_payload(client, admin):
    with LocalReceiver() as rx:
        uuid = run(client, url="https://m.example/a.wav",
                   callback_url=rx.url("/intel")).json["item"]["uuid"]
        admin.force_job_state("resemble", uuid, "failed")
        admin.run_callbacks()
        (post,) = rx.posts
    record = client.get(f"{API}/intelligences/{uuid}", headers=AUTH).json["item"]
    assert record["description"] == "Error generating Intelligence report."
    assert post["body"] == {"success": False, "item": record,
                            "error": "Intelligence generation failed"}


@pytest.mark.parametrize("body,message", [
    ({}, "Exactly one of url or media_token must be provided"),
    ({"url": "https://m.example/a.wav", "media_token": "x"},
     "Exactly one of url or media_token must be provided"),
    ({"url": "https://m.example/a.wav", "media_type": "text"},
     "media_type must be one of: audio, video, image"),
    ({"url": "https://m.example/a.wav", "json": "yes"}, "json must be a boolean"),
    ({"url": "https://m.example/notes.txt"}, "File must be valid media format"),
    ({"url": "https://m.example/missing.wav"}, "Unable to download media from url"),
    ({"media_token": "not-a-token"}, "media_token is invalid or expired"),
])
def test_bad_requests_are_400(client, body, message):
    r = run(client, **body)
    assert r.status_code == 400 and r.json["success"] is False
    assert r.json["message"] == message
    assert client.get(f"{API}/intelligences?page=1", headers=AUTH).json["total_count"] == 0


def test_unknown_intelligence_is_the_documented_404(client):
    assert_error(client.get(f"{API}/intelligences/{'0' * 32}", headers=AUTH), 404,
                 {"success": False, "item": None, "message": "Not found"})


# ---- visualisations at the emulator's URLs -------------------------------------------------------

def test_visualisation_urls_use_the_host_the_client_called(client):
    item = upload(client, media.wav(2), visualize="true",
                  headers={**WAIT, "Host": "detect.example.test:8443"}).json["item"]
    assert item["metrics"]["image"].startswith("http://detect.example.test:8443/resemble/files/")


def test_zero_retention_visualisations_answer_404_once_purged(client, admin):
    kept = upload(client, media.wav(2), visualize="true").json["item"]["metrics"]["image"]
    r = upload(client, media.wav(2, variant=1), visualize="true", zero_retention_mode="true",
               headers=AUTH)
    admin.advance_clock(3)
    item = client.get(f"{API}/detect/{r.json['item']['uuid']}", headers=AUTH).json["item"]
    assert item["media_deleted"] is True
    gone = client.get(item["metrics"]["image"].removeprefix("http://localhost"))
    assert gone.status_code == 404
    assert gone.json == {"success": False, "message": "Not found"}
    assert client.get(kept.removeprefix("http://localhost")).status_code == 200


def test_files_need_no_token_and_unknown_files_are_404(client):
    r = client.get(f"/resemble/files/{'0' * 32}/audio.png")
    assert_error(r, 404, {"success": False, "message": "Not found"})


# ---- uploads judged by their bytes ---------------------------------------------------------------

def test_nameless_secure_upload_as_the_python_sdk_sends_it(client):
    r = client.post(f"{API}/secure_uploads", headers=AUTH, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(media.image("jpeg")), "file", "")})
    assert r.status_code == 200, r.json
    item = client.post(f"{API}/detect", json={"media_token": r.json["token"]},
                       headers=WAIT).json["item"]
    assert item["status"] == "completed" and item["media_type"] == "image"
