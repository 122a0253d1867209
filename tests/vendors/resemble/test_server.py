"""Resemble through the real server: gunicorn with two workers sharing a SQLite state file.
Callbacks come from the background delivery threads of the worker processes: exactly once,
whichever process sees the detect finish, and still after a restart."""

from __future__ import annotations

import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess, wait_until
from deepfake_mock.testing.receiver import LocalReceiver

AUTH = {"Authorization": "Bearer resemble-test-token"}
ENV = {"MOCKSERVER_VENDORS__RESEMBLE__CALLBACK_POLL_INTERVAL_SECONDS": "0.05"}
START = 1_767_225_600.0


def create(url: str, callback: str) -> dict:
    r = requests.post(f"{url}/resemble/api/v2/detect", headers=AUTH, timeout=30,
                      files={"file": ("clip.wav", media.wav(4), "audio/wav")},
                      data={"callback_url": callback})
    assert r.status_code == 200, r.text
    return r.json()["item"]


def callbacks(url: str) -> list[dict]:
    return requests.get(f"{url}/_admin/vendors/resemble/callbacks", timeout=30).json()["callbacks"]


def get(url: str, uuid: str) -> dict:
    r = requests.get(f"{url}/resemble/api/v2/detect/{uuid}", headers=AUTH, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["item"]


def test_one_callback_across_two_workers_and_a_restart(tmp_path):
    state = {"state": tmp_path / "state.sqlite3", "spool_dir": tmp_path / "spool"}
    with LocalReceiver() as rx:
        rx.answer_with(500)  # the first delivery fails; its retry comes after the restart
        with ServerProcess(workers=2, env=ENV, **state) as server:
            admin = AdminClient(server.url)
            admin.set_clock(START)
            item = create(server.url, rx.url("/hook"))
            statuses = {get(server.url, item["uuid"])["status"] for _ in range(6)}
            assert statuses == {"processing"}
            admin.advance_clock(3)
            first = rx.wait_for_post(1, timeout=20)
            assert first["item"]["status"] == "completed"
            done = get(server.url, item["uuid"])
            assert first == {"success": True, "item": done}
        assert len(rx.posts) == 1

        with ServerProcess(workers=2, env=ENV, **state) as server:
            admin = AdminClient(server.url)
            assert get(server.url, item["uuid"]) == done     # state survived the restart
            admin.advance_clock(1)                           # the retry's backoff
            get(server.url, item["uuid"])                    # any request wakes a delivery thread
            second = rx.wait_for_post(2, timeout=20)
            assert second == first
            wait_until(lambda: callbacks(server.url)[0]["state"] == "delivered",
                       "the delivery recorded as delivered once the receiver answered")
            (delivery,) = callbacks(server.url)
            assert delivery["state"] == "delivered"
            assert [a["status"] for a in delivery["attempts"]] == [500, 200]
            assert [e["status"] for e in admin.find_requests(operation="callback")] == [500, 200]
        assert len(rx.posts) == 2


def test_watermark_intelligence_and_visualisations_through_gunicorn(tmp_path):
    """Watermark a served file, fetch the watermarked media from the emulator's URL in another
    worker, detect the mark; a nameless upload (as the vendor's SDK sends it) gets a heatmap at
    a URL on the called host; Run Intelligence answers synchronously."""
    state = {"state": tmp_path / "state.sqlite3", "spool_dir": tmp_path / "spool"}
    api_wait = {**AUTH, "Prefer": "wait"}
    with LocalReceiver() as rx, ServerProcess(workers=2, env=ENV, **state) as server:
        api = f"{server.url}/resemble/api/v2"
        source = rx.serve("/media/a.wav", media.wav(2))
        applied = requests.post(f"{api}/watermark/apply", json={"url": source},
                                headers=api_wait, timeout=30).json()["item"]
        assert applied["watermarked_media"].startswith(f"{server.url}/resemble/files/")
        marked = requests.get(applied["watermarked_media"], timeout=30)
        assert marked.status_code == 200 and marked.content.startswith(media.wav(2))
        found = requests.post(f"{api}/watermark/detect",
                              json={"url": rx.serve("/media/w.wav", marked.content)},
                              headers=api_wait, timeout=30).json()["item"]
        assert found["metrics"]["has_watermark"] is True

        r = requests.post(f"{api}/detect", headers=api_wait, timeout=30, data={"visualize": "true"},
                          files={"file": ("file", media.wav(2))})
        heatmap = r.json()["item"]["metrics"]["image"]
        assert heatmap.startswith(f"{server.url}/resemble/files/")
        png = requests.get(heatmap, timeout=30)
        assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"

        r = requests.post(f"{api}/intelligence", json={"url": source, "json": True},
                          headers=AUTH, timeout=30)
        assert r.status_code == 200 and r.json()["item"]["description"]["language"] == "en"
