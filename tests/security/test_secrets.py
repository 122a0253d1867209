"""One redaction policy (core/redaction.py) and everywhere it applies: the journal's requests,
responses and outbound callbacks, the settings and every other admin answer."""

from __future__ import annotations

import io
import json
import string

import pytest
import requests
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st

from deepfake_mock import create_app
from deepfake_mock.core.journal import Journal
from deepfake_mock.core.redaction import REDACTED, Redaction
from deepfake_mock.core.store import MemoryStore
from deepfake_mock.settings import Settings
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess
from deepfake_mock.testing.receiver import LocalReceiver

POLICY = Redaction(Settings().secret_fields + Settings().secret_headers)
RESEMBLE = "/resemble/api/v2"
RESEMBLE_AUTH = {"Authorization": "Bearer resemble-test-token"}
HIYA = "/hiya/v1"
CONFIGURED = ["correct-horse-1", "correct-horse-2", "hiya-key-user-a", "hiya-key-user-b",
              "TESTSECRET_0123456789abcdefghijk", "UjYGdN9CBZKsDBLB5-5v3DykPXY6dw3q", "user:pass",
              "test-key", "resemble-test-token", "resemble-other-token",
              "resemble-emulator-media-token-secret"]


def journal_text(client) -> str:
    return json.dumps(client.get("/_admin/journal").json)


# ---- the policy --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["password", "Password", "sign", "token", "api_key", "apiKey",
                                  "APIKey", "apikey", "API_KEYS", "x-api-key", "X-Auth-Token",
                                  "media_token", "media_token_secret", "api_secret", "secret",
                                  "admin_token", "accessToken", "Authorization", "Cookie",
                                  "Set-Cookie", "Proxy-Authorization", "tokens", "signature"])
def test_secret_names(name):
    assert POLICY.is_secret(name)


@pytest.mark.parametrize("name", ["secret_headers", "secret_fields", "token_ttl_seconds",
                                  "token_type", "design", "users", "keys", "credentials",
                                  "Content-Type", "handle", "max_secure_upload_bytes", ""])
def test_names_that_are_not_secret(name):
    assert not POLICY.is_secret(name)


def test_headers_keep_their_names_and_an_authorization_its_scheme():
    headers = {"Authorization": "Bearer abc.def", "X-Api-Key": "k-123", "Cookie": "s=1",
               "Content-Type": "application/json", "X-Request-Id": "r1",
               "Proxy-Authorization": "Token a b c"}
    assert POLICY.redact(headers) == {
        "Authorization": f"Bearer {REDACTED}", "X-Api-Key": REDACTED, "Cookie": REDACTED,
        "Content-Type": "application/json", "X-Request-Id": "r1",
        "Proxy-Authorization": f"Token {REDACTED}"}
    assert POLICY.redact({"authorization": "abc123"}) == {"authorization": REDACTED}


def test_values_at_any_depth_and_their_shapes():
    body = {"credentials": {"password": "hunter22", "user": "ann"}, "token": None,
            "items": [{"sign": 12345678}], "tokens": {"tok-aaaaaaaa": "team-1"},
            "api_key": ["k-1", "k-2"], "score": 0.5}
    assert POLICY.redact(body) == {
        "credentials": {"password": REDACTED, "user": "ann"}, "token": None,
        "items": [{"sign": REDACTED}], "tokens": REDACTED, "api_key": [REDACTED, REDACTED],
        "score": 0.5}


@pytest.mark.parametrize("text, shown", [
    ("http://user:pw@host/a", f"http://user:{REDACTED}@host/a"),
    ("see https://ghp_abcdef@github.com/x.git", f"see https://{REDACTED}@github.com/x.git"),
    ("http://127.0.0.1:8080\\@127.0.0.2/ok.wav", f"http://127.0.0.1:{REDACTED}@127.0.0.2/ok.wav"),
    ("https://h/cb?a=1&token=abc&apiKey=k2#x", f"https://h/cb?a=1&token={REDACTED}&apiKey={REDACTED}#x"),
    ("api_secret=s1&sign=s2&x=3", f"api_secret={REDACTED}&sign={REDACTED}&x=3"),
    ("https://h/?api%5Fkey=abc", f"https://h/?api%5Fkey={REDACTED}"),
    ('{"token": "abcdefgh", "x": [1, 2', f'{{"token": "{REDACTED}", "x": [1, 2'),
    ("http://host/path?design=ok", "http://host/path?design=ok"),
    ("plain words, no secrets", "plain words, no secrets"),
])
def test_strings(text, shown):
    assert POLICY.redact(text) == shown


