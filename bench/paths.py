"""The hot paths, prepared on a running emulator: finished tasks to poll, lists of 20 to read,
and the synchronous detects of GLAIR and FinAuth with a small real media."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import requests

from deepfake_mock.admin.client import AdminClient
from deepfake_mock.testing import media
from deepfake_mock.vendors.finauth.signing import make_sign

from .load import Request

PHONEXIA = "/phonexia/api/technology/experimental/authenticity-verification"
RESEMBLE_AUTH = {"Authorization": "Bearer resemble-test-token"}
HIYA_AUTH = {"Authorization": "Bearer hiya-key-user-a"}
GLAIR_AUTH = {"x-api-key": "test-key", "Authorization": "Basic " + base64.b64encode(b"user:pass").decode()}
FINAUTH_KEY, FINAUTH_SECRET = "TESTKEY_abcdefghijklmnopqrstuvwx", "TESTSECRET_0123456789abcdefghijk"
LIST_SIZE = 20


@dataclass(frozen=True)
class HotPath:
    name: str
    request: Request
    goal: bool   # held to the goals (the reads); the synchronous detects are reported beside


def prepare(url: str, admin: AdminClient) -> list[HotPath]:
    return [*_phonexia(url, admin), *_resemble(url, admin), *_hiya(url), *_detects(url, admin)]


def _phonexia(url, admin):
    admin.set_progression("phonexia", "immediate")
    r = requests.post(f"{url}{PHONEXIA}", files={"file": ("a.wav", media.wav(5))}, timeout=30)
    return [HotPath("phonexia poll (done task)", Request(f"{url}{r.headers['X-Location']}"), True)]


def _resemble(url, admin):
    admin.set_rate_limit("resemble", None)  # the documented 40/s per token would cap the run
    admin.set_progression("resemble", "immediate")
    detects = f"{url}/resemble/api/v2/detect"
    for variant in range(LIST_SIZE):
        r = requests.post(detects, headers=RESEMBLE_AUTH, timeout=60,
                          files={"file": ("a.wav", media.wav(4, variant=variant), "audio/wav")})
    uuid = r.json()["item"]["uuid"]
    return [HotPath("resemble get detect", Request(f"{detects}/{uuid}", headers=RESEMBLE_AUTH), True),
            HotPath(f"resemble list detects ({LIST_SIZE})",
                    Request(f"{detects}?page=1&page_size={LIST_SIZE}", headers=RESEMBLE_AUTH), True)]


def _hiya(url):
    space = f"{url}/hiya/v1/spaces/user-a/main"
    for variant in range(LIST_SIZE):
        audio = requests.post(f"{space}/audios", headers=HIYA_AUTH, timeout=60, json={
            "file": base64.b64encode(media.wav(4, variant=variant)).decode()}).json()
        verification = requests.post(f"{space}/verifications/authenticity", headers=HIYA_AUTH,
                                     timeout=60, json={"audio": audio["handle"], "model": "digital"}).json()
    verifications = f"{space}/verifications/authenticity"
    return [HotPath("hiya get verification",
                    Request(f"{verifications}/{verification['handle']}", headers=HIYA_AUTH), True),
            HotPath(f"hiya list verifications ({LIST_SIZE})",
                    Request(f"{verifications}?page-size={LIST_SIZE}", headers=HIYA_AUTH), True)]


def _detects(url, admin):
    admin.set_rate_limit("glair", None)
    admin.set_rate_limit("finauth", None)
    glair = requests.Request("POST", f"{url}/glair/face/v1/deepfake", headers=GLAIR_AUTH, files={
        "video": ("clip.mp4", media.video(seconds=1), "video/mp4")}).prepare()
    sign = make_sign(FINAUTH_KEY, FINAUTH_SECRET, 3600)  # reusable for the whole run
    finauth = requests.Request("POST", f"{url}/finauth/finauth/v5/anti_deepfake", files={
        "image": ("face.jpg", media.image("jpeg"), "image/jpeg"), "data_type": (None, "0"),
        "sign_version": (None, "hmac_sha1"), "sign": (None, sign)}).prepare()
    return [HotPath(f"{name} (small {kind})", Request(p.url, "POST", {
                        k: v for k, v in p.headers.items() if k != "Content-Length"}, p.body), False)
            for name, kind, p in (("glair detect video", "mp4", glair),
                                  ("finauth anti_deepfake", "jpeg", finauth))]


def answer(path: HotPath) -> dict:
    """The emulator's answer on ``path`` (status and JSON body), for the yardstick to serve."""
    req = path.request
    r = requests.request(req.method, req.url, headers=req.headers, data=req.body, timeout=60)
    r.raise_for_status()
    return {"status": r.status_code, "body": r.json()}
