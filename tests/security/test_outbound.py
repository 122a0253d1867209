"""Outbound requests (Resemble's `url` media and callbacks): each connects exactly to what was
checked, none reaches an admin API, and each ends at one deadline and a size cap."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from urllib3.util import parse_url

from deepfake_mock import create_app
from deepfake_mock.core import outbound
from deepfake_mock.testing import media
from deepfake_mock.testing.server import ServerProcess, free_port, wait_until

API = "/resemble/api/v2"
AUTH = {"Authorization": "Bearer resemble-test-token"}
WAIT = {**AUTH, "Prefer": "wait"}
UNREACHABLE = "Unable to download media from url"
ADMIN_PATH = "the URL's path reaches an emulator's admin API"


class Origin:
    """A loopback HTTP server on ``host`` recording every request, answering by path (404 for
    others, 200 to a POST without a route). ``sent[path]`` counts the bytes it managed to write
    before the client went away."""

    def __init__(self, host: str = "127.0.0.1"):
        self.requests: list[tuple[str, str, dict]] = []
        self.sent: dict[str, int] = {}
        self._routes: dict[str, object] = {}
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                origin.requests.append((self.command, self.path, dict(self.headers)))
                default = origin._ok if self.command == "POST" else origin._not_found
                try:
                    origin._routes.get(self.path, default)(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = answer

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://{host}:{self._server.server_port}"
        self.port = self._server.server_port

    def __enter__(self) -> "Origin":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def _ok(handler):
        handler.send_response(200)
        handler.end_headers()

    @staticmethod
    def _not_found(handler):
        handler.send_response(404)
        handler.end_headers()

    def _count(self, path: str, n: int) -> None:
        self.sent[path] = self.sent.get(path, 0) + n

    def serve(self, path: str, data: bytes) -> str:
        def answer(h):
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        self._routes[path] = answer
        return self.base + path

    def drip(self, path: str, at_once: bytes, slowly: bytes, interval: float) -> str:
        """Answer with the raw bytes ``at_once``, then ``slowly`` one byte every ``interval``."""
        def answer(h):
            h.wfile.write(at_once)
            h.wfile.flush()
            for byte in slowly:
                time.sleep(interval)  # the drip itself; no assertion waits on it
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                self._count(path, 1)
        self._routes[path] = answer
        return self.base + path

    def stream(self, path: str, size: int, declare: bool) -> str:
        """``size`` zero bytes, with a Content-Length or delimited by closing."""
        def answer(h):
            h.send_response(200)
            if declare:
                h.send_header("Content-Length", str(size))
            h.end_headers()
            chunk = bytes(1 << 16)
            for start in range(0, size, len(chunk)):
                h.wfile.write(chunk[:size - start])
                self._count(path, min(len(chunk), size - start))
        self._routes[path] = answer
        return self.base + path

    def redirect(self, path: str, location: str) -> str:
        def answer(h):
            h.send_response(302)
            h.send_header("Location", location)
            h.end_headers()
        self._routes[path] = answer
        return self.base + path


def policy(*entries: str, deadline: float = 5.0, max_bytes: int | None = None,
           resolve=None) -> outbound.Policy:
    extra = {} if resolve is None else {"resolve": resolve}
    return outbound.Policy.of(entries, "test.allow", deadline, max_bytes, **extra)


def resolver(table: dict[str, list[str]], calls: list | None = None):
    """A getaddrinfo stand-in: names to addresses, recording each call."""
    def resolve(host, port, **kwargs):
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise OSError("Name or service not known")
        return [(None, None, None, "", (address, port)) for address in table[host]]
    return resolve


def fetch(url: str, pol: outbound.Policy) -> bytes:
    chunks: list[bytes] = []
    outbound.get(outbound.check(url, pol), pol, chunks.append)
    return b"".join(chunks)


# ---- one parse, nothing a second parser could read differently ---------------------------------

@pytest.mark.parametrize("url,reason", [
    ("http://127.0.0.1:8080\\@127.0.0.2/ok.wav",
     "the URL has a backslash, a space, a control or a non-ASCII character"),
    ("http://127.0.0.2\\.evil.test/", "the URL has a backslash, a space, a control or a "
                                      "non-ASCII character"),
    ("http://127.0.0.2 /ok.wav", "the URL has a backslash, a space, a control or a non-ASCII "
                                 "character"),
    ("http://127.0.0.2/ok.wav\t", "the URL has a backslash, a space, a control or a non-ASCII "
                                  "character"),
    ("http://médias.test/ok.wav", "the URL has a backslash, a space, a control or a non-ASCII "
                                  "character"),
    ("http://user@127.0.0.2/ok.wav", "the URL carries user information"),
    ("http://127.0.0.1:8080@127.0.0.2/ok.wav", "the URL carries user information"),
    ("http://:@127.0.0.2/ok.wav", "the URL carries user information"),
    ("ftp://127.0.0.2/ok.wav", "only http and https URLs are fetched"),
    ("file:///etc/passwd", "only http and https URLs are fetched"),
    ("gopher://127.0.0.2:70/_admin", "only http and https URLs are fetched"),
    ("//127.0.0.2/ok.wav", "only http and https URLs are fetched"),
    ("http://127.0.0.2:0/ok.wav", "the URL's port is 0"),
    ("http://127.0.0.2:65536/ok.wav", "the URL's host or port cannot be read"),
    ("http://127.0.0.2:80:80/ok.wav", "the URL's host or port cannot be read"),
    ("http://127.0.0.2:8o/ok.wav", "the URL's host or port cannot be read"),
    ("http://[::1/ok.wav", "the URL's host or port cannot be read"),
    ("http:///ok.wav", "the URL's host is not a host name or an address"),
    ("http://[fe80::1%25lo]/ok.wav", "the URL's host is not a host name or an address"),
    ("http://a..b/ok.wav", "the URL's host is not a host name or an address"),
    ("http://%31%32%37.0.0.2/ok.wav", "the URL's host is not a host name or an address"),
])
def test_urls_another_parser_could_read_differently_are_refused(url, reason):
    with pytest.raises(outbound.Refused) as refused:
        outbound.check(url, policy("*", resolve=resolver({})))
    assert refused.value.reason == reason


@pytest.mark.parametrize("path", [
    "/_admin/reset", "/_ADMIN/reset", "/%5Fadmin/reset", "/%5fadmin/settings", "/_admin",
    "/_admin/", "/_session/s1/_admin/reset", "/resemble/../_admin/reset", "//_admin/reset",
    "/_admin/vendors/resemble/callbacks/run", "/x/_admin?y=1", "/_admin%2Freset"])
def test_an_admin_path_is_refused_whatever_the_allow_list_says(path):
    with pytest.raises(outbound.Refused) as refused:
        outbound.check(f"http://127.0.0.1:8080{path}", policy("*", "loopback", "127.0.0.1:8080"))
    assert refused.value.reason == ADMIN_PATH


@pytest.mark.parametrize("path", ["/_administrator/x", "/media/_admin.wav", "/x_admin/reset",
                                  "/ok.wav?next=/_admin/reset"])
def test_paths_that_only_look_like_the_admin_api_pass(path):
    target = outbound.check(f"http://127.0.0.1:8080{path}", policy("loopback"))
    assert target.target == path and target.addresses == ("127.0.0.1",)


# ---- the allow-list judges the resolved address, resolved once ----------------------------------

def test_the_resolved_address_is_checked_and_is_what_is_connected_to():
    calls: list[str] = []
    hostile = policy("127.0.0.2", resolve=resolver({"media.test": ["127.0.0.1"]}, calls))
    with pytest.raises(outbound.Refused) as refused:
        outbound.check("http://media.test:8080/ok.wav", hostile)
    assert refused.value.reason == "media.test (127.0.0.1) port 8080 is not in test.allow"
    both = policy("127.0.0.2", resolve=resolver({"media.test": ["127.0.0.1", "127.0.0.2"]}, calls))
    target = outbound.check("http://media.test:8080/ok.wav?sig=1#frag", both)
    assert target == outbound.Target(
        url="http://media.test:8080/ok.wav?sig=1#frag", scheme="http", host="media.test",
        port=8080, addresses=("127.0.0.2",), host_header="media.test:8080",
        target="/ok.wav?sig=1")
    assert calls == ["media.test", "media.test"]  # once per check


def test_a_name_no_entry_could_admit_is_refused_without_resolving():
    calls: list[str] = []
    pol = policy("loopback", "*.example.org", resolve=resolver({}, calls))
    with pytest.raises(outbound.Refused) as refused:
        outbound.check("https://hooks.example.com/x", pol)
    assert refused.value.reason == "hooks.example.com port 443 is not in test.allow"
    assert calls == []


def test_a_name_that_does_not_resolve_fails_without_a_connection():
    with pytest.raises(outbound.Failed, match="cannot resolve media.example.org"):
        outbound.check("https://media.example.org/x", policy("*", resolve=resolver({})))


NAMES = {"localhost": ["127.0.0.1"], "lvh.test": ["127.0.0.1"], "a.example.org": ["93.184.216.34"],
         "example.org.evil.test": ["93.184.216.34"], "svc.internal": ["10.1.2.3"],
         "v6.test": ["::1"]}


@pytest.mark.parametrize("entries,url,addresses", [
    (["loopback"], "http://localhost:9/x", ("127.0.0.1",)),
    (["loopback"], "http://127.8.9.1/x", ("127.8.9.1",)),
    (["loopback"], "http://[::1]:9/x", ("::1",)),
    (["loopback"], "http://[::ffff:127.0.0.1]/x", ("127.0.0.1",)),
    (["loopback"], "http://lvh.test/x", None),               # a name is not an address
    (["loopback"], "http://10.0.0.1/x", None),
    (["*.example.org"], "https://a.example.org/x", ("93.184.216.34",)),
    (["*.example.org"], "https://example.org.evil.test/x", None),
    (["a.example.org"], "https://A.Example.Org./x", ("93.184.216.34",)),
    (["10.0.0.0/8"], "http://svc.internal/x", ("10.1.2.3",)),
    (["10.0.0.0/8"], "http://lvh.test/x", None),
    (["127.0.0.2:8080"], "http://127.0.0.2:8080/x", ("127.0.0.2",)),
    (["127.0.0.2:8080"], "http://127.0.0.2:8081/x", None),
    (["127.0.0.2:8080"], "http://127.0.0.2/x", None),
    (["[::1]:8080"], "http://v6.test:8080/x", ("::1",)),
    (["*"], "https://svc.internal/x", ("10.1.2.3",)),
    ([], "http://127.0.0.1/x", None),
])
def test_allow_list_entries(entries, url, addresses):
    pol = outbound.Policy.of(entries, "test.allow", 5, resolve=resolver(NAMES))
    if addresses is None:
        with pytest.raises(outbound.Refused, match="is not in test.allow"):
            outbound.check(url, pol)
    else:
        assert outbound.check(url, pol).addresses == addresses


@pytest.mark.parametrize("entry", ["", "http://media.test", "a b", "127.0.0.1:99999", "*.",
                                   "media.test/x", "-bad.test"])
def test_an_unreadable_allow_list_entry_stops_start_up(settings, entry):
    settings["vendors"] = {"resemble": {"callback_allow_hosts": ["loopback", entry]}}
    with pytest.raises(ValueError, match="^resemble.callback_allow_hosts: not an allow-list "
                                         "entry: "):
        create_app(settings)


HOST_PARTS = ["127.0.0.1", "127.0.0.2", "localhost", "media.test", "[::1]", "[::ffff:127.0.0.1]",
              ":", ":8080", ":0", "@", "\\", ".", "%2e", "[", "]", " ", "\t", "é", "-", "/", "?"]
PATH_PARTS = ["/", "//", ".", "..", "_admin", "_ADMIN", "%5f", "%5F", "admin", "%2f", "%", "?",
              "#", "@", "x"]
URL_TEXT = st.builds("{}/{}".format, st.lists(st.sampled_from(HOST_PARTS), max_size=4).map("".join),
                     st.lists(st.sampled_from(PATH_PARTS), max_size=8).map("".join))


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=st.sampled_from(["http://", "https://", "HTTP://", ""]), rest=URL_TEXT)
def test_whatever_the_url_an_accepted_one_means_the_same_to_urllib3(scheme, rest):
    """Any URL ``check`` accepts names the same host and port for urllib3 (what requests uses),
    and connects only to admitted addresses, never along an admin path."""
    url = scheme + rest
    pol = policy("127.0.0.2", "localhost", resolve=lambda host, port, **kw: [
        (None, None, None, "", (address, port)) for address in ("127.0.0.1", "127.0.0.2")])
    try:
        target = outbound.check(url, pol)
    except (outbound.Refused, outbound.Failed):
        return
    other = parse_url(url)
    assert (other.host or "").strip("[]").lower().rstrip(".") == target.host
    assert (other.port or outbound.DEFAULT_PORTS[target.scheme]) == target.port
    assert target.addresses == (("127.0.0.1", "127.0.0.2") if target.host == "localhost"
                                else ("127.0.0.2",))
    assert "_admin" not in target.target.lower().replace("%5f", "_").split("?")[0].split("/")


# ---- connecting: the checked address, the URL's Host, nothing followed ---------------------------

def test_the_request_goes_to_the_checked_address_with_the_urls_host():
    with Origin("127.0.0.2") as origin:
        origin.serve("/a.wav", b"RIFF1234")
        pol = policy("127.0.0.2", resolve=resolver({"media.test": ["127.0.0.2"]}))
        assert fetch(f"http://media.test:{origin.port}/a.wav", pol) == b"RIFF1234"
    ((method, path, headers),) = origin.requests
    assert (method, path) == ("GET", "/a.wav")
    assert headers["Host"] == f"media.test:{origin.port}"
    assert headers["Connection"] == "close" and headers["User-Agent"] == "deepfake-mock"


def test_redirects_are_not_followed():
    with Origin() as origin:
        origin.serve("/real.wav", b"RIFF")
        url = origin.redirect("/moved.wav", origin.base + "/real.wav")
        with pytest.raises(outbound.Failed, match=r"^HTTP 302: a redirect \(not followed\)$"):
            fetch(url, policy("loopback"))
    assert [path for _, path, _ in origin.requests] == ["/moved.wav"]


def test_a_body_shorter_than_declared_fails():
    with Origin() as origin:
        url = origin.drip("/cut.wav", b"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nRIFF", b"", 0)
        with pytest.raises(outbound.Failed, match="^the body ended 96 bytes early$"):
            fetch(url, policy("loopback"))


# ---- one deadline, one size cap -----------------------------------------------------------------

HEAD_40 = b"HTTP/1.0 200 OK\r\nContent-Length: 40\r\n\r\n"


def test_one_deadline_for_the_whole_download_not_per_read():
    """A byte every 0.2 s never trips a per-read timeout of 1 s; the 1 s deadline cuts it."""
    with Origin() as origin:
        url = origin.drip("/slow.wav", HEAD_40, bytes(40), 0.2)
        started = time.monotonic()
        with pytest.raises(outbound.Failed):
            fetch(url, policy("loopback", deadline=1.0))
        elapsed = time.monotonic() - started
    assert elapsed < 4.0           # the whole drip takes 8 s
    assert origin.sent["/slow.wav"] < 40


def test_the_deadline_covers_a_slow_status_line_too():
    with Origin() as origin:
        url = origin.drip("/slow-head.wav", b"", HEAD_40 + bytes(40), 0.2)
        with pytest.raises(outbound.Failed):
            fetch(url, policy("loopback", deadline=1.0))
    assert origin.sent["/slow-head.wav"] < len(HEAD_40)


@pytest.mark.parametrize("declare", [True, False])
def test_a_body_above_the_cap_is_not_read_on(declare):
    with Origin() as origin:
        url = origin.stream("/big.wav", 1 << 20, declare)
        with pytest.raises(outbound.Failed) as failed:
            fetch(url, policy("loopback", max_bytes=4096))
    assert str(failed.value) == ("Content-Length 1048576 is above 4096 bytes" if declare
                                 else "the body is larger than 4096 bytes")


def test_a_body_at_the_cap_is_read_whole():
    with Origin() as origin:
        url = origin.stream("/fits.wav", 4096, declare=False)
        assert fetch(url, policy("loopback", max_bytes=4096)) == bytes(4096)


# ---- through the app: url media and callbacks ---------------------------------------------------

@pytest.fixture
def only_127_0_0_2(settings):
    settings["vendors"] = {"resemble": {"url_allow_hosts": ["127.0.0.2"],
                                        "callback_allow_hosts": ["127.0.0.2"]}}
    return settings


def deliveries(client) -> list[dict]:
    assert client.post("/_admin/vendors/resemble/callbacks/run").status_code == 200
    return client.get("/_admin/vendors/resemble/callbacks").json["callbacks"]


def test_the_backslash_trick_reaches_nobody(only_127_0_0_2):
    client = create_app(only_127_0_0_2).test_client()
    with Origin("127.0.0.1") as origin:
        origin.serve("/ok.wav", media.wav(2))
        trick = f"http://127.0.0.1:{origin.port}\\@127.0.0.2"
        r = client.post(f"{API}/detect", headers=WAIT,
                        json={"url": f"{trick}/ok.wav", "callback_url": f"{trick}/hook"})
        assert r.status_code == 200
        assert r.json["item"]["status"] == "failed"
        assert r.json["item"]["error_message"] == UNREACHABLE
        (delivery,) = deliveries(client)
    assert origin.requests == []
    assert delivery["state"] == "blocked"
    assert delivery["attempts"][0]["error"] == (
        "the URL has a backslash, a space, a control or a non-ASCII character; not contacted")


def test_an_allowed_address_gets_the_fetch_and_the_callback(only_127_0_0_2):
    client = create_app(only_127_0_0_2).test_client()
    with Origin("127.0.0.2") as origin:
        url = origin.serve("/ok.wav", media.wav(2))
        r = client.post(f"{API}/detect", headers=WAIT,
                        json={"url": url, "callback_url": origin.base + "/hook"})
        assert r.json["item"]["status"] == "completed"
        assert [d["state"] for d in deliveries(client)] == ["delivered"]
    host = f"127.0.0.2:{origin.port}"
    assert [(m, p, h["Host"]) for m, p, h in origin.requests] == [
        ("GET", "/ok.wav", host), ("POST", "/hook", host)]


def test_a_slow_url_is_cut_at_the_fetch_deadline(settings):
    settings["vendors"] = {"resemble": {"url_fetch_timeout": 1}}
    client = create_app(settings).test_client()
    with Origin() as origin:
        url = origin.drip("/slow.wav", HEAD_40, bytes(40), 0.2)
        r = client.post(f"{API}/detect", headers=WAIT, json={"url": url})
    assert r.json["item"]["status"] == "failed"
    assert r.json["item"]["error_message"] == UNREACHABLE   # not "File must be valid media format"


def test_a_url_above_the_default_cap_is_refused_from_its_length(client):
    """150 MiB by default: a 300 MB answer stops after its headers."""
    with Origin() as origin:
        url = origin.stream("/huge.wav", 300_000_000, declare=True)
        r = client.post(f"{API}/detect", headers=WAIT, json={"url": url})
    assert r.json["item"]["error_message"] == UNREACHABLE
    assert origin.sent.get("/huge.wav", 0) < 32 * (1 << 20)


def test_a_slow_callback_receiver_is_cut_at_the_callback_deadline(settings):
    settings["vendors"] = {"resemble": {"callback_timeout_seconds": 1}}
    client = create_app(settings).test_client()
    with Origin() as origin:
        hook = origin.drip("/hook", b"", b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0.2)
        client.post(f"{API}/detect", headers=WAIT,
                    json={"url": origin.serve("/ok.wav", media.wav(2)), "callback_url": hook})
        (delivery,) = deliveries(client)
    assert delivery["state"] == "pending"          # a failed attempt, retried later
    (attempt,) = delivery["attempts"]
    assert attempt["status"] is None and attempt["error"] == "no answer within the deadline of 1 s"


def test_a_callback_to_the_admin_api_is_blocked(client):
    r = client.post(f"{API}/detect", headers=WAIT, json={
        "url": "http://127.0.0.1:9/x.wav", "callback_url": "http://localhost:8080/_admin/reset"})
    (delivery,) = deliveries(client)
    assert delivery["state"] == "blocked"
    assert delivery["attempts"][0]["error"] == f"{ADMIN_PATH}; not contacted"
    assert r.status_code == 200


def test_the_outbound_defaults_are_documented_settings(admin):
    resemble = admin.get_settings()["vendors"]["resemble"]
    assert (resemble["url_fetch_timeout"], resemble["url_max_bytes"],
            resemble["callback_timeout_seconds"]) == (10, 150 * (1 << 20), 5.0)
    assert resemble["url_allow_hosts"] == resemble["callback_allow_hosts"] == ["loopback"]


# ---- through gunicorn ---------------------------------------------------------------------------

def test_outbound_rules_hold_through_gunicorn(tmp_path):
    """The backslash trick reaches nobody, a callback to the server's own /_admin/reset (its
    port explicitly allowed) resets nothing, and a dripping URL is cut at the deadline."""
    port = free_port()
    prefix = "MOCKSERVER_VENDORS__RESEMBLE__"
    env = {f"{prefix}URL_ALLOW_HOSTS": '["127.0.0.2"]',
           f"{prefix}CALLBACK_ALLOW_HOSTS": f'["127.0.0.2", "127.0.0.1:{port}"]',
           f"{prefix}URL_FETCH_TIMEOUT": "1", f"{prefix}CALLBACK_POLL_INTERVAL_SECONDS": "0.05"}
    with Origin("127.0.0.1") as near, Origin("127.0.0.2") as allowed, \
            ServerProcess(workers=1, port=port, env=env, spool_dir=tmp_path / "spool") as server:
        near.serve("/ok.wav", media.wav(2))
        trick = f"http://127.0.0.1:{near.port}\\@127.0.0.2"
        tricked = requests.post(f"{server.url}{API}/detect", headers=WAIT, timeout=30, json={
            "url": f"{trick}/ok.wav", "callback_url": f"{trick}/hook"}).json()["item"]
        reset = requests.post(f"{server.url}{API}/detect", headers=WAIT, timeout=30, json={
            "url": allowed.serve("/ok.wav", media.wav(2)),
            "callback_url": f"{server.url}/%5Fadmin/reset"}).json()["item"]
        started = time.monotonic()
        slow = requests.post(f"{server.url}{API}/detect", headers=WAIT, timeout=30, json={
            "url": allowed.drip("/slow.wav", HEAD_40, bytes(40), 0.25)}).json()["item"]
        slow_seconds = time.monotonic() - started

        def callbacks():
            return requests.get(f"{server.url}/_admin/vendors/resemble/callbacks",
                                timeout=30).json()["callbacks"]
        wait_until(lambda: all(d["state"] == "blocked" for d in callbacks()) and callbacks(),
                   "both deliveries blocked")
        still_there = requests.get(f"{server.url}{API}/detect/{reset['uuid']}", headers=AUTH,
                                   timeout=30)
        errors = sorted(d["attempts"][0]["error"] for d in callbacks())
    assert near.requests == []
    assert (tricked["status"], tricked["error_message"]) == ("failed", UNREACHABLE)
    assert reset["status"] == "completed" and still_there.status_code == 200
    assert errors == ["the URL has a backslash, a space, a control or a non-ASCII character; "
                      "not contacted", f"{ADMIN_PATH}; not contacted"]
    assert (slow["status"], slow["error_message"]) == ("failed", UNREACHABLE)
    assert slow_seconds < 6.0       # the drip takes 10 s; the deadline is 1 s
