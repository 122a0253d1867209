"""Settings for tests that detect ``url`` media read from a local folder."""

from __future__ import annotations

BASE = "https://m.example/"


def serve_url_media(settings: dict, media_dir) -> dict:
    """``settings`` with ``url`` media under BASE read from ``media_dir``, and no background
    callback thread."""
    settings["vendors"] = {"resemble": {"callback_worker": False,
                                        "media_dirs": {BASE: str(media_dir)}}}
    return settings
