"""Routes and specs agree in both directions.

Every route of a registered vendor's blueprint is an operation of ``openapi/<slug>.yaml`` (at
the vendor's real path, without the ``/<slug>`` prefix) whose operationId is the view's name,
and every operation of that spec is a route; the same for the admin blueprint (and any
vendor-specific admin blueprint) against ``openapi/admin.yaml``, whose paths keep ``/_admin``.
Path parameters are compared by position, not by name, as OpenAPI compares path templates. A
route may also carry the base path of one of the spec's ``servers`` (Hiya's
``/audiointel/{region}``), since the operation's real URL is the server URL plus its path.
Every ``openapi/*.yaml`` is a valid OpenAPI document.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from openapi_spec_validator import validate

from deepfake_mock import create_app
from deepfake_mock.app import SPEC_DIR
from deepfake_mock.registry import VENDORS

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}  # Flask adds these to every route
ADMIN = "admin"
TARGETS = [v.slug for v in VENDORS] + [ADMIN]


@pytest.fixture(scope="module")
def combined_app(tmp_path_factory):
    return create_app({"state": "memory", "spool_dir": str(tmp_path_factory.mktemp("spool")),
                       "clock": "manual"})


def load_spec(filename: str) -> dict:
    path = Path(SPEC_DIR) / filename
    assert path.is_file(), f"openapi/{filename} is missing"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def shape(path: str) -> str:
    """``/a/{x}/b`` and ``/a/<y>/b`` and ``/a/<int:z>/b`` all become ``/a/{}/b``."""
    path = re.sub(r"<(?:[^<>:]+:)?[^<>]+>", "{}", path)
    return re.sub(r"\{[^{}]*\}", "{}", path)


def in_blueprint(endpoint: str, blueprint: str) -> bool:
    return endpoint.startswith(blueprint + ".")


def target_of(slug: str):
    """(spec file, blueprint names, URL prefix to strip) of one vendor or of the admin API."""
    if slug == ADMIN:
        blueprints = {ADMIN} | {v.admin.name for v in VENDORS if v.admin is not None}
        return "admin.yaml", blueprints, ""
    vendor = next(v for v in VENDORS if v.slug == slug)
    return vendor.spec, {vendor.blueprint.name}, f"/{slug}"


def route_operations(app, blueprints: set[str], prefix: str) -> list[tuple[str, str, str]]:
    """[(path shape, method, view name)] of the app's routes in these blueprints."""
    found = []
    for rule in app.url_map.iter_rules():
        if not any(in_blueprint(rule.endpoint, bp) for bp in blueprints):
            continue
        assert rule.rule.startswith(prefix), f"{rule.rule} is not under {prefix}"
        path = rule.rule[len(prefix):] or "/"
        name = rule.endpoint.rsplit(".", 1)[1]
        found += [(shape(path), method.lower(), name)
                  for method in sorted(rule.methods - AUTOMATIC_METHODS)]
    return found


def spec_operations(spec: dict) -> dict[tuple[str, str], str | None]:
    """{(path shape, method): operationId} of a spec."""
    found: dict[tuple[str, str], str | None] = {}
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if method in item:
                found[(shape(path), method)] = item[method].get("operationId")
    return found


def server_bases(spec: dict) -> list[str]:
    """The path shapes of the spec's server URLs, and the empty base."""
    bases = {""}
    for server in spec.get("servers") or ():
        bases.add(shape(urlsplit(server.get("url", "")).path.rstrip("/")))
    return sorted(bases, key=len, reverse=True)


def matched(routes, spec: dict) -> dict[tuple[str, str, str], tuple[str, str] | None]:
    """Each route and the spec operation (path shape, method) it serves, or None."""
    operations = spec_operations(spec)
    found = {}
    for path, method, name in routes:
        candidates = [(path[len(base):], method) for base in server_bases(spec)
                      if path.startswith(base) and path[len(base):].startswith("/")]
        found[(path, method, name)] = next((c for c in candidates if c in operations), None)
    return found


def describe(key: tuple[str, str]) -> str:
    return f"{key[1].upper()} {key[0]}"


# ---- both directions, per vendor and for the admin API ---------------------------------------

@pytest.mark.parametrize("slug", [v.slug for v in VENDORS])
def test_each_vendor_names_its_spec_after_itself(slug):
    vendor = next(v for v in VENDORS if v.slug == slug)
    assert vendor.spec == f"{slug}.yaml"
    load_spec(vendor.spec)


@pytest.mark.parametrize("slug", TARGETS)
def test_every_route_is_an_operation_of_the_spec(combined_app, slug):
    filename, blueprints, prefix = target_of(slug)
    spec = load_spec(filename)
    operations = spec_operations(spec)
    routes = matched(route_operations(combined_app, blueprints, prefix), spec)
    assert routes, f"{slug} has no routes"
    missing = [describe(r[:2]) for r, op in routes.items() if op is None]
    assert not missing, f"routes missing from openapi/{filename}: {missing}"
    wrong = {describe(op): (operations[op], r[2]) for r, op in routes.items()
             if operations[op] != r[2]}
    assert not wrong, f"operationId != view name in openapi/{filename} (spec, view): {wrong}"


@pytest.mark.parametrize("slug", TARGETS)
def test_every_operation_of_the_spec_is_a_route(combined_app, slug):
    filename, blueprints, prefix = target_of(slug)
    spec = load_spec(filename)
    operations = spec_operations(spec)
    routed = set(matched(route_operations(combined_app, blueprints, prefix), spec).values())
    assert operations, f"openapi/{filename} has no operations"
    unrouted = [describe(k) for k in operations if k not in routed]
    assert not unrouted, f"operations of openapi/{filename} without a route: {unrouted}"


def test_every_route_belongs_to_a_spec(combined_app):
    """No route outside the vendor and admin blueprints, apart from static and served specs."""
    blueprints = set()
    for slug in TARGETS:
        blueprints |= target_of(slug)[1]
    strays = [rule.rule for rule in combined_app.url_map.iter_rules()
              if rule.endpoint != "static" and not rule.endpoint.startswith("spec_")
              and not any(in_blueprint(rule.endpoint, bp) for bp in blueprints)]
    assert not strays, f"routes that no spec covers: {strays}"


@pytest.mark.parametrize("slug", [v.slug for v in VENDORS] + ["_admin"])
def test_each_spec_is_served(combined_app, slug):
    filename = "admin.yaml" if slug == "_admin" else target_of(slug)[0]
    expected = (Path(SPEC_DIR) / filename).read_bytes()
    r = combined_app.test_client().get(f"/{slug}/openapi.yaml")
    assert (r.status_code, r.mimetype, r.get_data()) == (200, "application/yaml", expected)


# ---- every spec is valid ---------------------------------------------------------------------

SPEC_FILES = sorted(p.name for p in Path(SPEC_DIR).glob("*.yaml"))


def test_the_specs_are_there():
    assert "admin.yaml" in SPEC_FILES


@pytest.mark.parametrize("filename", SPEC_FILES)
def test_spec_is_valid_openapi(filename):
    spec = load_spec(filename)
    assert str(spec.get("openapi", "")).startswith("3."), f"{filename} is not OpenAPI 3"
    validate(spec)
    ids = [op.get("operationId") for item in spec["paths"].values()
           for method, op in item.items() if method in HTTP_METHODS]
    assert all(ids), f"{filename}: every operation needs an operationId"
    assert len(ids) == len(set(ids)), f"{filename}: duplicate operationIds"
