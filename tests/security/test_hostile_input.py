"""Hostile input: deeply nested JSON, decompression-bomb images, absurd audio headers, oversized
request lines and headers, and methods no route has. Each answer is the vendor's own, never a
500, an HTML page or an afternoon of CPU."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.core import jsonbody
from deepfake_mock.core.specs import Spec
from deepfake_mock.registry import VENDORS
from deepfake_mock.testing import media

RESEMBLE = {"Authorization": "Bearer resemble-test-token"}
HIYA = {"Authorization": "Bearer hiya-key-user-a"}
GLAIR = {"x-api-key": "test-key", "Authorization": "Basic dXNlcjpwYXNz"}
CREDENTIALS = {"resemble": RESEMBLE, "hiya": HIYA, "glair": GLAIR}
SPACE = "/hiya/v1/spaces/user-a/main"
PHONEXIA_AV = "/phonexia/api/technology/experimental/authenticity-verification"
# path parameters that name resources the fixtures create (anything else gets "x")
PATH_VALUES = {"owner": "user-a", "space": "main"}


def spec_operations(include_admin: bool = True) -> list[tuple[str, Spec]]:
    specs = [(v.slug, Spec(SPEC_DIR / v.spec)) for v in VENDORS]
    if include_admin:
        specs.append(("_admin", Spec(SPEC_DIR / "admin.yaml")))
    return specs


def json_operations() -> list[tuple[str, str, str]]:
    """(prefix, method, path) of every operation of every spec that takes a JSON body."""
    found = []
    for prefix, spec in spec_operations():
        for op in spec.operations.values():
            body = spec.document["paths"][op.path][op.method.lower()].get("requestBody", {})
            if any("json" in media for media in body.get("content", {})):
                found.append((prefix, op.method, op.path))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)


def nested(depth: int, opener: str = "[") -> bytes:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return (opener * depth + "1" + closer * depth).encode()


# ---- 1. deeply nested JSON ---------------------------------------------------------------------

@pytest.fixture
def detect_uuid(client):
    answer = client.post("/resemble/api/v2/detect", headers=RESEMBLE, data={
        "file": (io.BytesIO(media.wav(seconds=2.0)), "a.wav", "audio/wav")})
    assert answer.status_code in (200, 202), answer.get_json()
    return answer.get_json()["item"]["uuid"]


def test_deep_json_gets_each_vendors_malformed_body_answer(client, detect_uuid):
    cases = [
        ("POST", "/resemble/api/v2/detect", RESEMBLE, 400,
         {"success": False, "message": "Request body must be a JSON object"}),
        ("POST", f"/resemble/api/v2/detects/{detect_uuid}/intelligence", RESEMBLE, 400, None),
        ("POST", "/hiya/v1/auth/credentials", {}, 400, None),
        ("POST", f"{SPACE}/audios", HIYA, 400, None),
        ("PATCH", SPACE, HIYA, 400, None),
        ("POST", "/_admin/faults", {}, 400, {"error": "the body must be a JSON object"}),
    ]
    for method, path, headers, status, body in cases:
        malformed = client.open(path, method=method, headers=headers, data=b'{"a": ',
                                content_type="application/json")
        deep = client.open(path, method=method, headers=headers, data=nested(10_000),
                           content_type="application/json")
        assert (deep.status_code, deep.get_json()) == (malformed.status_code,
                                                       malformed.get_json()), path
        assert deep.status_code == status, (path, deep.get_json())
        if body is not None:
            assert deep.get_json() == body


@hsettings(max_examples=60, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operation=st.sampled_from(json_operations()), depth=st.integers(65, 20_000),
       opener=st.sampled_from(["[", '{"a":']))
def test_every_json_operation_answers_deep_json_as_malformed_json(client, operation, depth,
                                                                   opener):
    prefix, method, path = operation
    url = f"/{prefix}{concrete(path)}"
    headers = CREDENTIALS.get(prefix, {})
    malformed = client.open(url, method=method, headers=headers, data=b"[1,",
                            content_type="application/json")
    deep = client.open(url, method=method, headers=headers, data=nested(depth, opener),
                       content_type="application/json")
    assert deep.status_code < 500, (url, deep.get_data()[:300])
    assert deep.status_code == malformed.status_code, url
    assert deep.get_json() == malformed.get_json(), url


def test_deep_json_in_strict_mode_is_a_violation_not_a_crash(admin, client):
    admin.set_strict("reject")
    deep = client.post("/resemble/api/v2/detect", headers=RESEMBLE, data=nested(10_000),
                       content_type="application/json")
    assert deep.status_code == 400
    assert deep.get_json()["success"] is False


def test_deep_phonexia_config_is_the_malformed_config_answer(client):

    def submit(config: bytes):
        return client.post(PHONEXIA_AV, data={"file": (io.BytesIO(media.wav(seconds=1.0)), "a.wav"),
                                 "config": config.decode()})
    malformed, deep = submit(b'{"a": '), submit(nested(10_000, '{"a":'))
    assert deep.status_code == malformed.status_code == 400
    assert deep.get_json() == malformed.get_json()


def test_depth_limit_leaves_ordinary_documents_alone():
    assert jsonbody.loads(nested(64)) == jsonbody.loads(nested(64))
    with pytest.raises(ValueError):
        jsonbody.loads(nested(65))
    with pytest.raises(ValueError):
        jsonbody.loads(nested(100_000))
