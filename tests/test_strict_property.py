"""Strict mode has no false alarms: every request schemathesis generates from a vendor's spec as
valid data, sent over HTTP with the vendor's credentials, is found to keep to that spec."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from deepfake_mock.contracts.auth import for_vendor
from deepfake_mock.testing.target import Target
from deepfake_mock.admin.client import AdminClient
from deepfake_mock.app import SPEC_DIR
from deepfake_mock.pytest_plugin import InProcessServer
from deepfake_mock.registry import VENDORS


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    spool = tmp_path_factory.mktemp("spool")
    with InProcessServer({"state": "memory", "spool_dir": str(spool), "strict": "record"}) as server:
        yield server


@pytest.mark.parametrize("slug", [v.slug for v in VENDORS])
def test_valid_requests_break_no_rule(slug, strict_server):
    admin = AdminClient(strict_server.url)
    admin.reset()
    apply_auth = for_vendor(slug, Target(strict_server.url, admin))
    session = requests.Session()
    schema = schemathesis.openapi.from_path(SPEC_DIR / f"{slug}.yaml")
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def keeps_to_the_spec(case):
            call = apply_auth({"headers": dict(case.headers or {})})
            admin.clear_violations()
            case.call(base_url=f"{strict_server.url}/{slug}", session=session, **call)
            violations = admin.list_violations()
            assert violations == [], f"{case.as_curl_command()}\n{violations}"

        keeps_to_the_spec()
