"""Fixtures in the Flask tutorial's style: an app with a memory store and a manual clock."""

from __future__ import annotations

import pytest

from deepfake_mock import create_app
from deepfake_mock.admin.client import AdminClient

CLOCK_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture
def settings(tmp_path):
    """Overrides for create_app; a test may update this dict before ``app`` is built."""
    return {"state": "memory", "spool_dir": str(tmp_path / "spool"), "clock": "manual",
            "clock_start": CLOCK_START}


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(client):
    """An AdminClient speaking to the app through its test client."""
    return AdminClient.for_test_client(client)
