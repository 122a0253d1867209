"""The admin API's guard: Host names (DNS rebinding), cross-site writes, the admin_token, and the
warning `serve` prints when the admin API is open beyond this machine."""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st

from deepfake_mock import cli, create_app
from deepfake_mock.admin.client import AdminClient, AdminClientError
from deepfake_mock.admin.guard import exposure_warning
from deepfake_mock.settings import Settings
from deepfake_mock.testing.server import ServerProcess
from deepfake_mock.web import access_log

TOKEN = "admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HOST_REFUSED = ("Host {!r} is not a name this server answers admin requests for: add it to the "
                "admin_hosts setting (MOCKSERVER_ADMIN_HOSTS)")
ORIGIN_REFUSED = ("Origin {!r} may not change this server: admin writes come from clients, "
                  "not pages of other sites")
NEEDS_JSON = "admin requests with a body must be Content-Type: application/json"
NEEDS_TOKEN = "the admin API needs Authorization: Bearer <admin_token>"


def add_fault(client, **headers):
    r = client.post("/_admin/faults", json={"fault": "status", "status": 503, "times": 1},
                    headers=headers)
    assert r.status_code == 201, r.json


def fault_count(client, **headers) -> int:
    return len(client.get("/_admin/faults", headers=headers).json["faults"])


# ---- Host: DNS rebinding ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/_admin/settings", "/_admin/journal", "/_admin/faults",
                                  "/_admin/vendors/hiya/credits",
                                  "/_admin/vendors/finauth/keys"])
def test_a_foreign_host_reads_nothing(client, path):
    r = client.get(path, headers={"Host": "rebind.attacker.example:8080"})
    assert r.status_code == 403
    assert r.json == {"error": HOST_REFUSED.format("rebind.attacker.example:8080")}


def test_a_foreign_host_cannot_reset(client):
    add_fault(client)
    r = client.post("/_admin/reset", headers={"Host": "rebind.attacker.example"})
    assert (r.status_code, r.json) == (403, {"error": HOST_REFUSED.format("rebind.attacker.example")})
    assert fault_count(client) == 1


@pytest.mark.parametrize("host", ["localhost", "localhost:8080", "LOCALHOST.", "app.localhost:80",
                                  "127.0.0.1:8080", "[::1]:8080", "10.1.2.3:8080",
                                  "[2001:db8::7]"])
def test_loopback_names_and_any_address_are_answered(client, host):
    """An address in Host cannot come from a rebinding page (its Host is the page's name)."""
    assert client.get("/_admin/settings", headers={"Host": host}).status_code == 200


def test_the_bind_host_and_admin_hosts_are_answered(settings):
    settings.update(host="emulator.internal", admin_hosts=["deepfake-mock", "Other.Example"])
    client = create_app(settings).test_client()
    for host in ("emulator.internal:8080", "deepfake-mock:8080", "DEEPFAKE-MOCK",
                 "other.example:9000"):
        assert client.get("/_admin/clock", headers={"Host": host}).status_code == 200, host
    r = client.get("/_admin/clock", headers={"Host": "deepfake-mock.evil.example"})
    assert r.status_code == 403


def test_a_wildcard_admin_host_answers_any_name(settings):
    settings.update(admin_hosts=["*"])
    client = create_app(settings).test_client()
    assert client.get("/_admin/clock", headers={"Host": "anything.example"}).status_code == 200


def test_a_wildcard_bind_is_not_a_name(settings):
    settings.update(host="0.0.0.0")
    client = create_app(settings).test_client()
    assert client.get("/_admin/clock", headers={"Host": "0.0.0.0.nip.io"}).status_code == 403


names = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}\Z")


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, port=st.one_of(st.none(), st.integers(1, 65535)))
def test_no_unlisted_name_reaches_the_admin_api(app, name, port):
    """(The app is shared by the examples: a refused request changes nothing.)"""
    if name == "localhost" or name.endswith(".localhost"):
        return
    host = name if port is None else f"{name}:{port}"
    client = app.test_client()
    for method, path in (("GET", "/_admin/settings"), ("POST", "/_admin/reset"),
                         ("DELETE", "/_admin/journal"), ("PUT", "/_admin/clock")):
        r = client.open(path, method=method, headers={"Host": host}, json={"now": 1})
        assert (r.status_code, r.json) == (403, {"error": HOST_REFUSED.format(host)})


# ---- cross-site writes -----------------------------------------------------------------------

def test_a_cross_site_simple_request_cannot_reset(client):
    """The form a page of another site can send without asking: text/plain and its Origin."""
    add_fault(client)
    r = client.post("/_admin/reset", data="{}", content_type="text/plain",
                    headers={"Origin": "https://attacker.example"})
    assert (r.status_code, r.json) == (
        403, {"error": ORIGIN_REFUSED.format("https://attacker.example")})
    assert fault_count(client) == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_a_write_with_a_body_must_be_json(client, content_type):
    add_fault(client)
    r = client.post("/_admin/reset", data="a=1", content_type=content_type)
    assert (r.status_code, r.json) == (415, {"error": NEEDS_JSON})
    r = client.put("/_admin/clock", data='{"now": 5}', content_type=content_type)
    assert (r.status_code, r.json) == (415, {"error": NEEDS_JSON})
    assert fault_count(client) == 1


@pytest.mark.parametrize("origin", ["null", "http://localhost:9999", "https://localhost",
                                    "http://127.0.0.1", "http://localhost.attacker.example"])
def test_a_foreign_origin_cannot_write(client, origin):
    add_fault(client)
    r = client.delete("/_admin/faults", headers={"Origin": origin})
    assert (r.status_code, r.json) == (403, {"error": ORIGIN_REFUSED.format(origin)})
    assert fault_count(client) == 1


