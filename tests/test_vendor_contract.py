"""Every vendor is built the same way (CONTRIBUTING.md, "Adding a vendor"), and the registry is
the only list of vendors.

Per registered vendor: its package ``deepfake_mock/vendors/<slug>/`` has the required files
(``models.py`` or a ``models/`` package, not both); ``__init__.py`` holds only the descriptor;
the config is a frozen dataclass ending with ``rate_limit``, with a ``max_body_bytes``, whose
defaults are valid settings; the spec is ``openapi/<slug>.yaml``; no module shadows a
``core``/``web`` module name; no module reaches the request through ``flask.g`` (hooks and views
are handed the context). Every other per-vendor list (contract credentials and checks, the
README's tables, the test folders) names exactly the registered vendors.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
from pathlib import Path

import pytest

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.registry import VENDORS
from deepfake_mock.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "deepfake_mock"
README = ROOT / "README.md"
SLUGS = [vendor.slug for vendor in VENDORS]
REQUIRED = ("__init__.py", "config.py", "errors.py", "routes.py", "schemas.py")
SHARED_MODULES = {path.stem for folder in ("core", "web") for path in (PACKAGE / folder).iterdir()
                  if path.stem != "__init__" and (path.suffix == ".py" or path.is_dir())
                  and path.name != "__pycache__"}

by_vendor = pytest.mark.parametrize("vendor", VENDORS, ids=SLUGS)


def package_of(vendor) -> Path:
    return PACKAGE / "vendors" / vendor.slug


def modules_of(vendor) -> list[Path]:
    return sorted(path for path in package_of(vendor).rglob("*.py")
                  if "__pycache__" not in path.parts)


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


# ---- the package -------------------------------------------------------------------------------

@by_vendor
def test_package_has_the_required_files(vendor):
    package = package_of(vendor)
    assert importlib.import_module(f"deepfake_mock.vendors.{vendor.slug}").VENDOR is vendor
    missing = [name for name in REQUIRED if not (package / name).is_file()]
    assert not missing, f"{vendor.slug} lacks {missing}"
    module = (package / "models.py").is_file()
    folder = (package / "models" / "__init__.py").is_file()
    assert module != folder, f"{vendor.slug}: the domain is models.py or a models/ package"


@by_vendor
def test_init_holds_only_the_descriptor(vendor):
    module = tree(package_of(vendor) / "__init__.py")
    assert ast.get_docstring(module), f"{vendor.slug}/__init__.py has no package docstring"
    rest = module.body[1:]
    descriptors = [node for node in rest if isinstance(node, ast.Assign)
                   and [getattr(t, "id", None) for t in node.targets] == ["VENDOR"]
                   and isinstance(node.value, ast.Call)
                   and getattr(node.value.func, "id", None) == "Vendor"]
    others = [f"line {node.lineno}: {type(node).__name__}" for node in rest
              if not isinstance(node, (ast.Import, ast.ImportFrom)) and node not in descriptors]
    assert len(descriptors) == 1, f"{vendor.slug}/__init__.py: one VENDOR = Vendor(...)"
    assert not others, f"{vendor.slug}/__init__.py holds more than the descriptor: {others}"


@by_vendor
def test_config_is_a_frozen_dataclass_ending_with_rate_limit(vendor):
    config = vendor.config
    assert config.__module__ == f"deepfake_mock.vendors.{vendor.slug}.config"
    assert dataclasses.is_dataclass(config) and config.__dataclass_params__.frozen, config
    assert dataclasses.fields(config)[-1].name == "rate_limit"
    defaults = config()
    assert isinstance(defaults.max_body_bytes, int), "the largest request body read"
    built = load_settings({}, env={}, vendor_configs={vendor.slug: config}).vendors[vendor.slug]
    assert built == defaults, "the defaults must be valid settings, built back unchanged"


@by_vendor
def test_spec_is_openapi_slug_yaml(vendor):
    assert vendor.spec == f"{vendor.slug}.yaml"
    assert (Path(SPEC_DIR) / vendor.spec).is_file()


@by_vendor
def test_no_module_is_named_like_a_core_or_web_module(vendor):
    package = package_of(vendor)
    clashes = [str(path.relative_to(package)) for path in modules_of(vendor)
               if path.stem in SHARED_MODULES and str(path.relative_to(package)) not in REQUIRED]
    assert not clashes, f"{vendor.slug}: {clashes} share a name with a module of core/ or web/"


def flask_g_uses(path: Path) -> list[str]:
    """Where a module reaches the request through ``flask.g``."""
    found = []
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            found += [f"line {node.lineno}: from flask import g"
                      for alias in node.names if alias.name == "g"]
        elif (isinstance(node, ast.Attribute) and node.attr == "g"
              and getattr(node.value, "id", None) == "flask"):
            found.append(f"line {node.lineno}: flask.g")
    return found


@by_vendor
def test_no_module_reads_flask_g(vendor):
    found = {str(path.relative_to(package_of(vendor))): flask_g_uses(path)
             for path in modules_of(vendor)}
    assert not {name: lines for name, lines in found.items() if lines}, vendor.slug


# ---- the registry is the only list -------------------------------------------------------------

def test_contract_credentials_and_checks_name_the_registered_vendors():
    from deepfake_mock.contracts.auth import AUTH
    from deepfake_mock.contracts.checks import CHECKS
    from deepfake_mock.contracts.target import CREDENTIALS

    assert list(AUTH) == SLUGS
    assert list(CHECKS) == SLUGS
    assert sorted(CREDENTIALS) == sorted(SLUGS)


def readme_table(heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after the README's ``heading`` line."""
    section = README.read_text(encoding="utf-8").split(f"\n{heading}\n", 1)[1]
    lines = section.split("\n|", 1)[1].split("\n\n", 1)[0].splitlines()
    return [[cell.strip() for cell in ("|" + line).strip("|").split("|")] for line in lines[2:]]


