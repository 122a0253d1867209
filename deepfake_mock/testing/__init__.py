"""Helpers for tests that drive the emulator: real media files made on the fly."""