def test_writes_without_a_body_or_from_the_server_itself_are_accepted(client):
    add_fault(client)
    assert client.delete("/_admin/faults").status_code == 200
    add_fault(client, Origin="http://localhost")
    r = client.post("/_admin/reset", headers={"Origin": "http://localhost:80"})
    assert (r.status_code, r.json) == (200, {"status": "reset"})
    assert fault_count(client) == 0


def test_reads_ignore_the_origin(client):
    r = client.get("/_admin/clock", headers={"Origin": "https://attacker.example"})
    assert r.status_code == 200


# ---- admin_token -----------------------------------------------------------------------------

@pytest.fixture
def guarded(settings):
    settings.update(admin_token=TOKEN)
    return create_app(settings).test_client()


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN,
                                           f"Bearer {TOKEN}x", "Bearer "])
def test_without_the_token_every_admin_request_is_401(guarded, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in (("GET", "/_admin/settings"), ("GET", "/_admin/journal"),
                         ("POST", "/_admin/reset"), ("GET", "/_admin/vendors/hiya/credits"),
                         ("PUT", "/_admin/vendors/finauth/keys/K"), ("GET", "/_admin/nowhere")):
        r = guarded.open(path, method=method, headers=headers)
        assert (r.status_code, r.json) == (401, {"error": NEEDS_TOKEN}), (method, path)
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="deepfake-mock admin"'


def test_the_token_opens_the_admin_api(guarded):
    assert guarded.get("/_admin/clock", headers=AUTH).status_code == 200
    r = guarded.post("/_admin/reset", headers={"Authorization": f"bearer  {TOKEN} "})
    assert (r.status_code, r.json) == (200, {"status": "reset"})


def test_health_and_the_admin_spec_stay_open(guarded):
    r = guarded.get("/_admin/health", headers={"Host": "anything.example"})
    assert r.status_code == 200 and r.json["status"] == "ok"
    assert guarded.get("/_admin/openapi.yaml").status_code == 200


def test_the_token_does_not_guard_the_vendors(guarded):
    assert guarded.get("/phonexia/openapi.yaml").status_code == 200
    r = guarded.get("/phonexia/api/technology/experimental/authenticity-verification/x")
    assert r.status_code == 422 and "error" not in r.json


def test_an_empty_token_setting_is_refused(settings):
    settings.update(admin_token=" ")
    with pytest.raises(ValueError, match="admin_token must be a non-empty string"):
        create_app(settings)


# ---- serve's warning -------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_no_warning_on_loopback(host):
    assert exposure_warning(Settings(host=host)) is None


def test_no_warning_with_a_token():
    assert exposure_warning(Settings(host="0.0.0.0", admin_token=TOKEN)) is None


def test_serve_on_all_interfaces_without_a_token_says_what_is_exposed(monkeypatch, capsys,
                                                                       tmp_path):
    from gunicorn.app.base import BaseApplication

    monkeypatch.setattr(BaseApplication, "run", lambda self: None)
    monkeypatch.setattr(access_log, "to_stdout", lambda enabled: None)  # no process-wide set-up
    monkeypatch.setenv("MOCKSERVER_SPOOL_DIR", str(tmp_path / "spool"))
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8099", "--state", "memory",
                     "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert ("warning: 0.0.0.0:8099 is reachable from other machines and admin_token is not set: "
            "anyone who can reach the port can use the admin API (/_admin) to reset all state, "
            "read the request journal, change verdicts, faults, rate limits and the clock. Set "
            "MOCKSERVER_ADMIN_TOKEN (clients then send Authorization: Bearer <token>) or serve "
            "on 127.0.0.1.") in err


# ---- through gunicorn ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("guarded")
    with ServerProcess(workers=2, state=tmp / "state.sqlite3", spool_dir=tmp / "spool",
                       env={"MOCKSERVER_ADMIN_TOKEN": TOKEN}) as server:
        yield server


def test_gunicorn_guards_the_admin_api(server):
    url = server.url
    assert requests.get(f"{url}/_admin/health", timeout=30).status_code == 200
    r = requests.get(f"{url}/_admin/settings", timeout=30)
    assert (r.status_code, r.json()) == (401, {"error": NEEDS_TOKEN})
    r = requests.get(f"{url}/_admin/settings", headers={**AUTH, "Host": "rebind.example"},
                     timeout=30)
    assert (r.status_code, r.json()) == (403, {"error": HOST_REFUSED.format("rebind.example")})
    r = requests.post(f"{url}/_admin/reset", data="{}", timeout=30,
                      headers={**AUTH, "Content-Type": "text/plain",
                               "Origin": "https://attacker.example"})
    assert (r.status_code, r.json()) == (
        403, {"error": ORIGIN_REFUSED.format("https://attacker.example")})
    r = requests.post(f"{url}/_admin/reset", data="{}", timeout=30,
                      headers={**AUTH, "Content-Type": "text/plain"})
    assert (r.status_code, r.json()) == (415, {"error": NEEDS_JSON})
    r = requests.get(f"{url}/_admin/settings", headers=AUTH, timeout=30)
    assert r.status_code == 200 and r.json()["admin_token"] == "[redacted]"
    assert TOKEN not in r.text
    r = requests.post(f"{url}/_admin/reset", headers=AUTH, timeout=30)
    assert (r.status_code, r.json()) == (200, {"status": "reset"})


def test_admin_client_sends_the_token(server):
    admin = AdminClient(server.url, token=TOKEN)
    admin.reset()
    assert admin.add_fault(fault="status", status=503, times=1)["status"] == 503
    assert len(admin.list_faults()) == 1
    with pytest.raises(AdminClientError) as err:
        AdminClient(server.url).list_faults()
    assert (err.value.status, err.value.body) == (401, {"error": NEEDS_TOKEN})
