"""Settings: one frozen object per app, layered defaults -> file -> MOCKSERVER_* env -> overrides.

Environment variables follow Flask's ``from_prefixed_env`` rules: the value is parsed as JSON
when it can be (else kept as a string) and ``__`` nests, so
``MOCKSERVER_VENDORS__PHONEXIA__RATE_LIMIT='{"limit": 5, "window": 60}'`` sets
``settings.vendors["phonexia"].rate_limit``. ``MOCKSERVER_CONFIG`` names a JSON or YAML file.

The merged layers are validated by pydantic before anything starts: the fields' annotations at
the top level, and under ``vendors.<slug>`` the fields of that vendor's config, a frozen
dataclass (its ``config.py``) whose defaults are the bottom layer. Every problem is one line of a
SettingsError naming the key, the value given and what is allowed; a config's own checks
(``__post_init__``) raise ValueError, reported as their message. ``settings.vendors[slug]`` is
that config, built once here and handed to every hook and view of the vendor.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from types import MappingProxyType
from typing import Annotated, Any, Literal, Mapping, get_type_hints
from urllib.parse import urlsplit

import yaml
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

PREFIX = "MOCKSERVER_"


class SettingsError(ValueError):
    """Settings the emulator cannot start with: one line per problem."""


@dataclass(frozen=True)
class Settings:
    __pydantic_config__ = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

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
    clock: Literal["system", "manual"] = "system"  # "manual": frozen until moved
    clock_start: float | None = None          # manual clock's first instant (epoch seconds)
    journal_limit: int = 1000                 # entries kept; older ones are dropped
    worker_timeout: int = 300                 # s a request may run (gunicorn's timeout); leases end
    vendor: str | None = None                 # single-vendor mode: that vendor at the root
    upstream: str | None = None               # validation proxy of `vendor`: forward there
    record: str | None = None                 # the proxy writes each exchange in this folder
    replay: str | None = None                 # answer from these recordings before emulating
    access_log: bool = True                   # one line per request on stdout (serve)
    fail_fast: bool = False                   # re-raise unexpected exceptions (for debugging)
    strict: Literal["off", "record", "reject"] = "off"  # requests checked against the spec
    admin_token: str | None = None            # set: every admin request needs Bearer <token>
    admin_hosts: tuple[str, ...] = ()         # Host names the admin API answers besides loopback
    secret_headers: tuple[str, ...] = ("authorization", "x-api-key", "cookie",
                                       "proxy-authorization", "x-auth-token")
    secret_fields: tuple[str, ...] = ("password", "sign", "signature", "secret", "api_secret",
                                      "token", "api_key", "private_key")
    vendors: Mapping[str, Any] = field(default_factory=dict)   # slug -> that vendor's config


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
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) if path.endswith((".yaml", ".yml")) else json.load(fh)
    except OSError as exc:
        raise SettingsError(f"settings file {path}: {exc.strerror}") from None
    except (ValueError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())
        raise SettingsError(f"settings file {path}: not {_file_format(path)}: {reason}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"settings file {path}: settings must be a mapping")
    return data


def _file_format(path: str) -> str:
    return "YAML" if path.endswith((".yaml", ".yml")) else "JSON"


def load_settings(overrides: Mapping | None = None, *, env: Mapping[str, str] | None = None,
                  vendor_configs: Mapping[str, type] | None = None) -> Settings:
    """The settings, with each vendor of ``vendor_configs`` (slug -> config dataclass) built
    from its defaults and every layer."""
    env = os.environ if env is None else env
    vendor_configs = vendor_configs or {}
    merged: dict = {"vendors": {slug: asdict(config()) for slug, config in vendor_configs.items()}}
    config_file = (overrides or {}).get("config") or env.get(PREFIX + "CONFIG")
    if config_file:
        merged = deep_merge(merged, _from_file(config_file))
    merged = deep_merge(merged, _from_env(env))
    merged = deep_merge(merged, {k: v for k, v in (overrides or {}).items() if k != "config"})
    return validate(merged, vendor_configs)


# ---- validation ----------------------------------------------------------------------------

@with_config(ConfigDict(extra="forbid"))
class RateLimit(TypedDict):
    limit: Annotated[int, Field(ge=0)]
    window: Annotated[int | float, Field(gt=0)]


def validate(merged: dict, vendor_configs: Mapping[str, type]) -> Settings:
    """The Settings for ``merged`` (defaults and every layer), or a SettingsError listing each
    unknown key, wrong type and value outside its choices."""
    known = {(): [f.name for f in fields(Settings)], ("vendors",): list(vendor_configs)}
    for slug, config in vendor_configs.items():
        known[("vendors", slug)] = [f.name for f in fields(config)]
        known[("vendors", slug, "rate_limit")] = list(RateLimit.__annotations__)
    problems: list[str] = []
    try:
        settings = TypeAdapter(Settings).validate_python(merged)
    except ValidationError as exc:
        problems += [_problem(error, (), known) for error in exc.errors()]
    try:
        vendors = TypeAdapter(_vendors_type(vendor_configs)).validate_python(merged["vendors"])
    except ValidationError as exc:
        if isinstance(merged["vendors"], Mapping):  # else the line above named it already
            problems += [_problem(error, ("vendors",), known) for error in exc.errors()]
    if not problems and settings.vendor is not None and settings.vendor not in vendor_configs:
        problems.append(f"setting vendor: {settings.vendor!r} given; input should be one of "
                        f"{', '.join(vendor_configs)}")
    if not problems:
        problems += _proxy_problems(settings)
    if not problems:
        try:
            built = {slug: vendor_configs[slug](**values) for slug, values in vendors.items()}
        except ValueError as exc:  # a config's own check
            problems.append(str(exc))
    if problems:
        raise SettingsError("\n".join(problems))
    return replace(settings, vendors=MappingProxyType(built))


def _proxy_problems(settings: Settings) -> list[str]:
    """The validation proxy's settings go together: one vendor, an http(s) upstream."""
    if settings.upstream is None:
        return ["setting record: only the validation proxy records (set upstream too)"
                ] if settings.record is not None else []
    problems = []
    if settings.vendor is None:
        problems.append("setting upstream: the proxy serves one vendor; set vendor too")
    parts = urlsplit(settings.upstream)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(f"setting upstream: {settings.upstream!r} given; an http:// or "
                        "https:// URL is required")
    if settings.replay is not None:
        problems.append("setting replay: the proxy forwards every request; replay is serve's")
    return problems


