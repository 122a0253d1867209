"""deepfake-api-mock: a local emulator of commercial deepfake-detection APIs."""

__version__ = "0.2.0"


def running(*args, **kwargs):
    """``with deepfake_mock.running() as server:``: see ``embedded.running`` (imported on first
    use, so that a server process does not load the admin client)."""
    from .embedded import running as run
    return run(*args, **kwargs)


def create_app(settings=None):
    from .app import create_app as build
    return build(settings)
