"""Settings: one frozen object per app, layered defaults -> file -> MOCKSERVER_* env -> overrides.

Environment variables follow Flask's ``from_prefixed_env`` rules: the value is parsed as JSON
when it can be (else kept as a string) and ``__`` nests, so
``MOCKSERVER_VENDORS__PHONEXIA__RATE_LIMIT='{"limit": 5, "window": 60}'`` sets
``settings.vendors["phonexia"]["rate_limit"]``. ``MOCKSERVER_CONFIG`` names a JSON or YAML file.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping

import yaml

PREFIX = "MOCKSERVER_"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4
    state: str = "var/state.sqlite3"          # SQLite file, or "memory"
    spool_dir: str = "var/spool"              # uploads land here, streamed
    spool_max_bytes: int | None = 2 << 30     # the spool's total; past it uploads are refused
    media_retention_s: float | None = 86400.0  # kept media are deleted this long after (clock)
    max_image_pixels: int = 40_000_000        # larger images are refused from their header
    max_media_seconds: float = 14_400.0       # longer audio/video is refused (header, demux)
    seed: int = 0
    clock: str = "system"                     # "system", or "manual" (frozen until moved)
    clock_start: float | None = None          # manual clock's first instant (epoch seconds)
    journal_limit: int = 1000                 # entries kept; older ones are dropped
    worker_timeout: int = 300                 # s a request may run (gunicorn's timeout); leases end
    vendor: str | None = None                 # single-vendor mode: that vendor at the root
    fail_fast: bool = False                   # re-raise unexpected exceptions (for debugging)
    strict: str = "off"                       # requests checked against the spec: off|record|reject
    admin_token: str | None = None            # set: every admin request needs Bearer <token>
    admin_hosts: tuple[str, ...] = ()         # Host names the admin API answers besides loopback
    secret_headers: tuple[str, ...] = ("authorization", "x-api-key", "cookie",
                                       "proxy-authorization", "x-auth-token")
    secret_fields: tuple[str, ...] = ("password", "sign", "signature", "secret", "api_secret",
                                      "token", "api_key", "private_key")
    vendors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def vendor_settings(self, slug: str) -> Mapping[str, Any]:
        return self.vendors.get(slug, MappingProxyType({}))


def deep_merge(base: dict, extra: Mapping) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _from_env(env: Mapping[str, str]) -> dict:
    layer: dict = {}
    for name, raw in env.items():
        if not name.startswith(PREFIX) or name == PREFIX + "CONFIG":
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        *parents, leaf = name[len(PREFIX):].lower().split("__")
        node = layer
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return layer


def _from_file(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) if path.endswith((".yaml", ".yml")) else json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: settings must be a mapping")
    return data


def load_settings(overrides: Mapping | None = None, *, env: Mapping[str, str] | None = None,
                  vendor_defaults: Mapping[str, Mapping] | None = None) -> Settings:
    env = os.environ if env is None else env
    merged: dict = {"vendors": {k: dict(v) for k, v in (vendor_defaults or {}).items()}}
    config_file = (overrides or {}).get("config") or env.get(PREFIX + "CONFIG")
    if config_file:
        merged = deep_merge(merged, _from_file(config_file))
    merged = deep_merge(merged, _from_env(env))
    merged = deep_merge(merged, {k: v for k, v in (overrides or {}).items() if k != "config"})
    known = {f.name for f in fields(Settings)}
    unknown = set(merged) - known
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    merged["vendors"] = MappingProxyType({k: MappingProxyType(v) for k, v in merged["vendors"].items()})
    for key in ("secret_headers", "secret_fields"):
        if key in merged:
            merged[key] = tuple(merged[key])
    return Settings(**merged)


def as_dict(settings: Settings) -> dict:
    """Plain JSON-able view of the settings (for the admin API and ``deepfake-mock settings``)."""
    def plain(value):
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value
    return {f.name: plain(getattr(settings, f.name)) for f in fields(Settings)}
