"""``testing.http_client.HttpClient``: a request given as the Flask test client takes it reaches
the server as the test client sends it, and its answer reads the same."""

import io

import pytest

from deepfake_mock.embedded import InProcessServer
from deepfake_mock.testing import media
from deepfake_mock.testing.http_client import HttpClient

START = "/phonexia/api/technology/experimental/authenticity-verification"

REQUESTS = {
    "multipart": dict(method="POST", path=START, query_string={"channels": "0"},
                      data={"file": (io.BytesIO(media.wav(4)), "a.wav"), "config": "{}"},
                      content_type="multipart/form-data", headers={"X-Test": "1"}),
    "json": dict(method="POST", path=START, json={"file": "x", "b": 1}),
    "raw bytes": dict(method="POST", path=START, data=b"hello", content_type="text/plain"),
    "query in the path": dict(method="GET", path=f"{START}/not-a-uuid?range_from=1&x=%20y"),
    "wrong method": dict(method="DELETE", path=START),
}
SEEN = ("method", "path", "query", "body", "status")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    spool = tmp_path_factory.mktemp("spool")
    with InProcessServer({"state": "memory", "spool_dir": str(spool), "clock": "manual"}) as s:
        yield s


def exchange(client, target, request):
    request = dict(request)
    if isinstance(request.get("data"), dict):  # streams are read once: a fresh copy
        request["data"] = {k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
                           for k, v in request["data"].items()}
    response = client.open(request.pop("path"), **request)
    entry = target.journal[-1]
    received = {key: entry[key] for key in SEEN}
    received["content_type"] = entry["headers"].get("Content-Type", "").split(";")[0]
    received["host"] = entry["headers"]["Host"]
    return response, received


@pytest.mark.parametrize("name", REQUESTS)
def test_the_server_receives_what_the_test_client_sends(server, name):
    target = server.target()
    local, local_seen = exchange(server.app.test_client(), target, REQUESTS[name])
    remote, remote_seen = exchange(HttpClient(server.url), target, REQUESTS[name])
    assert remote_seen == local_seen
    assert remote.status_code == local.status_code
    assert remote.mimetype == local.mimetype
    if name == "multipart":  # a new task each time
        assert set(remote.json["task"]) == set(local.json["task"])
        assert remote.headers["X-Location"].startswith(START)
    else:
        assert remote.get_data(as_text=True) == local.get_data(as_text=True)
        assert sorted(remote.headers.items()) == sorted(local.headers.items())


def test_an_environ_for_an_in_process_request_is_refused():
    with pytest.raises(TypeError, match="in_process"):
        HttpClient("http://127.0.0.1:9").get("/", environ_base={"REMOTE_ADDR": "10.0.0.1"})
