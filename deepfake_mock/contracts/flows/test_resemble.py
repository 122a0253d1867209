"""Resemble Detect flows as the vendor documents them: create -> poll -> completed (by upload,
by secure upload + media_token, with ``Prefer: wait``), list paging, detect intelligence
questions, the documented errors, and a callback received by a local receiver.

Runs against the in-process emulator (default), a running emulator (``--base-url URL``), or the
real service (``--base-url https://app.resemble.ai --vendor resemble`` with RESEMBLE_API_TOKEN;
see contracts/auth_resemble.py). Against the emulator time is moved with the admin clock;
only the real service is waited for.
"""

from __future__ import annotations

import math
import time

import pytest
import requests

from deepfake_mock.contracts.auth_resemble import resemble_auth
from deepfake_mock.contracts.conftest import vendor_target
from deepfake_mock.testing import media
from deepfake_mock.testing.receiver import LocalReceiver

TERMINAL = {"completed", "failed"}
MAX_POLLS = 90
ITEM_FIELDS = {"uuid", "media_type", "status", "metrics", "created_at", "updated_at"}


@pytest.fixture
def rs(target):
    target = vendor_target(target, "resemble")
    session = requests.Session()
    session.headers.update(resemble_auth(target).headers())
    return {"api": f"{target.url('resemble')}/api/v2", "http": session, "target": target}


def pass_time(rs, seconds: float) -> None:
    """Let the service work: the emulator's clock is moved, the real one is waited for."""
    if rs["target"].is_emulator:
        rs["target"].admin.advance_clock(seconds)
    else:
        time.sleep(seconds)


def create(rs, data: bytes, filename="clip.wav", content_type="audio/wav", headers=None,
           **fields) -> requests.Response:
    form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
    return rs["http"].post(f"{rs['api']}/detect", data=form, headers=headers or {},
                           files={"file": (filename, data, content_type)}, timeout=120)


def poll(rs, uuid: str) -> dict:
    for _ in range(MAX_POLLS):
        r = rs["http"].get(f"{rs['api']}/detect/{uuid}", timeout=60)
        assert r.status_code == 200, r.text
        item = r.json()["item"]
        if item["status"] in TERMINAL:
            return item
        assert item["status"] == "processing"
        pass_time(rs, 2)
    pytest.fail(f"detect {uuid} not finished after {MAX_POLLS} polls")


def assert_audio_metrics(metrics: dict) -> None:
    assert {"label", "score", "consistency", "aggregated_score"} <= set(metrics)
    assert metrics["label"] in ("fake", "real")
    assert isinstance(metrics["score"], list) and metrics["score"]
    for value in (*metrics["score"], metrics["consistency"], metrics["aggregated_score"]):
        float(value)  # decimal strings (or numbers) alike


# ---- create -> poll -> completed ------------------------------------------------------------------

def test_upload_then_poll_to_completed(rs):
    r = create(rs, media.wav(6), frame_length=2)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True
    item = body["item"]
    assert ITEM_FIELDS <= set(item)
    assert item["status"] == "processing" and item["metrics"] == {}
    assert item["media_type"] == "audio"
    done = poll(rs, item["uuid"])
    assert done["status"] == "completed" and done["uuid"] == item["uuid"]
    assert_audio_metrics(done["metrics"])
    if rs["target"].is_emulator:  # one window per frame_length seconds (our proposal)
        assert len(done["metrics"]["score"]) == math.ceil(6 / 2)


def test_secure_upload_then_media_token_as_the_python_package_does(rs):
    r = requests.post(f"{rs['api']}/secure_uploads", files={"file": ("clip.wav", media.wav(4))},
                      headers=dict(rs["http"].headers), timeout=120)
    assert r.status_code == 200, r.text
    assert r.json()["success"] is True
    token = r.json()["token"]
    assert token.count(".") == 2  # a JWT
    r = rs["http"].post(f"{rs['api']}/detect", json={"media_token": token}, timeout=120)
    assert r.status_code == 200, r.text
    done = poll(rs, r.json()["item"]["uuid"])
    assert done["status"] == "completed"
    assert_audio_metrics(done["metrics"])


