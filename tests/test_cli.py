"""The deepfake-mock command."""

import argparse
import importlib.metadata
import subprocess
import sys
from unittest import mock

import pytest
import yaml
from gunicorn.config import Config

from deepfake_mock import __version__
from deepfake_mock.app import SPEC_DIR, vendor_configs
from deepfake_mock.cli import _overrides, main
from deepfake_mock.registry import VENDORS
from deepfake_mock.serving import banner, gunicorn_options
from deepfake_mock.settings import load_settings


def test_version(capsys):
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__


def test_routes_lists_vendor_and_admin_routes(capsys):
    assert main(["routes"]) == 0
    out = capsys.readouterr().out
    assert "/phonexia/api/technology/experimental/authenticity-verification" in out
    assert "phonexia.start_authenticity_verification" in out
    assert "/_admin/reset" in out


def test_routes_in_single_vendor_mode_are_at_the_root(capsys):
    assert main(["routes", "--vendor", "phonexia"]) == 0
    assert "\nPOST     /api/technology/experimental/authenticity-verification" in capsys.readouterr().out


def test_fidelity_prints_the_table(capsys):
    assert main(["fidelity"]) == 0
    assert capsys.readouterr().out.startswith("| vendor | where | what the emulator does |")


def test_version_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"deepfake-mock {__version__}\n"


def test_python_dash_m_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "deepfake_mock", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"deepfake-mock {__version__}\n")


def test_the_version_is_single_sourced():
    assert __version__ == "0.2.0"
    assert importlib.metadata.version("deepfake-api-mock") == __version__


def serve_args(*argv: str):
    """The parsed arguments of ``deepfake-mock serve ...`` (serve itself not run)."""
    parsed = {}
    with mock.patch("deepfake_mock.cli.serve", side_effect=lambda args: parsed.update(
            vars(args)) or 0):
        assert main(["serve", *argv]) == 0
    return argparse.Namespace(**parsed)


def test_the_banner_names_every_vendor_its_spec_the_admin_api_and_the_credentials():
    settings = load_settings({"port": 9000, "workers": 2, "state": "memory"}, env={},
                             vendor_configs=vendor_configs())
    assert banner(settings, VENDORS) == [
        f"deepfake-mock {__version__} on http://127.0.0.1:9000 (2 workers, state memory)",
        "  phonexia  http://127.0.0.1:9000/phonexia  spec http://127.0.0.1:9000/phonexia/openapi.yaml"
        "  Phonexia Speech Platform 4: Authenticity Verification",
        "  glair     http://127.0.0.1:9000/glair     spec http://127.0.0.1:9000/glair/openapi.yaml"
        "  GLAIR Vision: Face Deepfake Detection",
        "  hiya      http://127.0.0.1:9000/hiya      spec http://127.0.0.1:9000/hiya/openapi.yaml"
        "  Hiya Audio Intelligence (formerly Loccus.ai): verifications",
        "  resemble  http://127.0.0.1:9000/resemble  spec http://127.0.0.1:9000/resemble/openapi.yaml"
        "  Resemble AI Detect",
        "  finauth   http://127.0.0.1:9000/finauth   spec http://127.0.0.1:9000/finauth/openapi.yaml"
        "  FinAuth StarScope: anti_deepfake",
        "  admin     http://127.0.0.1:9000/_admin/   spec http://127.0.0.1:9000/_admin/openapi.yaml",
        'default credentials of each vendor: README.md, "Point a client at it"',
        "access log: one line per request below (--quiet turns it off)",
    ]


def test_the_banner_in_single_vendor_mode_gives_the_root_url_over_tls_and_quiet():
    settings = load_settings({"vendor": "finauth", "host": "::1", "workers": 1,
                              "access_log": False}, env={}, vendor_configs=vendor_configs())
    assert banner(settings, VENDORS, tls=True) == [
        f"deepfake-mock {__version__} on https://[::1]:8080 (1 worker, state var/state.sqlite3)",
        "  finauth   https://[::1]:8080/         spec https://[::1]:8080/finauth/openapi.yaml"
        "  FinAuth StarScope: anti_deepfake",
        "  single-vendor mode: finauth's real paths at the root",
        "  admin     https://[::1]:8080/_admin/  spec https://[::1]:8080/_admin/openapi.yaml",
        'default credentials of each vendor: README.md, "Point a client at it"',
    ]


