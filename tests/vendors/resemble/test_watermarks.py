"""Resemble's watermark API (beta): apply and detect, their results, the ``error`` envelope."""

from __future__ import annotations

import re

import pytest

from deepfake_mock.testing import media

from .url_media import serve_url_media

API = "/resemble/api/v2"
AUTH = {"Authorization": "Bearer resemble-test-token"}
OTHER_AUTH = {"Authorization": "Bearer resemble-other-token"}
WAIT = {**AUTH, "Prefer": "wait"}
ITEM_KEYS = ["uuid", "media_type", "source_media_url", "metrics", "watermarked_media",
             "created_at", "updated_at"]
FILES = re.compile(r"^http://localhost/resemble/files/[0-9a-f]{32}/watermarked\.(wav|png|mp4)$")
SOURCES = {"a.wav": lambda: media.wav(2), "p.png": lambda: media.image("png", 32, 24),
           "v.mp4": lambda: media.video(2, audio=True)}


@pytest.fixture
def media_dir(tmp_path):
    path = tmp_path / "media"
    path.mkdir()
    for name, make in SOURCES.items():
        (path / name).write_bytes(make())
    (path / "notes.txt").write_bytes(b"just some text, not media\n" * 10)
    return path


@pytest.fixture
def settings(settings, media_dir):
    return serve_url_media(settings, media_dir)


def apply(client, name, headers=WAIT, **body):
    return client.post(f"{API}/watermark/apply", json={"url": f"https://m.example/{name}", **body},
                       headers=headers)


def detect(client, name, headers=WAIT, **body):
    return client.post(f"{API}/watermark/detect",
                       json={"url": f"https://m.example/{name}", **body}, headers=headers)


def save_watermarked(client, media_dir, item, name):
    r = client.get(item["watermarked_media"].removeprefix("http://localhost"))
    assert r.status_code == 200
    (media_dir / name).write_bytes(r.data)
    return r


def assert_watermark_error(r, status, message):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.json["success"] is False
    assert r.json["error"] == message and r.json["message"] == message


@pytest.mark.parametrize("name,kind", [("a.wav", "audio"), ("p.png", "image"),
                                       ("v.mp4", "video")])
def test_apply_with_prefer_wait_serves_the_watermarked_media(client, media_dir, name, kind):
    r = apply(client, name)
    assert r.status_code == 200
    item = r.json["item"]
    assert list(item) == ITEM_KEYS
    assert item["media_type"] == kind and item["metrics"] is None
    assert item["source_media_url"] == f"https://m.example/{name}"
    assert FILES.match(item["watermarked_media"])
    served = save_watermarked(client, media_dir, item, f"w-{name}")
    assert served.data.startswith(SOURCES[name]())  # the same media, with the mark appended
    assert served.data != SOURCES[name]()


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_detect_finds_the_watermark_only_on_watermarked_media(client, media_dir, name):
    save_watermarked(client, media_dir, apply(client, name).json["item"], f"w-{name}")
    marked = detect(client, f"w-{name}").json["item"]
    plain = detect(client, name).json["item"]
    assert marked["metrics"]["has_watermark"] is True
    assert plain["metrics"]["has_watermark"] is False
    if name == "a.wav":  # confidence is documented for audio only
        assert 0.9 <= marked["metrics"]["confidence"] < 1
        assert 0 < plain["metrics"]["confidence"] < 0.1
    else:
        assert set(marked["metrics"]) == {"has_watermark"}
    assert marked["watermarked_media"] is None and list(marked) == ITEM_KEYS


def test_custom_message_must_match_for_images_and_is_ignored_for_audio(client, media_dir):
    save_watermarked(client, media_dir, apply(client, "p.png", custom_message="acme").json["item"],
                     "w.png")
    assert detect(client, "w.png").json["item"]["metrics"] == {"has_watermark": False}
    assert detect(client, "w.png", custom_message="acme").json["item"]["metrics"] == {
        "has_watermark": True}
    save_watermarked(client, media_dir, apply(client, "a.wav", custom_message="acme").json["item"],
                     "w.wav")
    assert detect(client, "w.wav", custom_message="other").json["item"]["metrics"][
        "has_watermark"] is True


def test_without_prefer_wait_the_job_is_polled_on_its_result_endpoint(client, admin):
    r = detect(client, "a.wav", headers=AUTH)
    assert r.status_code == 200
    item = r.json["item"]
    assert item["metrics"] is None and item["media_type"] == "audio"
    path = f"{API}/watermark/detect/{item['uuid']}/result"
    assert client.get(path, headers=AUTH).json["item"]["metrics"] is None
    admin.advance_clock(3)
    done = client.get(path, headers=AUTH).json
    assert done["success"] is True and done["item"]["metrics"]["has_watermark"] is False
    assert done["item"]["updated_at"] > done["item"]["created_at"]

    applied = apply(client, "p.png", headers=AUTH).json["item"]
    assert applied["watermarked_media"] is None
    path = f"{API}/watermark/apply/{applied['uuid']}/result"
    admin.advance_clock(3)
    assert FILES.match(client.get(path, headers=AUTH).json["item"]["watermarked_media"])


def test_results_are_private_to_the_team_and_kinds_do_not_mix(client):
    uuid = detect(client, "a.wav").json["item"]["uuid"]
    for path, headers in ((f"detect/{uuid}/result", OTHER_AUTH), (f"apply/{uuid}/result", AUTH),
                          (f"detect/{'0' * 32}/result", AUTH), ("detect/nope/result", AUTH)):
        assert_watermark_error(client.get(f"{API}/watermark/{path}", headers=headers), 404,
                               "Not found")


@pytest.mark.parametrize("body,message", [
    ({}, "url is required"),
    ({"url": None}, "url is required"),
    ({"url": "ftp://m.example/a.wav"}, "url must be an absolute http(s) URL"),
    ({"url": "https://m.example/a.wav", "strength": 1.5}, "strength must be between 0 and 1"),
    ({"url": "https://m.example/a.wav", "strength": "x"}, "strength must be a number"),
    ({"url": "https://m.example/a.wav", "custom_message": 3}, "custom_message must be a string"),
    ({"url": "https://m.example/a.wav", "extra": 1}, "extra is not a permitted parameter"),
])
def test_apply_validation_uses_the_error_envelope(client, body, message):
    r = client.post(f"{API}/watermark/apply", json=body, headers=AUTH)
    assert_watermark_error(r, 400, message)


def test_media_errors_use_the_documented_error(client):
    assert_watermark_error(detect(client, "notes.txt"), 400, "File must be valid media format")
    assert_watermark_error(apply(client, "missing.wav"), 400, "Unable to download media from url")
    r = client.post(f"{API}/watermark/detect", data="x", headers=AUTH, content_type="text/plain")
    assert_watermark_error(r, 400, "Request body must be a JSON object")


def test_watermark_endpoints_need_the_token(client):
    r = client.post(f"{API}/watermark/detect", json={"url": "https://m.example/a.wav"})
    assert r.status_code == 401 and r.json["message"] == "Invalid or missing API token"