def test_prefer_wait_returns_the_finished_result(rs):
    r = create(rs, media.image("png", 128, 96), "photo.png", "image/png",
               headers={"Prefer": "wait"})
    assert r.status_code == 200, r.text
    item = r.json()["item"]
    assert item["status"] == "completed" and item["media_type"] == "image"
    metrics = item["image_metrics"]
    assert {"type", "label", "image", "score", "children"} <= set(metrics)
    assert isinstance(metrics["score"], (int, float))
    again = rs["http"].get(f"{rs['api']}/detect/{item['uuid']}", timeout=60).json()["item"]
    assert again["image_metrics"] == metrics


def test_video_with_audio_has_both_verdicts(rs):
    r = create(rs, media.video(3, audio=True), "clip.mp4", "video/mp4",
               headers={"Prefer": "wait"}, max_video_fps=2)
    item = r.json()["item"]
    assert item["status"] == "completed" and item["media_type"] == "video"
    assert_audio_metrics(item["metrics"])
    video = item["video_metrics"]
    assert {"label", "score", "certainty", "children"} <= set(video)
    frames = video["children"][0]["children"]
    assert all("timestamp" in f for f in frames)


# ---- list paging ----------------------------------------------------------------------------------

def test_list_paging_envelope(rs):
    if rs["target"].is_emulator:
        for i in range(11):
            assert create(rs, media.wav(1, variant=i)).status_code == 200
    first = rs["http"].get(f"{rs['api']}/detect", params={"page": 1, "page_size": 10}, timeout=60)
    assert first.status_code == 200, first.text
    page = first.json()
    assert {"success", "page", "num_pages", "page_size", "total_count", "items"} <= set(page)
    assert page["success"] is True and page["page"] == 1 and page["page_size"] == 10
    assert len(page["items"]) <= 10
    assert page["num_pages"] == math.ceil(page["total_count"] / 10)
    past = rs["http"].get(f"{rs['api']}/detect",
                          params={"page": page["num_pages"] + 1, "page_size": 10}, timeout=60)
    assert past.status_code == 200 and past.json()["items"] == []
    if rs["target"].is_emulator:
        assert page["total_count"] == 11 and page["num_pages"] == 2
        second = rs["http"].get(f"{rs['api']}/detect", params={"page": 2}, timeout=60).json()
        uuids = [i["uuid"] for i in page["items"]] + [i["uuid"] for i in second["items"]]
        assert len(set(uuids)) == 11


# ---- detect intelligence ----------------------------------------------------------------------------

def test_ask_a_question_about_a_completed_detect(rs):
    uuid = create(rs, media.wav(3), headers={"Prefer": "wait"}).json()["item"]["uuid"]
    r = rs["http"].post(f"{rs['api']}/detects/{uuid}/intelligence",
                        json={"query": "Does the voice sound synthetic?"}, timeout=60)
    assert r.status_code == 202, r.text
    question = r.json()["item"]
    assert question["detect_uuid"] == uuid and question["status"] == "pending"
    assert question["answer"] is None
    for _ in range(MAX_POLLS):
        q = rs["http"].get(f"{rs['api']}/detects/{uuid}/intelligence/{question['uuid']}",
                           timeout=60).json()["item"]
        if q["status"] in ("completed", "failed"):
            break
        pass_time(rs, 1)
    assert q["status"] == "completed" and isinstance(q["answer"], str)


# ---- documented errors ------------------------------------------------------------------------------

def test_unknown_detect_is_404_detect_not_found(rs):
    r = rs["http"].get(f"{rs['api']}/detect/{'0' * 32}", timeout=60)
    assert r.status_code == 404
    assert r.json() == {"success": False, "message": "Detect not found"}


def test_missing_token_is_401(rs):
    r = requests.get(f"{rs['api']}/detect", params={"page": 1}, timeout=60)
    assert r.status_code == 401
    assert r.json()["success"] is False


def test_question_without_query_is_400(rs):
    uuid = create(rs, media.wav(2), headers={"Prefer": "wait"}).json()["item"]["uuid"]
    r = rs["http"].post(f"{rs['api']}/detects/{uuid}/intelligence", json={}, timeout=60)
    assert r.status_code == 400
    assert r.json()["message"] == "query is required"


