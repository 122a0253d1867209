"""Property-based conformance: every operation of every vendor's spec, with generated inputs.

For each operation Hypothesis generates requests from the spec; every response must be
documented (status, headers, content type, body schema), never a server error, and carry the
vendor's own error envelope.
"""

from __future__ import annotations

import json

import pytest
import requests
import schemathesis
from schemathesis.checks import positive_data_acceptance
from hypothesis import HealthCheck, given, settings

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.registry import VENDORS

from .auth import for_vendor
from .checks import CHECKS
from .conftest import vendor_target


def carries_media(operation) -> bool:
    """A body with binary or base64 media: schema-valid bytes are not necessarily decodable
    media, and the vendor's documented answer to those is an error, so a generated body is not
    expected to be accepted."""
    body = json.dumps(_resolved(operation.definition.raw.get("requestBody", {}),
                                operation.schema.raw_schema, set()))
    return any(marker in body for marker in ('"binary"', '"byte"', '"base64"'))


def _resolved(node, spec: dict, seen: set):
    """``node`` with its local ``$ref``s replaced by what they point at (each followed once)."""
    if isinstance(node, list):
        return [_resolved(item, spec, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        target = spec
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        return _resolved(target, spec, seen | {ref})
    return {key: _resolved(value, spec, seen) for key, value in node.items()}


def operations(slug: str, *, sanitize: bool = True):
    """The spec's operations; ``sanitize``: their curl commands hide credentials."""
    schema = schemathesis.openapi.from_path(SPEC_DIR / f"{slug}.yaml")
    schema.config.output.sanitization.update(enabled=sanitize)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("slug", [v.slug for v in VENDORS])
def test_every_operation_conforms_to_the_spec(slug, target, request, exchanges):
    target = vendor_target(target, slug)
    base_url = target.url(slug)
    apply_auth = for_vendor(slug, target)
    session = requests.Session()
    examples = request.config.getoption("--max-examples")
    broken = []

    for operation in operations(slug, sanitize=not target.is_emulator):
        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case):
            call = apply_auth({"headers": dict(case.headers or {})})
            curl = lambda: case.as_curl_command(headers=call["headers"], base_url=base_url)  # noqa: E731
            with exchanges.case(curl):
                case.call_and_validate(base_url=base_url, session=session,
                                       additional_checks=CHECKS[slug],
                                       excluded_checks=excluded, **call)

        excluded = [positive_data_acceptance] if carries_media(operation) else []

        try:
            conforms()
        except (Exception, BaseExceptionGroup) as error:  # schemathesis's FailureGroup is a
            broken.append(error)  # BaseExceptionGroup; one broken operation hides no other one
    if len(broken) == 1:
        raise broken[0]
    if broken:
        raise BaseExceptionGroup(f"{len(broken)} {slug} operations break the spec", broken)
