"""deepfake-api-mock: a local emulator of commercial deepfake-detection APIs."""

__version__ = "0.2.0"

from .embedded import running  # noqa: E402  (with deepfake_mock.running() as server: ...)


def create_app(settings=None):
    from .app import create_app as build
    return build(settings)
