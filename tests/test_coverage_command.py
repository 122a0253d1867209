"""``deepfake-mock coverage`` when it cannot get a report: one line, exit code 4."""

from deepfake_mock.cli import main
from deepfake_mock.embedded import InProcessServer
from deepfake_mock.testing.server import free_port


def test_no_server_at_the_url_is_one_line(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["coverage", "--url", url]) == 4
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"deepfake-mock coverage: cannot reach {url} (Connection refused); start it "
                   f"with `deepfake-mock serve`, or give its address with --url\n")


def test_an_admin_error_is_one_line(capsys, tmp_path):
    with InProcessServer({"state": "memory", "spool_dir": str(tmp_path)}) as server:
        assert main(["coverage", "--url", server.url, "--vendor", "acme"]) == 4
        assert main(["coverage", "--url", server.url, "--vendor", "glair"]) == 0
    out, err = capsys.readouterr()
    assert err == (f"deepfake-mock coverage: {server.url}/_admin/coverage answered 404: "
                   f"{{'error': \"unknown vendor 'acme'\"}}\n")
    assert out.startswith("glair: 0/")


def test_the_admin_token_is_sent(capsys, tmp_path):
    settings = {"state": "memory", "spool_dir": str(tmp_path), "admin_token": "s3cret"}
    with InProcessServer(settings) as server:
        assert main(["coverage", "--url", server.url, "--admin-token", "s3cret"]) == 0
        assert main(["coverage", "--url", server.url]) == 4
    out, err = capsys.readouterr()
    assert out.startswith("phonexia: 0/")
    assert err.startswith(f"deepfake-mock coverage: {server.url}/_admin/coverage answered 401: ")
