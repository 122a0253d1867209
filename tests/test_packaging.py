"""The package as users get it. The Dockerfile's commands are the ones run here: its install
(``pip install .``, no extras, not editable) goes into a fresh venv, then its CMD serves and its
HEALTHCHECK passes; the installed emulator reads its specs from the package, its plugin and
AdminClient work, and the contract command names the extra it lacks. Images are not built here.

The install test is marked ``slow`` (about a minute, packages from pip's cache or index):
``pytest -m 'not slow'`` skips it; ``make test`` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
import requests

from deepfake_mock import __version__
from deepfake_mock.admin.client import AdminClient
from deepfake_mock.cli import main
from deepfake_mock.registry import VENDORS
from deepfake_mock.testing.server import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
START = "/phonexia/api/technology/experimental/authenticity-verification"


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in lines if line and not line.startswith("#")]


def arguments(instruction: str) -> list[str]:
    """The one instruction of that name (its arguments)."""
    found = [args for name, args in dockerfile() if name == instruction]
    assert len(found) == 1, (instruction, found)
    return found[0]


def environment() -> dict[str, str]:
    env = {}
    for name, args in dockerfile():
        if name == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))
    return env


def cmd() -> list[str]:
    return json.loads(arguments("CMD"))


def healthcheck() -> list[str]:
    args = arguments("HEALTHCHECK")
    return json.loads(args.split(" CMD ", 1)[1])


def parsed_serve(argv: list[str]) -> argparse.Namespace:
    """What the CLI parser makes of ``deepfake-mock <argv>`` (serve itself not run)."""
    seen = {}
    with mock.patch("deepfake_mock.cli.serve", side_effect=lambda a: seen.update(vars(a)) or 0):
        assert main(argv) == 0
    return argparse.Namespace(**seen)


# ---- the Dockerfile ------------------------------------------------------------------------

def test_the_image_is_python_slim_with_a_non_root_user_and_state_on_a_volume():
    assert arguments("FROM") == "python:3.11-slim"
    assert arguments("USER") not in ("root", "0")
    volume = arguments("VOLUME")
    env = environment()
    assert env["MOCKSERVER_STATE"] == f"{volume}/state.sqlite3"
    assert env["MOCKSERVER_SPOOL_DIR"] == f"{volume}/spool"


def pip_installs() -> list[str]:
    return [args for name, args in dockerfile() if name == "RUN" and "pip" in args]


def test_the_install_is_the_runtime_only():
    assert pip_installs() == ["pip install ."]


def test_the_copied_sources_exist_and_the_dockerignore_lets_them_through():
    copied = [shlex.split(args)[:-1] for name, args in dockerfile() if name == "COPY"]
    sources = [source for group in copied for source in group]
    assert sources == ["pyproject.toml", "README.md", "LICENSE", "deepfake_mock"]
    assert all((ROOT / source).exists() for source in sources)
    allowed = [line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")]
    assert allowed == sources


def test_the_command_is_serve_on_every_interface_at_the_exposed_port():
    command = cmd()
    assert command[:2] == ["deepfake-mock", "serve"]
    args = parsed_serve(command[1:])
    assert (args.host, args.port) == ("0.0.0.0", int(arguments("EXPOSE")))


def test_the_healthcheck_reads_admin_health_with_python_alone():
    python, flag, code = healthcheck()
    assert (python, flag) == ("python", "-c")
    url = code.split("urlopen('", 1)[1].split("'", 1)[0]
    assert code.startswith("import urllib.request;")
    parts = urlsplit(url)
    assert (parts.path, parts.port) == ("/_admin/health", int(arguments("EXPOSE")))


# ---- a plain install, as the Dockerfile does it ----------------------------------------------

@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv (no system packages) with the package installed by the Dockerfile's RUN
    command from a copy of what the Dockerfile copies."""
    tmp = tmp_path_factory.mktemp("packaging")
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True, timeout=120)
    source = tmp / "src"
    source.mkdir()
    for name, args in dockerfile():
        if name == "COPY":
            for item in shlex.split(args)[:-1]:
                if (ROOT / item).is_dir():
                    shutil.copytree(ROOT / item, source / item,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(ROOT / item, source / item)
    env = dict(os.environ, PATH=f"{tmp / 'venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    for install in pip_installs():
        done = subprocess.run(install, shell=True, cwd=source, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return {"bin": tmp / "venv" / "bin", "cwd": elsewhere, "env": env, "data": tmp / "data"}


def run(installed, *argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed["bin"] / argv[0]), *argv[1:]], cwd=installed["cwd"],
                          env=installed["env"], capture_output=True, text=True, timeout=120,
                          **kwargs)


@pytest.mark.slow
def test_the_installed_package_is_the_runtime_without_the_contract_extra(installed):
    done = run(installed, "python", "-c",
               "import deepfake_mock, importlib.util as u; print(deepfake_mock.__file__); "
               "print(deepfake_mock.__version__); "
               "print([m for m in ('pytest', 'hypothesis', 'schemathesis') if u.find_spec(m)])")
    path, version, extras = done.stdout.splitlines()
    assert "site-packages" in path and not path.startswith(str(ROOT))
    assert (version, extras) == (__version__, "[]")


@pytest.mark.slow
def test_the_contract_command_names_the_extra_it_needs(installed):
    done = run(installed, "deepfake-mock", "contract")
    assert (done.returncode, done.stdout) == (4, "")
    line, = done.stderr.splitlines()
    assert line.startswith("deepfake-mock contract needs the [contract] extra")
    assert line.endswith("pip install 'deepfake-api-mock[contract]'")


@pytest.mark.slow
def test_the_dockerfile_command_serves_specs_coverage_and_strict_mode(installed):
    data = installed["data"]
    env = {name: value.replace(arguments("VOLUME"), str(data))
           for name, value in environment().items() if name.startswith("MOCKSERVER_")}
    command = [str(installed["bin"] / cmd()[0]), *cmd()[1:]]
    with ServerProcess(command=command, workers=1, state=env["MOCKSERVER_STATE"],
                       env={**installed["env"], **env}) as server:
        for slug in [v.slug for v in VENDORS] + ["_admin"]:
            spec = requests.get(f"{server.url}/{slug}/openapi.yaml", timeout=10)
            assert spec.status_code == 200, slug
            name = "admin" if slug == "_admin" else next(v.spec for v in VENDORS
                                                         if v.slug == slug).removesuffix(".yaml")
            assert spec.content == (ROOT / "deepfake_mock" / "openapi" / f"{name}.yaml").read_bytes()
        coverage = requests.get(f"{server.url}/_admin/coverage", timeout=10)
        assert coverage.status_code == 200 and "vendors" in coverage.json()
        admin = AdminClient(server.url)
        assert admin.set_strict("reject") == "reject"
        rejected = requests.post(f"{server.url}{START}", data={"file": "x"}, timeout=10)
        assert rejected.status_code == 422
        assert rejected.json()["type"] == "request.validation-error"
        python, flag, code = healthcheck()
        port = urlsplit(code.split("urlopen('", 1)[1].split("'", 1)[0]).port
        check = run(installed, python, flag, code.replace(f":{port}/", f":{server.port}/"))
        assert check.returncode == 0, check.stderr
    assert (data / "state.sqlite3").exists() and (data / "spool").is_dir()


@pytest.mark.slow
def test_the_plugin_and_admin_client_work_from_the_installed_package(installed):
    pip = run(installed, "pip", "install", "--quiet", "pytest")
    assert pip.returncode == 0, pip.stderr[-3000:]
    (installed["cwd"] / "test_client.py").write_text(
        "import requests\n\n\n"
        "def test_a_client(mockserver):\n"
        "    info = requests.get(mockserver.url('phonexia') + '/api/system/info', timeout=10)\n"
        "    assert info.status_code == 200\n"
        "    assert mockserver.admin.count_requests(vendor='phonexia') == 1\n")
    done = run(installed, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "test_client.py")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 passed" in done.stdout