def test_json_inside_a_string_is_redacted_as_json():
    config = json.dumps({"credentials": {"password": "hunter22"}, "n": 1})
    assert json.loads(POLICY.redact(config)) == {"credentials": {"password": REDACTED}, "n": 1}
    assert POLICY.redact('{"n": 1}') == '{"n": 1}'  # untouched text keeps its form


def test_a_secret_found_once_is_masked_everywhere_in_the_entry():
    entry = {"query": {"token": ["tok-echoed-1"]},
             "response": {"body": '{"message": "token tok-echoed-1 is unknown"}'}}
    assert "tok-echoed-1" not in json.dumps(POLICY.redact(entry))


def test_known_secrets_are_found_in_any_text():
    policy = Redaction(["token"], known=["configured-secret", "short"])
    assert policy.redact({"path": "/x/configured-secret/y", "note": "short"}) == {
        "path": f"/x/{REDACTED}/y", "note": "short"}  # too short to search for
    assert policy.json_text('{"a": "configured-secret"}') == f'{{"a": "{REDACTED}"}}'


def test_user_password_pairs():
    assert POLICY.redact({"users": ["ann:pw1", "bob"]}) == {"users": [f"ann:{REDACTED}", "bob"]}


def test_a_journal_without_a_policy_uses_the_default_one():
    journal = Journal(MemoryStore(), bound=5)
    journal.record({"vendor": "v", "headers": {"Authorization": "Bearer b-123456"},
                    "query": {"apiKey": ["k"]}})
    (entry,) = journal.entries()
    assert entry["headers"] == {"Authorization": f"Bearer {REDACTED}"}
    assert entry["query"] == {"apiKey": [REDACTED]}


# ---- the property ----------------------------------------------------------------------------

secrets = st.text(string.ascii_letters + string.digits + "-_.~", min_size=8, max_size=24) \
    .map(lambda s: f"zQ{s}")
plain_keys = st.sampled_from(["data", "items", "meta", "config", "name", "options", "x"])
secret_keys = st.sampled_from(["password", "token", "apiKey", "api_secret", "sign", "Secret",
                               "access_token", "client_secret", "X-Api-Key", "mediaToken"])
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(string.ascii_lowercase,
                                                                    max_size=8))
documents = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(plain_keys, inner, max_size=4)), max_leaves=12)


@st.composite
def planted(draw):
    """A random JSON document with ``secret`` under a secret-named key at a random depth."""
    secret, document = draw(secrets), draw(documents)
    path = draw(st.lists(plain_keys, max_size=5))
    node = {draw(secret_keys): secret}
    for key in reversed(path):
        node = {key: node} if draw(st.booleans()) else {key: [node]}
    return secret, {"wrapper": node, "other": document}


@hypothesis_settings(max_examples=200, deadline=None)
@given(planted())
def test_a_planted_secret_never_survives_the_policy(case):
    secret, document = case
    assert secret not in json.dumps(POLICY.redact(document))
    assert secret not in POLICY.redact(json.dumps(document))


@hypothesis_settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(planted(), secrets, secrets, secrets, secret_keys)
def test_a_planted_secret_never_reaches_the_journal(client, case, in_query, in_url, in_header,
                                                    query_name):
    """Body, query parameter, URL userinfo anywhere in a string, header: none of the secrets
    appears in the journal entry's text (the request is answered whatever it is)."""
    secret, document = case
    document["callback"] = f"http://user:{in_url}@127.0.0.1:9/hook"
    client.delete("/_admin/journal")
    r = client.post(f"{RESEMBLE}/detect", json=document,
                    query_string={query_name: in_query, "page": "1"},
                    headers={"Authorization": f"Bearer {in_header}"})
    assert r.status_code < 500
    text = journal_text(client)
    assert "\"operation\": \"create_detection\"" in text and "\"json\": {" in text
    for planted_secret in (secret, in_query, in_url, in_header):
        assert planted_secret not in text


# ---- the journal, vendor by vendor -----------------------------------------------------------