def test_serve_options_become_settings_and_gunicorn_settings():
    args = serve_args("--quiet", "--timeout", "30", "--keep-alive", "5", "--worker-class",
                      "sync", "--threads", "4", "--certfile", "c.pem", "--keyfile", "k.pem")
    assert _overrides(args) == {"worker_timeout": 30, "access_log": False}
    options = gunicorn_options(args)
    assert options == {"keepalive": 5, "worker_class": "sync", "threads": 4,
                       "certfile": "c.pem", "keyfile": "k.pem"}
    config = Config()
    for name, value in options.items():
        config.set(name, value)  # gunicorn's own names: an unknown one raises AttributeError
    assert (config.keepalive, config.threads, config.certfile) == (5, 4, "c.pem")
    assert config.is_ssl
    assert gunicorn_options(serve_args()) == {} and _overrides(serve_args()) == {}


def test_sync_workers_by_default_and_gthread_with_its_threads():
    """Sync workers serve the REST hot paths fastest; gthread (for many open WebSockets) gets
    eight threads unless told otherwise."""
    assert gunicorn_options(serve_args()).get("worker_class") is None
    assert Config().worker_class_str == "sync"
    assert gunicorn_options(serve_args("--worker-class", "gthread")) == {
        "worker_class": "gthread", "threads": 8}
    assert gunicorn_options(serve_args("--worker-class", "gthread", "--threads", "2")) == {
        "worker_class": "gthread", "threads": 2}


def test_certfile_without_keyfile_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--certfile", "c.pem"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.endswith("error: --certfile and --keyfile go together\n")


def test_a_missing_certificate_stops_serve_with_one_line(tmp_path, capsys):
    key = tmp_path / "k.pem"
    key.write_text("")
    assert main(["serve", "--state", "memory", "--certfile", str(tmp_path / "c.pem"),
                 "--keyfile", str(key)]) == 2
    assert capsys.readouterr().err == \
        f"deepfake-mock serve: --certfile {tmp_path / 'c.pem'}: no such file\n"


def test_a_bad_setting_is_exit_2_with_one_line_per_problem(monkeypatch, capsys):
    monkeypatch.setenv("MOCKSERVER_STRICT", "maybe")
    monkeypatch.setenv("MOCKSERVER_VENDORS__GLAIR__API_KYES", '["k"]')
    assert main(["routes"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "deepfake-mock: setting strict: 'maybe' given; input should be 'off', 'record' or 'reject'",
        "deepfake-mock: setting vendors.glair.api_kyes: unknown; allowed: api_keys, users, "
        "error_status, oversize_status, echo_request_id, max_input_bytes, contract, rate_limit",
    ]


def test_create_app_without_arguments_is_gunicorns_factory_reading_the_environment(
        monkeypatch, tmp_path):
    from deepfake_mock.app import create_app

    monkeypatch.setenv("MOCKSERVER_STATE", "memory")
    monkeypatch.setenv("MOCKSERVER_SEED", "7")
    monkeypatch.setenv("MOCKSERVER_SPOOL_DIR", str(tmp_path / "spool"))
    client = create_app().test_client()
    assert client.get("/_admin/seed").get_json() == {"seed": 7}


def test_the_admin_spec_carries_the_package_version():
    spec = yaml.safe_load((SPEC_DIR / "admin.yaml").read_text())
    health = spec["paths"]["/_admin/health"]["get"]["responses"]["200"]["content"]
    assert spec["info"]["version"] == __version__
    assert health["application/json"]["example"]["version"] == __version__


def test_serve_refuses_a_memory_state_shared_by_several_workers(capsys):
    assert main(["serve", "--state", "memory", "--workers", "2"]) == 2
    assert capsys.readouterr().err == (
        "deepfake-mock: setting state: 'memory' lives in one worker, 2 given; serve it with "
        "--workers 1, or give --state a SQLite file\n")