def test_readme_point_a_client_table_has_one_row_per_vendor():
    rows = readme_table("## Point a client at it")
    urls = [re.fullmatch(r"`http://127\.0\.0\.1:8080/([a-z0-9_-]+)`", row[1]) for row in rows]
    assert all(urls), [row[1] for row in rows]
    assert sorted(url.group(1) for url in urls) == sorted(SLUGS)
    assert [row[3] for row in rows] == [f"`/{url.group(1)}/openapi.yaml`" for url in urls]


def default_credentials() -> dict[str, list[str]]:
    """What a client sends under each vendor's default settings, as the contract suite sends it."""
    from deepfake_mock.contracts.auth_finauth import DEFAULT_API_KEY, DEFAULT_API_SECRET
    from deepfake_mock.contracts.auth_glair import GlairAuth
    from deepfake_mock.contracts.auth_hiya import HiyaAuth
    from deepfake_mock.vendors.resemble.config import ResembleConfig

    glair, hiya = GlairAuth.defaults(), HiyaAuth.defaults()
    return {"phonexia": [],
            "glair": [glair.api_key, f"{glair.username}:{glair.password}"],
            "hiya": [hiya.token, hiya.username, hiya.password],
            "resemble": [next(iter(ResembleConfig().tokens))],
            "finauth": [DEFAULT_API_KEY, DEFAULT_API_SECRET]}


def test_readme_lists_the_default_credentials_the_contract_suite_sends():
    rows = {row[1].strip("`").rsplit("/", 1)[-1]: row[2]
            for row in readme_table("## Point a client at it")}
    credentials = default_credentials()
    assert sorted(credentials) == sorted(SLUGS)
    for slug, values in credentials.items():
        assert all(f"`{value}`" in rows[slug] or f" {value}`" in rows[slug]
                   for value in values), (slug, values, rows[slug])


def test_readme_real_service_credentials_table_has_one_row_per_vendor():
    rows = readme_table("Credentials for a real service come from the environment:")
    assert sorted(row[0] for row in rows) == sorted(SLUGS)


@by_vendor
def test_vendor_has_its_tests_folder_and_flows(vendor):
    wanted = [ROOT / "tests" / "vendors" / vendor.slug / "test_api.py",
              PACKAGE / "contracts" / "flows" / f"test_{vendor.slug}.py"]
    missing = [str(path.relative_to(ROOT)) for path in wanted if not path.is_file()]
    assert not missing, f"{vendor.slug} lacks {missing}"


@by_vendor
def test_vendor_tests_folder_has_the_base_files(vendor):
    folder = ROOT / "tests" / "vendors" / vendor.slug
    missing = [name for name in ("test_api.py", "test_domain.py", "test_server.py")
               if not (folder / name).is_file()]
    assert not missing, f"tests/vendors/{vendor.slug} lacks {missing}"


def test_vendor_tests_live_in_the_vendor_folders():
    loose = sorted(path.name for path in (ROOT / "tests" / "vendors").glob("test_*.py"))
    assert not loose, f"tests/vendors/{loose}: move them to tests/vendors/<vendor>/"