def test_hiya_sign_in_password_and_token(client):
    r = client.post(f"{HIYA}/auth/credentials",
                    json={"handle": "user-a", "password": "correct-horse-1"})
    token = r.json["token"]
    (entry,) = client.get("/_admin/journal").json["entries"]
    assert entry["body"]["json"] == {"handle": "user-a", "password": REDACTED}
    assert entry["response"]["body"]["token"] == REDACTED
    assert entry["response"]["body"]["expiresAt"] == r.json["expiresAt"]
    client.get(f"{HIYA}/user", headers={"Authorization": f"Bearer {token}"})
    assert token not in journal_text(client) and "correct-horse-1" not in journal_text(client)


def test_resemble_secure_upload_token_and_its_use(client):
    r = client.post(f"{RESEMBLE}/secure_uploads", headers=RESEMBLE_AUTH,
                    content_type="multipart/form-data",
                    data={"file": (io.BytesIO(media.wav(2)), "clip.wav", "audio/wav")})
    token = r.json["token"]
    client.post(f"{RESEMBLE}/detect", json={"media_token": token}, headers=RESEMBLE_AUTH)
    entries = client.get("/_admin/journal").json["entries"]
    assert entries[0]["response"]["body"] == {"success": True, "token": REDACTED}
    assert entries[1]["body"]["json"] == {"media_token": REDACTED}
    assert token not in journal_text(client)


def test_query_string_credentials(client):
    client.get(f"{RESEMBLE}/detect?token=q-token-123&apiKey=q-key-456&sign=q-sign-789"
               f"&api_secret=q-secret-0&api_key=q-key-000&page=2")
    (entry,) = client.get("/_admin/journal").json["entries"]
    assert entry["query"] == {"token": [REDACTED], "apiKey": [REDACTED], "sign": [REDACTED],
                              "api_secret": [REDACTED], "api_key": [REDACTED], "page": ["2"]}
    assert "q-" not in json.dumps(entry)


def test_form_fields_and_url_passwords(client):
    client.post(f"{RESEMBLE}/detect", headers=RESEMBLE_AUTH, content_type="multipart/form-data",
                data={"file": (io.BytesIO(media.wav(2)), "clip.wav", "audio/wav"),
                      "callback_url": "https://cb-user:cb-pass-123@hooks.example/x?token=cbt-456"})
    (entry,) = client.get("/_admin/journal").json["entries"]
    assert entry["body"]["form"]["callback_url"] == \
        f"https://cb-user:{REDACTED}@hooks.example/x?token={REDACTED}"
    assert "cb-pass-123" not in journal_text(client) and "cbt-456" not in journal_text(client)


def test_a_configured_credential_in_a_path_is_masked(client):
    client.get(f"{RESEMBLE}/detect/resemble-other-token", headers=RESEMBLE_AUTH)
    (entry,) = client.get("/_admin/journal").json["entries"]
    assert entry["path"] == f"{RESEMBLE}/detect/{REDACTED}"


@pytest.fixture
def resemble_callbacks(settings):
    settings["vendors"] = {"resemble": {"callback_worker": False}}
    return settings


def test_outbound_callbacks_are_journaled_without_their_secrets(resemble_callbacks):
    client = create_app(resemble_callbacks).test_client()
    with LocalReceiver() as rx:
        hook = rx.url("/hook") + "?token=cb-token-0123&id=7"
        r = client.post(f"{RESEMBLE}/detect", headers={**RESEMBLE_AUTH, "Prefer": "wait"},
                        content_type="multipart/form-data",
                        data={"file": (io.BytesIO(media.wav(2)), "clip.wav", "audio/wav"),
                              "callback_url": hook})
        assert r.status_code == 200, r.json
        assert client.post("/_admin/vendors/resemble/callbacks/run").json["attempts"] == 1
        assert rx.posts[0]["path"] == "/hook?token=cb-token-0123&id=7"  # the receiver gets it
    (entry,) = [e for e in client.get("/_admin/journal").json["entries"]
                if e["operation"] == "callback"]
    assert entry["direction"] == "outbound" and entry["status"] == 200
    assert entry["path"] == rx.url("/hook") + f"?token={REDACTED}&id=7"
    assert "cb-token-0123" not in journal_text(client)