def test_empty_upload_is_400(rs):
    r = create(rs, b"")
    assert r.status_code == 400 and r.json()["success"] is False


@pytest.mark.mock_only
def test_zero_or_two_media_sources_are_400(rs):
    for body in ({}, {"url": "https://media.example.org/a.wav", "media_token": "x"}):
        r = rs["http"].post(f"{rs['api']}/detect", json=body, timeout=60)
        assert r.status_code == 400
        assert r.json() == {"success": False,
                            "message": "Exactly one of file, url, or media_token must be provided"}


# ---- callback ---------------------------------------------------------------------------------------

@pytest.mark.mock_only
def test_callback_received_by_a_local_receiver(rs):
    with LocalReceiver() as rx:
        r = create(rs, media.wav(3), callback_url=rx.url("/resemble-hook"))
        assert r.status_code == 200
        uuid = r.json()["item"]["uuid"]
        pass_time(rs, 3)
        body = rx.wait_for_post(timeout=30)
        assert rx.posts[0]["path"] == "/resemble-hook"
    assert body["success"] is True and body["item"]["uuid"] == uuid
    assert body["item"]["status"] == "completed"
    assert body == rs["http"].get(f"{rs['api']}/detect/{uuid}", timeout=60).json()
    entries = rs["target"].admin.find_requests(vendor="resemble", operation="callback")
    assert [e["status"] for e in entries] == [200]


# ---- run intelligence, watermarks, visualisations ----------------------------------------------

def secure_upload(rs, data: bytes) -> str:
    """A token for ``data`` uploaded as the vendor's Python SDK does: a file with no name."""
    r = requests.post(f"{rs['api']}/secure_uploads", files={"file": data},
                      headers=dict(rs["http"].headers), timeout=120)
    assert r.status_code == 200, r.text
    return r.json()["token"]


def test_run_intelligence_synchronously_with_json_fields(rs):
    token = secure_upload(rs, media.wav(3))
    r = rs["http"].post(f"{rs['api']}/intelligence", json={"media_token": token, "json": True},
                        timeout=120)
    assert r.status_code == 200, r.text
    item = r.json()["item"]
    assert item["media_type"] == "audio"
    assert {"speaker_info", "language", "transcription", "misinformation"} <= set(item["description"])
    again = rs["http"].get(f"{rs['api']}/intelligences/{item['uuid']}", timeout=60).json()["item"]
    assert again["uuid"] == item["uuid"] and again["description"] == item["description"]


def test_unknown_intelligence_is_404_with_item_null(rs):
    r = rs["http"].get(f"{rs['api']}/intelligences/{'0' * 32}", timeout=60)
    assert r.status_code == 404
    assert r.json() == {"success": False, "item": None, "message": "Not found"}


def test_visualisations_are_urls_to_png_images(rs):
    r = create(rs, media.wav(2), headers={"Prefer": "wait"}, visualize=True)
    image = r.json()["item"]["metrics"]["image"]
    assert image.startswith(("http://", "https://"))
    png = requests.get(image, timeout=60)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


@pytest.mark.mock_only
def test_watermark_apply_then_detect(rs):
    with LocalReceiver() as rx:
        wait = {"Prefer": "wait"}
        r = rs["http"].post(f"{rs['api']}/watermark/apply", headers=wait, timeout=120,
                            json={"url": rx.serve("/a.wav", media.wav(2))})
        assert r.status_code == 200, r.text
        marked = requests.get(r.json()["item"]["watermarked_media"], timeout=60).content
        r = rs["http"].post(f"{rs['api']}/watermark/detect", headers=wait, timeout=120,
                            json={"url": rx.serve("/w.wav", marked)})
        assert r.status_code == 200, r.text
        assert r.json()["item"]["metrics"]["has_watermark"] is True
        r = rs["http"].post(f"{rs['api']}/watermark/detect", timeout=120,
                            json={"url": rx.serve("/t.wav", b"not media " * 20)})
    assert r.status_code == 400
    assert r.json()["success"] is False and r.json()["error"] == "File must be valid media format"
