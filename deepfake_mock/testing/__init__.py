"""Helpers for tests that drive the emulator: ``media`` (real media files made on the fly),
``target`` (the server under test), ``server`` (gunicorn in a subprocess), ``server_pool`` and
``http_client`` (server mode), ``receiver`` (a loopback callback receiver), ``clock`` (a manual
clock for unit tests), ``finauth_vectors`` (FinAuth's worked signatures)."""
