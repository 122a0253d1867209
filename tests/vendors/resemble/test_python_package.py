"""The emulator driven over HTTP exactly as Resemble's Python package (``resemble`` 1.9,
``Resemble.v2.deepfake_detection``) drives the real API.

What the package sends, request by request:

- every Detect call carries ``Authorization: Token token=<key>``; ``detect`` and ``get`` also send
  ``Content-Type: application/json`` (``get`` with no body at all);
- a file is first sent to ``POST {base}v2/secure_uploads`` as multipart field ``file`` (a file
  object: the part has the file's base name and no Content-Type), with only the Authorization
  header; the reply's ``success`` and ``token`` are read;
- ``POST {base}v2/detect`` gets a JSON body of the options that are not None, with ``url`` or
  ``media_token``, and ``Prefer: wait`` when ``synchronous``;
- ``detect_and_get`` polls ``GET {base}v2/detect/{uuid}`` until ``item.status`` is
  ``completed`` or ``failed``.

The base URL is settable in the package (``Resemble.base_url(...)``, default
``https://app.resemble.ai/api/``); here it is the emulator's.
"""

from __future__ import annotations

import io

import pytest
import requests

from deepfake_mock.testing import media

TOKEN = "resemble-test-token"


class PackageLikeClient:
    """The HTTP of ``resemble`` 1.9's deepfake detection calls, and nothing more."""

    def __init__(self, base_url: str, api_key: str):
        self.base_url = base_url            # ends with "/api/", like the package's default
        self.headers = {"Content-Type": "application/json",
                        "Authorization": f"Token token={api_key}"}

    def endpoint(self, path: str) -> str:
        return f"{self.base_url}v2/{path.lstrip('/')}"

    def secure_upload(self, file) -> dict:
        r = requests.post(self.endpoint("secure_uploads"),
                          headers={"Authorization": self.headers["Authorization"]},
                          files={"file": file}, timeout=60)
        return r.json()

    def detect(self, url=None, file=None, synchronous=False, **options) -> dict:
        media_token = None
        if file is not None:
            upload = self.secure_upload(file)
            if not upload.get("success"):
                return upload
            media_token = upload["token"]
        body = {k: v for k, v in {"url": url, "media_token": media_token, **options}.items()
                if v is not None}
        headers = dict(self.headers)
        if synchronous:
            headers["Prefer"] = "wait"
        return requests.post(self.endpoint("detect"), headers=headers, json=body,
                             timeout=60).json()

    def get(self, uuid: str) -> dict:
        return requests.get(self.endpoint(f"detect/{uuid}"), headers=self.headers,
                            timeout=60).json()

    def detect_and_get(self, retries: int = 10, **kwargs) -> dict:
        created = self.detect(**kwargs)
        if not created.get("success"):
            return created
        for _ in range(retries):  # the package sleeps wait_time between polls; polls move us
            got = self.get(created["item"]["uuid"])
            if not got.get("success") or got["item"].get("status") in ("completed", "failed"):
                return got
        return created


@pytest.fixture
def package(mockserver, tmp_path):
    mockserver.admin.set_progression("resemble", "after_polls", 2)
    return PackageLikeClient(f"{mockserver.url('resemble')}/api/", TOKEN)


def test_file_goes_through_secure_upload_then_media_token(package, mockserver, tmp_path):
    path = tmp_path / "interview.wav"
    path.write_bytes(media.wav(5))
    with open(path, "rb") as fh:
        result = package.detect_and_get(file=fh, frame_length=1, visualize=None,
                                        audio_source_tracing=True)
    assert result["success"] is True
    item = result["item"]
    assert item["status"] == "completed" and item["media_type"] == "audio"
    assert item["filename"] == "interview.wav"
    assert len(item["metrics"]["score"]) == 5
    assert item["audio_source_tracing_enabled"] is True
    journal = mockserver.admin.find_requests(vendor="resemble")
    assert [e["operation"] for e in journal] == [
        "create_secure_upload", "create_detection", "get_detection", "get_detection"]
    upload, create = journal[0], journal[1]
    assert upload["body"]["files"][0]["filename"] == "interview.wav"
    assert upload["headers"]["Authorization"].startswith("Token ")
    assert set(create["body"]["json"]) == {"media_token", "frame_length", "audio_source_tracing"}


def test_synchronous_detect_by_url(package, mockserver):
    from deepfake_mock.testing.receiver import LocalReceiver

    with LocalReceiver() as rx:
        url = rx.serve("/media/portrait.jpg", media.image("jpeg", 200, 150))
        result = package.detect(url=url, synchronous=True, use_reverse_search=True,
                                zero_retention_mode=True)
    item = result["item"]
    assert item["status"] == "completed" and item["media_type"] == "image"
    assert "reverse_image_search_sources" in item["image_metrics"]
    assert item["url"] is None and item["filename"].startswith("redacted_")
    assert item["media_deleted"] is True


def test_errors_come_back_as_the_package_reads_them(package):
    wrong = PackageLikeClient(package.base_url, "not-a-key")
    assert wrong.get("0" * 32) == {"success": False, "message": "Invalid or missing API token"}
    assert package.get("0" * 32) == {"success": False, "message": "Detect not found"}
    refused = package.detect(url="https://www.example.com/clip.wav", synchronous=True)
    assert refused["item"]["status"] == "failed"
    assert refused["item"]["error_message"] == "Unable to download media from url"


def test_upload_failure_stops_before_detect(package, mockserver, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not media")
    with open(path, "rb") as fh:
        result = package.detect(file=fh)
    assert result["success"] is False and result["message"] == "File must be valid media format"
    assert [e["operation"] for e in mockserver.admin.find_requests(vendor="resemble")] == [
        "create_secure_upload"]


def test_a_file_object_without_a_name_is_judged_by_its_bytes(package, mockserver):
    result = package.detect(file=io.BytesIO(media.wav(2)))
    assert result["success"] is True, result
