"""``deepfake_mock.running()``: the in-process emulator for code outside pytest."""

import socket

import pytest
import requests

import deepfake_mock
from deepfake_mock.testing import media

START = "/api/technology/experimental/authenticity-verification"


def test_serves_every_vendor_on_a_free_loopback_port_then_stops():
    with deepfake_mock.running() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.url("glair") == f"{server.base_url}/glair"
        r = requests.post(server.url("phonexia") + START,
                          files={"file": ("a.wav", media.wav(4))}, timeout=10)
        assert r.status_code == 202
        assert [e["operation"] for e in server.journal] == ["start_authenticity_verification"]
        port = int(server.base_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_manual_clock_by_default_and_settings_pass_through():
    with deepfake_mock.running() as server:
        assert requests.get(server.base_url + "/_admin/clock", timeout=10).json()["mode"] == "manual"
        before = server.admin.get_clock()
        assert server.admin.get_clock() == before
    with deepfake_mock.running(clock="system", seed=7) as server:
        assert requests.get(server.base_url + "/_admin/clock", timeout=10).json()["mode"] == "system"
        assert server.admin.get_seed() == 7


def test_one_vendor_at_the_root():
    with deepfake_mock.running("glair") as server:
        assert server.url("glair") == server.base_url
        assert [v["slug"] for v in server.admin.list_vendors()] == ["glair"]
        r = requests.post(server.url("glair") + "/face/v1/deepfake", timeout=10)
        assert r.status_code == 401
