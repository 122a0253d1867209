"""Settings layering: defaults -> file -> MOCKSERVER_* environment -> overrides."""

from __future__ import annotations

import dataclasses
import json

import pytest

from deepfake_mock.settings import Settings, as_dict, deep_merge, load_settings

VENDOR_DEFAULTS = {"acme": {"rate_limit": None, "licensed": True, "max_upload_bytes": 100}}


def load(overrides=None, env=None, vendor_defaults=VENDOR_DEFAULTS):
    return load_settings(overrides, env=env or {}, vendor_defaults=vendor_defaults)


@pytest.fixture
def json_file(tmp_path):
    def write(doc, name="settings.json"):
        path = tmp_path / name
        path.write_text(json.dumps(doc))
        return str(path)
    return write


@pytest.fixture
def yaml_file(tmp_path):
    def write(text, name="settings.yaml"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def test_defaults():
    settings = load()
    assert settings == Settings(vendors=settings.vendors)
    assert (settings.host, settings.port, settings.state, settings.clock, settings.seed) == \
        ("127.0.0.1", 8080, "var/state.sqlite3", "system", 0)
    assert settings.vendor_settings("acme") == VENDOR_DEFAULTS["acme"]
    assert settings.vendor_settings("unknown") == {}


def test_an_unrelated_environment_is_ignored():
    settings = load(env={"HOME": "/root", "MOCKSERVERX": "1", "PORT": "1"})
    assert settings.port == 8080


def test_a_json_file_over_the_defaults(json_file):
    path = json_file({"port": 9000, "vendors": {"acme": {"licensed": False}}})
    settings = load({"config": path})
    assert settings.port == 9000
    assert settings.vendor_settings("acme") == {"rate_limit": None, "licensed": False,
                                                "max_upload_bytes": 100}


def test_a_yaml_file_named_by_the_environment(yaml_file):
    path = yaml_file("seed: 7\nclock: manual\nclock_start: 1767225600\n"
                     "vendors:\n  acme:\n    rate_limit: {limit: 5, window: 60}\n")
    settings = load(env={"MOCKSERVER_CONFIG": path})
    assert (settings.seed, settings.clock, settings.clock_start) == (7, "manual", 1767225600)
    assert settings.vendor_settings("acme")["rate_limit"] == {"limit": 5, "window": 60}
    assert settings.vendor_settings("acme")["licensed"] is True


def test_yml_extension_is_yaml_too(yaml_file):
    assert load({"config": yaml_file("workers: 2\n", "s.yml")}).workers == 2


def test_the_override_names_the_file_before_the_environment(json_file):
    env = {"MOCKSERVER_CONFIG": json_file({"seed": 1}, "env.json")}
    assert load({"config": json_file({"seed": 2}, "override.json")}, env=env).seed == 2


def test_environment_values_are_json_when_they_can_be():
    settings = load(env={
        "MOCKSERVER_PORT": "9001",
        "MOCKSERVER_HOST": "0.0.0.0",
        "MOCKSERVER_FAIL_FAST": "true",
        "MOCKSERVER_CLOCK_START": "1767225600.5",
        "MOCKSERVER_VENDOR": "null",
        "MOCKSERVER_SECRET_HEADERS": '["authorization", "x-secret"]',
    })
    assert (settings.port, settings.host, settings.fail_fast, settings.clock_start) == \
        (9001, "0.0.0.0", True, 1767225600.5)
    assert settings.vendor is None
    assert settings.secret_headers == ("authorization", "x-secret")


def test_double_underscore_nests():
    settings = load(env={
        "MOCKSERVER_VENDORS__ACME__RATE_LIMIT": '{"limit": 5, "window": 60}',
        "MOCKSERVER_VENDORS__ACME__LICENSED": "false",
        "MOCKSERVER_VENDORS__NEWCO__MODE": "strict",
    })
    assert settings.vendor_settings("acme") == {"rate_limit": {"limit": 5, "window": 60},
                                                "licensed": False, "max_upload_bytes": 100}
    assert settings.vendor_settings("newco") == {"mode": "strict"}


def test_layers_in_order(json_file):
    path = json_file({"port": 1, "seed": 1, "workers": 1, "vendors": {"acme": {"licensed": 1}}})
    env = {"MOCKSERVER_CONFIG": path, "MOCKSERVER_SEED": "2", "MOCKSERVER_WORKERS": "2",
           "MOCKSERVER_VENDORS__ACME__LICENSED": "2"}
    settings = load({"workers": 3, "vendors": {"acme": {"max_upload_bytes": 3}}}, env=env)
    assert (settings.port, settings.seed, settings.workers) == (1, 2, 3)
    assert settings.vendor_settings("acme") == {"rate_limit": None, "licensed": 2,
                                                "max_upload_bytes": 3}


@pytest.mark.parametrize("where", ["override", "env", "file"])
def test_unknown_settings_are_refused(where, json_file):
    overrides, env = {}, {}
    if where == "override":
        overrides = {"prot": 1, "wrokers": 2}
    elif where == "env":
        env = {"MOCKSERVER_PROT": "1", "MOCKSERVER_WROKERS": "2"}
    else:
        overrides = {"config": json_file({"prot": 1, "wrokers": 2})}
    with pytest.raises(ValueError, match=r"^unknown settings: prot, wrokers$"):
        load(overrides, env=env)


def test_a_file_that_is_not_a_mapping_is_refused(yaml_file):
    path = yaml_file("- port\n- 1\n")
    with pytest.raises(ValueError, match="settings must be a mapping"):
        load({"config": path})


def test_settings_are_frozen():
    settings = load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1
    with pytest.raises(TypeError):
        settings.vendors["acme"] = {}
    with pytest.raises(TypeError):
        settings.vendor_settings("acme")["licensed"] = False


def test_loading_does_not_change_the_vendor_defaults():
    defaults = {"acme": {"licensed": True}}
    load({"vendors": {"acme": {"licensed": False}}}, vendor_defaults=defaults)
    assert defaults == {"acme": {"licensed": True}}


def test_deep_merge():
    base = {"a": {"b": 1, "c": {"d": 2}}, "e": [1]}
    merged = deep_merge(base, {"a": {"c": {"f": 3}}, "e": [2], "g": None})
    assert merged == {"a": {"b": 1, "c": {"d": 2, "f": 3}}, "e": [2], "g": None}
    assert base == {"a": {"b": 1, "c": {"d": 2}}, "e": [1]}


def test_as_dict_is_plain_json():
    settings = load({"secret_fields": ["sign"]})
    doc = as_dict(settings)
    assert json.loads(json.dumps(doc)) == doc
    assert doc["secret_fields"] == ["sign"]
    assert doc["vendors"] == {"acme": VENDOR_DEFAULTS["acme"]}
    assert set(doc) == {f.name for f in dataclasses.fields(Settings)}
