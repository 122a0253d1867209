"""create_app: settings -> runtime -> pipeline -> vendor blueprints -> admin API."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from flask import Flask, send_file

from .admin.routes import blueprint as admin_blueprint
from .core.clock import SharedClock
from .core.leases import clear_all
from .core.runtime import Runtime
from .core.specs import Specs
from .core.spool import Spool, Swept
from .core.store import open_store
from .registry import VENDORS, bootstrap
from .settings import Settings, load_settings
from .core.recordings import Recordings
from .web import access_log, pipeline, replay
from .web.jsonbody import DepthLimitedJSONProvider
from .web.methods import ExactAllowFlask
from .web.uploads import SpoolingRequest

SPEC_DIR = Path(__file__).resolve().parent / "openapi"


def vendor_configs() -> dict[str, type]:
    return {v.slug: v.config for v in VENDORS}


def create_app(settings: Settings | Mapping | None = None) -> Flask:
    """Build an emulator app. ``settings`` is a Settings, or overrides layered on top of the
    defaults, the optional settings file and the MOCKSERVER_* environment."""
    if not isinstance(settings, Settings):
        settings = load_settings(settings, vendor_configs=vendor_configs())
    vendors = {v.slug: v for v in VENDORS}
    if settings.vendor is not None and settings.vendor not in vendors:
        raise ValueError(f"unknown vendor {settings.vendor!r}; choose from {', '.join(vendors)}")
    single = vendors.get(settings.vendor) if settings.vendor else None

    app = ExactAllowFlask(__name__)
    app.request_class = SpoolingRequest
    app.json = DepthLimitedJSONProvider(app)
    app.json.sort_keys = False
    app.config["MAX_FORM_MEMORY_SIZE"] = 1 << 20
    rt = Runtime(settings, {v.slug: v.progression for v in VENDORS},
                 Specs(SPEC_DIR, {v.slug: v.spec for v in VENDORS}))
    app.extensions["deepfake_mock"] = rt

    if settings.access_log:
        access_log.install(app)  # before the pipeline: its line sees the final answer
    if settings.upstream is not None:
        from .web import proxy  # the validation proxy only: the emulator never loads it

        proxy.install(app, single, proxy.Upstream(settings.upstream, settings.worker_timeout),
                      settings.record)
    else:
        _install_emulator(app, vendors, single)
    for vendor in VENDORS:
        _serve_spec(app, vendor.slug, vendor.spec)
    app.register_blueprint(admin_blueprint, url_prefix="/_admin")
    _serve_spec(app, "_admin", "admin.yaml")
    bootstrap(rt)
    return app


def _install_emulator(app: Flask, vendors: dict, single) -> None:
    """The pipeline, the vendors' blueprints and their admin routes; with ``replay``, the
    recordings it answers from."""
    settings = app.extensions["deepfake_mock"].settings
    if settings.replay is not None:
        app.extensions[replay.EXTENSION] = Recordings(settings.replay)
    pipeline.install(app, vendors, single)
    for vendor in VENDORS:
        if single is None:
            app.register_blueprint(vendor.blueprint, url_prefix=f"/{vendor.slug}")
        elif vendor is single:
            app.register_blueprint(vendor.blueprint, url_prefix="")
        if vendor.admin is not None:
            app.register_blueprint(vendor.admin, url_prefix=f"/_admin/vendors/{vendor.slug}")


def start_up(settings: Settings) -> Swept:
    """Once per server start, before any worker exists: no request can be in flight on this
    state, so every lease of a previous run is forgotten (a recycled pid must not hold one), the
    previous run's per-process logs are folded into one, and the spool loses its orphans (uploads cut short by a kill, media whose state was lost)."""
    store = open_store(settings.state)
    clear_all(store)
    store.fold_logs(settings.journal_limit)
    clock = SharedClock(store, initial_mode=settings.clock, start=settings.clock_start)
    return Spool(settings.spool_dir, store, clock, max_bytes=settings.spool_max_bytes,
                 retention=settings.media_retention_s).sweep_orphans()


def _serve_spec(app: Flask, prefix: str, filename: str) -> None:
    def spec():
        return send_file(SPEC_DIR / filename, mimetype="application/yaml")
    app.add_url_rule(f"/{prefix}/openapi.yaml", f"spec_{prefix}", spec)