def _vendors_type(vendor_configs: Mapping[str, type]) -> type:
    """A TypedDict of the vendors' settings: each vendor's config fields with their types."""
    per_vendor = {slug: _closed(TypedDict(slug, {f.name: hints[f.name] for f in fields(config)}))
                  for slug, config in vendor_configs.items()
                  for hints in [get_type_hints(config, include_extras=True)]}
    return _closed(TypedDict("vendors", per_vendor, total=False))


def _closed(typed_dict: type) -> type:
    """No unknown keys; a number given for a text setting is its text (as at the top level: an
    environment value such as ``4.1`` parses as JSON)."""
    typed_dict.__pydantic_config__ = ConfigDict(extra="forbid", coerce_numbers_to_str=True)
    return typed_dict


def _problem(error: dict, prefix: tuple, known: Mapping[tuple, list[str]]) -> str:
    """One line: the key (dotted), what was given and what is allowed."""
    loc = prefix + tuple(error["loc"])
    key = ".".join(map(str, loc))
    if error["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        allowed = known.get(loc[:-1])  # known for the levels named by a field
        return f"setting {key}: unknown" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if error["type"] == "missing":
        return f"setting {key}: missing; it is required"
    given = repr(error["input"])
    given = given if len(given) <= 60 else given[:57] + "..."
    return f"setting {key}: {given} given; {error['msg'][0].lower()}{error['msg'][1:]}"


def as_dict(settings: Settings) -> dict:
    """Plain JSON-able view of the settings (for the admin API and ``deepfake-mock settings``)."""
    def plain(value):
        if is_dataclass(value):
            return plain(asdict(value))
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value
    return {f.name: plain(getattr(settings, f.name)) for f in fields(Settings)}