def test_strict_mode_violations_do_not_quote_a_secret(settings):
    settings["strict"] = "record"
    client = create_app(settings).test_client()
    client.post(f"{HIYA}/auth/credentials", json={"handle": "user-a",
                                                  "password": ["hunter2-secret-x"]})
    (violation,) = client.get("/_admin/violations").json["violations"]
    assert (violation["field"], violation["message"]) == (
        "password", f"['{REDACTED}'] is not of type 'string'")
    assert "hunter2-secret-x" not in journal_text(client)


# ---- admin answers -----------------------------------------------------------------------------

def test_settings_mask_every_configured_secret(settings):
    settings["admin_token"] = "admin-token-abcdef"
    client = create_app(settings).test_client()
    r = client.get("/_admin/settings", headers={"Authorization": "Bearer admin-token-abcdef"})
    doc, text = r.json, r.get_data(as_text=True)
    for secret in CONFIGURED + ["admin-token-abcdef"]:
        assert secret not in text, secret
    vendors = doc["vendors"]
    assert doc["admin_token"] == REDACTED
    assert [u["password"] for u in vendors["hiya"]["users"]] == [REDACTED, REDACTED]
    assert vendors["hiya"]["api_keys"] == REDACTED
    assert vendors["glair"]["users"] == [f"user:{REDACTED}"]
    assert vendors["glair"]["api_keys"] == [REDACTED]
    assert vendors["resemble"]["tokens"] == REDACTED
    assert vendors["resemble"]["media_token_secret"] == REDACTED
    assert {k: v["secret"] for k, v in vendors["finauth"]["keys"].items()} == {
        "TESTKEY_abcdefghijklmnopqrstuvwx": REDACTED,
        "ICVvC_xUs6177WEtyUNwIH8J6NfGu50t": REDACTED}
    # what is not secret is shown as it is
    assert doc["secret_fields"][0] == "password" and vendors["hiya"]["token_ttl_seconds"] == 86400.0
    assert vendors["hiya"]["users"][0]["handle"] == "user-a"


def test_configured_secrets_set_in_the_environment_are_masked(settings, monkeypatch):
    monkeypatch.setenv("MOCKSERVER_VENDORS__RESEMBLE__TOKENS", '{"env-token-9876": "team-9"}')
    client = create_app(settings).test_client()
    assert "env-token-9876" not in client.get("/_admin/settings").get_data(as_text=True)


def test_no_admin_answer_shows_a_configured_credential(client):
    r = client.put("/_admin/vendors/hiya/credits/hiya-key-user-a", json={"credits": 1})
    assert (r.status_code, r.json) == (404, {"error": f"unknown owner '{REDACTED}'"})


# ---- through gunicorn --------------------------------------------------------------------------

def test_gunicorn_journal_access_log_and_settings_keep_secrets(tmp_path):
    with ServerProcess(workers=2, state=tmp_path / "state.sqlite3",
                       spool_dir=tmp_path / "spool") as server:
        requests.post(f"{server.url}{HIYA}/auth/credentials?apiKey=gq-key-5555", timeout=30,
                      json={"handle": "user-a", "password": "correct-horse-1",
                            "meta": {"credentials": {"password": "deep-pass-777"}}})
        requests.post(f"{server.url}{HIYA}/auth/credentials", timeout=30,
                      json={"handle": "user-a", "password": "correct-horse-1"})
        requests.get(f"{server.url}{RESEMBLE}/detect/resemble-other-token?token=gq-tok-4444",
                     headers=RESEMBLE_AUTH, timeout=30)
        journal = requests.get(f"{server.url}/_admin/journal", timeout=30)
        settings = requests.get(f"{server.url}/_admin/settings", timeout=30)
        access_log = server.log_tail(20000)
    entries = journal.json()["entries"]
    assert [e["status"] for e in entries] == [400, 200, 404]
    assert f"GET {RESEMBLE}/detect/{REDACTED} 404" in access_log
    for secret in ("gq-key-5555", "gq-tok-4444", "resemble-other-token", "correct-horse-1"):
        assert secret not in access_log
    assert entries[0]["query"] == {"apiKey": [REDACTED]}
    assert entries[1]["response"]["body"]["token"] == REDACTED
    for secret in ("gq-key-5555", "deep-pass-777", "correct-horse-1"):
        assert secret not in journal.text
    for secret in CONFIGURED:
        assert secret not in settings.text
