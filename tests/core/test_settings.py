"""Settings layering: defaults -> file -> MOCKSERVER_* environment -> overrides, then validation."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from pydantic import ConfigDict
from typing_extensions import TypedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepfake_mock.settings import (RateLimit, Settings, SettingsError, as_dict, deep_merge,
                                    load_settings)


class Gadget(TypedDict):
    name: str


Gadget.__pydantic_config__ = ConfigDict(extra="forbid")


@dataclasses.dataclass(frozen=True)
class GadgetsConfig:
    gadgets: tuple[Gadget, ...] = ()
    label: str = ""


@dataclasses.dataclass(frozen=True)
class AcmeConfig:
    rate_limit: RateLimit | None = None
    licensed: bool = True
    max_upload_bytes: int = 100
    version: Any = None

    def __post_init__(self):
        if self.max_upload_bytes == 13:
            raise ValueError("acme.max_upload_bytes: 13 is unlucky")


ACME_DEFAULTS = {"rate_limit": None, "licensed": True, "max_upload_bytes": 100, "version": None}
TOP_LEVEL = ", ".join(f.name for f in dataclasses.fields(Settings))


def load(overrides=None, env=None):
    return load_settings(overrides, env=env or {}, vendor_configs={"acme": AcmeConfig})


def acme(settings) -> dict:
    return dataclasses.asdict(settings.vendors["acme"])


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
    assert settings.vendors["acme"] == AcmeConfig()
    assert acme(settings) == ACME_DEFAULTS


def test_an_unrelated_environment_is_ignored():
    settings = load(env={"HOME": "/root", "MOCKSERVERX": "1", "PORT": "1"})
    assert settings.port == 8080


def test_a_json_file_over_the_defaults(json_file):
    path = json_file({"port": 9000, "vendors": {"acme": {"licensed": False}}})
    settings = load({"config": path})
    assert settings.port == 9000
    assert acme(settings) == {"rate_limit": None, "licensed": False,
                                                "max_upload_bytes": 100, "version": None}


def test_a_yaml_file_named_by_the_environment(yaml_file):
    path = yaml_file("seed: 7\nclock: manual\nclock_start: 1767225600\n"
                     "vendors:\n  acme:\n    rate_limit: {limit: 5, window: 60}\n")
    settings = load(env={"MOCKSERVER_CONFIG": path})
    assert (settings.seed, settings.clock, settings.clock_start) == (7, "manual", 1767225600)
    assert acme(settings)["rate_limit"] == {"limit": 5, "window": 60}
    assert acme(settings)["licensed"] is True


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
    })
    assert acme(settings) == {"rate_limit": {"limit": 5, "window": 60},
                                                "licensed": False, "max_upload_bytes": 100,
                                                "version": None}


def test_layers_in_order(json_file):
    path = json_file({"port": 1, "seed": 1, "workers": 1,
                      "vendors": {"acme": {"version": 1, "max_upload_bytes": 1}}})
    env = {"MOCKSERVER_CONFIG": path, "MOCKSERVER_SEED": "2", "MOCKSERVER_WORKERS": "2",
           "MOCKSERVER_VENDORS__ACME__VERSION": "2", "MOCKSERVER_VENDORS__ACME__LICENSED": "false"}
    settings = load({"workers": 3, "vendors": {"acme": {"max_upload_bytes": 3}}}, env=env)
    assert (settings.port, settings.seed, settings.workers) == (1, 2, 3)
    assert acme(settings) == {"rate_limit": None, "licensed": False,
                                                "max_upload_bytes": 3, "version": 2}


@pytest.mark.parametrize("where", ["override", "env", "file"])
def test_unknown_settings_are_refused(where, json_file):
    overrides, env = {}, {}
    if where == "override":
        overrides = {"prot": 1, "wrokers": 2}
    elif where == "env":
        env = {"MOCKSERVER_PROT": "1", "MOCKSERVER_WROKERS": "2"}
    else:
        overrides = {"config": json_file({"prot": 1, "wrokers": 2})}
    with pytest.raises(SettingsError) as refused:
        load(overrides, env=env)
    assert str(refused.value).splitlines() == [f"setting prot: unknown; allowed: {TOP_LEVEL}",
                                               f"setting wrokers: unknown; allowed: {TOP_LEVEL}"]


def refusal(overrides=None, env=None) -> str:
    with pytest.raises(SettingsError) as refused:
        load(overrides, env=env)
    return str(refused.value)


def test_a_settings_error_is_a_value_error():
    assert issubclass(SettingsError, ValueError)


@pytest.mark.parametrize("env, line", [
    ({"MOCKSERVER_SEED": "abc"},
     "setting seed: 'abc' given; input should be a valid integer, unable to parse string as an "
     "integer"),
    ({"MOCKSERVER_STRICT": "maybe"},
     "setting strict: 'maybe' given; input should be 'off', 'record' or 'reject'"),
    ({"MOCKSERVER_CLOCK": "fast"},
     "setting clock: 'fast' given; input should be 'system' or 'manual'"),
    ({"MOCKSERVER_PORT": "8080.5"},
     "setting port: 8080.5 given; input should be a valid integer, got a number with a "
     "fractional part"),
    ({"MOCKSERVER_FAIL_FAST": "sometimes"},
     "setting fail_fast: 'sometimes' given; input should be a valid boolean, unable to interpret "
     "input"),
    ({"MOCKSERVER_VENDOR": "newco"},
     "setting vendor: 'newco' given; input should be one of acme"),
    ({"MOCKSERVER_VENDORS__ACME__LICNESED": "true"},
     "setting vendors.acme.licnesed: unknown; allowed: rate_limit, licensed, max_upload_bytes, "
     "version"),
    ({"MOCKSERVER_VENDORS__NEWCO__MODE": "strict"},
     "setting vendors.newco: unknown; allowed: acme"),
    ({"MOCKSERVER_VENDORS__ACME__LICENSED": '"yes please"'},
     "setting vendors.acme.licensed: 'yes please' given; input should be a valid boolean, "
     "unable to interpret input"),
    ({"MOCKSERVER_VENDORS__ACME__MAX_UPLOAD_BYTES": "lots"},
     "setting vendors.acme.max_upload_bytes: 'lots' given; input should be a valid integer, "
     "unable to parse string as an integer"),
    ({"MOCKSERVER_VENDORS__ACME__RATE_LIMIT": '{"limit": 5, "windw": 60}'},
     "setting vendors.acme.rate_limit.window: missing; it is required\n"
     "setting vendors.acme.rate_limit.windw: unknown; allowed: limit, window"),
    ({"MOCKSERVER_VENDORS__ACME__RATE_LIMIT": '{"limit": -1, "window": 0}'},
     "setting vendors.acme.rate_limit.limit: -1 given; input should be greater than or equal "
     "to 0\nsetting vendors.acme.rate_limit.window: 0 given; input should be greater than 0"),
    ({"MOCKSERVER_VENDORS": "[]"},
     "setting vendors: [] given; input should be a valid dictionary"),
])
def test_a_bad_setting_is_one_line_naming_the_key_the_value_and_what_is_allowed(env, line):
    assert refusal(env=env) == line


def test_every_problem_is_reported_at_once():
    lines = refusal({"strict": "maybe", "vendors": {"acme": {"licensed": "no way"}}},
                    env={"MOCKSERVER_SEED": "abc"}).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "setting seed", "setting strict", "setting vendors.acme.licensed"]


def test_values_are_converted_to_their_declared_types(yaml_file):
    path = yaml_file('port: "9000"\nsecret_fields: [sign]\nclock_start: 1767225600\n'
                     'vendors:\n  acme:\n    rate_limit: {limit: 5, window: 0.5}\n')
    settings = load({"config": path}, env={"MOCKSERVER_SPOOL_DIR": "2024"})
    assert (settings.port, settings.secret_fields, settings.spool_dir) == (9000, ("sign",), "2024")
    assert settings.clock_start == 1767225600.0
    assert acme(settings)["rate_limit"] == {"limit": 5, "window": 0.5}


def test_a_key_whose_default_is_null_takes_any_value():
    settings = load({"vendors": {"acme": {"version": {"major": 4}, "rate_limit": None}}})
    assert acme(settings)["version"] == {"major": 4}


def is_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


@given(st.text().filter(lambda text: not is_integer(text)))
def test_any_seed_that_is_not_an_integer_is_refused(text):
    line = refusal({"seed": text})
    assert line.startswith("setting seed: ") and "\n" not in line
    assert line.endswith(" given; input should be a valid integer, unable to parse string as an "
                         "integer")


@given(st.from_regex(r"[a-z][a-z_]{0,20}", fullmatch=True).filter(
    lambda key: key not in {f.name for f in dataclasses.fields(Settings)}))
def test_any_unknown_top_level_key_is_refused(key):
    assert refusal({key: 1}) == f"setting {key}: unknown; allowed: {TOP_LEVEL}"


def test_a_file_that_is_not_a_mapping_is_refused(yaml_file):
    path = yaml_file("- port\n- 1\n")
    assert refusal({"config": path}) == f"settings file {path}: settings must be a mapping"


def test_a_missing_file_is_one_line(tmp_path):
    path = tmp_path / "nowhere.yaml"
    assert refusal({"config": str(path)}) == f"settings file {path}: No such file or directory"


def test_a_file_that_does_not_parse_is_one_line(json_file, yaml_file):
    broken_json = json_file({}, "broken.json")
    with open(broken_json, "w") as fh:
        fh.write("{port: 1")
    assert refusal({"config": broken_json}) == (
        f"settings file {broken_json}: not JSON: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)")
    broken_yaml = yaml_file("port: [1\n")
    line = refusal({"config": broken_yaml})
    assert line.startswith(f"settings file {broken_yaml}: not YAML: while parsing a flow sequence")
    assert "\n" not in line


def test_settings_are_frozen():
    settings = load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1
    with pytest.raises(TypeError):
        settings.vendors["acme"] = {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.vendors["acme"].licensed = False


def test_loading_does_not_change_the_vendor_defaults():
    load({"vendors": {"acme": {"licensed": False}}})
    assert AcmeConfig().licensed is True


def test_an_unknown_key_deep_inside_a_vendor_setting_is_named():
    with pytest.raises(SettingsError) as refused:
        load_settings({"vendors": {"acme": {"gadgets": [{"name": "a", "colour": "red"}]}}},
                      env={}, vendor_configs={"acme": GadgetsConfig})
    assert str(refused.value) == "setting vendors.acme.gadgets.0.colour: unknown"


def test_a_number_given_for_a_vendor_text_setting_is_its_text():
    settings = load_settings({}, env={"MOCKSERVER_VENDORS__ACME__LABEL": "4.1"},
                             vendor_configs={"acme": GadgetsConfig})
    assert settings.vendors["acme"].label == "4.1"


def test_a_configs_own_check_is_its_line():
    assert refusal({"vendors": {"acme": {"max_upload_bytes": 13}}}) == \
        "acme.max_upload_bytes: 13 is unlucky"


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
    assert doc["vendors"] == {"acme": ACME_DEFAULTS}
    assert set(doc) == {f.name for f in dataclasses.fields(Settings)}
