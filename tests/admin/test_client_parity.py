"""AdminClient and openapi/admin.yaml in parity, both ways: one method per operationId, its
parameters the operation's path and query parameters and body fields, sending exactly that
request; and the vendor operations (Hiya credits, FinAuth keys, Resemble callbacks) working."""

from __future__ import annotations

import inspect
from collections import defaultdict

import pytest
import yaml

from deepfake_mock.admin.client import UNSET, AdminClient, AdminClientError
from deepfake_mock.app import SPEC_DIR

METHODS = ("get", "put", "post", "delete", "patch")
CONSTRUCTORS = {"for_test_client"}  # alternative constructors, not operations


def _spec() -> dict:
    return yaml.safe_load((SPEC_DIR / "admin.yaml").read_text())


def resolve(node: dict, spec: dict) -> dict:
    """``node`` with its ``$ref`` followed."""
    while "$ref" in node:
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def properties(schema: dict, spec: dict) -> tuple[dict, set]:
    """A body schema's properties (``allOf`` parts included) and required names."""
    schema = resolve(schema, spec)
    props, required = dict(schema.get("properties", {})), set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, more_required = properties(part, spec)
        props |= more
        required |= more_required
    return props, required


def body_fields(schema: dict, spec: dict) -> tuple[set, set]:
    """The fields a client passes for a body: its properties, except those the spec says are
    ignored; a body of one object-valued property (``rate_limit``) passes that object's fields."""
    props, required = properties(schema, spec)
    props = {name: resolve(s, spec) for name, s in props.items()
             if not s.get("description", "").startswith("Ignored")}
    if len(props) == 1:
        ((name, only),) = props.items()
        objects = [resolve(s, spec) for s in only.get("anyOf", [])]
        inner = [s for s in objects if s.get("type") == "object"]
        if inner:
            fields, inner_required = properties(inner[0], spec)
            return set(fields), inner_required if name in required else set()
    return set(props), required


def operations() -> dict[str, dict]:
    spec = _spec()
    found = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [resolve(p, spec) for p in item.get("parameters", []) + op.get("parameters", [])]
            body = op.get("requestBody")
            fields, required = (body_fields(body["content"]["application/json"]["schema"], spec)
                                if body else (set(), set()))
            found[op["operationId"]] = {
                "method": method.upper(), "path": path.removeprefix("/_admin"),
                "path_params": [p["name"] for p in params if p["in"] == "path"],
                "query": {p["name"] for p in params if p["in"] == "query"},
                "body": fields, "required": required}
    return found


OPERATIONS = operations()


def client_methods() -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(AdminClient).items()
            if not name.startswith("_") and name not in CONSTRUCTORS and callable(member)}


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_operation_has_a_method_with_its_parameters(operation_id):
    op = OPERATIONS[operation_id]
    signature = client_methods().get(operation_id)
    assert signature is not None, f"AdminClient has no method {operation_id}"
    params = {name: p for name, p in signature.parameters.items() if name != "self"}
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params.values()), "no *args/**kwargs"
    assert set(params) == set(op["path_params"]) | op["query"] | op["body"]
    assert list(params)[:len(op["path_params"])] == op["path_params"], "path parameters first"
    needed = set(op["path_params"]) | op["required"]
    assert {n for n, p in params.items() if p.default is p.empty} == needed


def test_every_public_method_is_an_operation():
    assert set(client_methods()) - set(OPERATIONS) == set()


def recording_client():
    sent = []

    def transport(method, path, body, params, headers):
        sent.append({"method": method, "path": path, "body": body, "params": params,
                     "headers": headers})
        return 200, defaultdict(lambda: None)

    return AdminClient("http://emulator", token="t0ken", transport=transport), sent


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_each_method_sends_its_operation(operation_id):
    op = OPERATIONS[operation_id]
    admin, sent = recording_client()
    signature = client_methods()[operation_id]
    args = {name: f"v-{name}" for name in signature.parameters if name != "self"}
    getattr(admin, operation_id)(**args)
    (request,) = sent
    assert request["method"] == op["method"]
    assert request["path"] == op["path"].format(**args)
    assert set(request["params"]) == op["query"]
    body = request["body"] or {}
    if operation_id == "set_rate_limit":
        body = body["rate_limit"]
    assert set(body) == op["body"]
    assert request["headers"] == {"Authorization": "Bearer t0ken"}


def test_path_segments_are_quoted():
    admin, sent = recording_client()
    admin.get_job("phonexia", "a/b c")
    assert sent[0]["path"] == "/vendors/phonexia/jobs/a%2Fb%20c"


def test_arguments_left_out_are_not_sent_and_unset_differs_from_null():
    admin, sent = recording_client()
    admin.add_fault("drop")
    admin.put_key("k", quota=None)
    admin.put_key("k", disabled=True)
    admin.set_rate_limit("glair", None)
    admin.set_rate_limit("glair", 2)
    assert [r["body"] for r in sent] == [{"fault": "drop"}, {"quota": None}, {"disabled": True},
                                         {"rate_limit": None}, {"rate_limit": {"limit": 2}}]
    assert repr(UNSET) == "UNSET"
    assert AdminClient("http://x", transport=lambda *a: (200, {}))._headers == {}


# ---- the vendor operations against the app ---------------------------------------------------

def test_hiya_credits(admin):
    owners = {c["owner"]: c for c in admin.list_credits()}
    assert "user-a" in owners
    assert admin.set_credits("user-a", 0) == {**owners["user-a"], "remaining": 0,
                                              "allowance": owners["user-a"]["spent"]}
    with pytest.raises(AdminClientError) as error:
        admin.set_credits("nobody", 1)
    assert (error.value.status, error.value.body) == (404, {"error": "unknown owner 'nobody'"})


def test_finauth_keys(admin):
    key = admin.put_key("ci-key", secret="ci-secret", quota=3, allowed_ips=["127.0.0.1"])
    assert (key["quota"], key["allowed_ips"], key["disabled"]) == (3, ["127.0.0.1/32"], False)
    key = admin.put_key("ci-key", quota=None, disabled=True)
    assert (key["quota"], key["allowed_ips"], key["disabled"]) == (None, ["127.0.0.1/32"], True)
    assert "ci-key" in {k["api_key"] for k in admin.list_keys()}
    assert admin.delete_key("ci-key") is None
    assert "ci-key" not in {k["api_key"] for k in admin.list_keys()}
    with pytest.raises(AdminClientError) as error:
        admin.delete_key("ci-key")
    assert (error.value.status, error.value.body) == (404, {"error": "unknown key 'ci-key'"})


def test_resemble_callbacks(admin):
    assert admin.list_callbacks() == []
    assert admin.run_callbacks() == {"attempts": 0, "callbacks": []}


def test_coverage_as_text_and_as_data(admin):
    assert admin.get_coverage("glair")["vendors"][0]["vendor"] == "glair"
    text = admin.get_coverage("glair", format="text")
    assert isinstance(text, str) and text.startswith("glair: 0/")


def test_clock_set_and_back_to_system(admin):
    assert admin.set_clock(1_800_000_000) == 1_800_000_000
    assert admin.get_clock() == 1_800_000_000
    assert admin.set_clock(mode="system") != 1_800_000_000
