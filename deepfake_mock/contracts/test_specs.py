"""Property-based conformance: every operation of every vendor's spec, with generated inputs.

One test per vendor and operation (a JUnit test case each): Hypothesis generates requests from
the spec; every response must be documented (status, headers, content type, body schema), never
a server error, and pass the vendor's checks (its own error envelope...). A failure names the
failing checks and gives each failing example as a curl command.
"""

from __future__ import annotations

import functools
import json

import pytest
import requests
import schemathesis
from schemathesis.checks import positive_data_acceptance
from hypothesis import HealthCheck, given, settings

from deepfake_mock.app import SPEC_DIR
from deepfake_mock.core.specs import Spec
from deepfake_mock.registry import VENDORS

from .auth import for_vendor
from .checks import CHECKS
from .checks_base import CheckFailure
from .conftest import vendor_target
from .report import describe


def carries_media(operation) -> bool:
    """A body with binary or base64 media, or the URL of media to fetch (``x-media-url``):
    schema-valid bytes are not necessarily decodable media, and the vendor's documented answer
    to those is an error, so a generated body is not expected to be accepted."""
    body = json.dumps(_resolved(operation.definition.raw.get("requestBody", {}),
                                operation.schema.raw_schema, set()))
    return any(marker in body for marker in ('"binary"', '"byte"', '"base64"', '"x-media-url"'))


def is_websocket(operation) -> bool:
    """A WebSocket handshake (``x-websocket``): the generated plain requests carry no upgrade,
    so the server refuses them (its messages are checked by the vendor's flows)."""
    return "x-websocket" in operation.definition.raw


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


def spec_cases() -> list:
    """One test per vendor and operation (ids ``<vendor>-<operationId>``)."""
    return [pytest.param(v.slug, op_id, id=f"{v.slug}-{op_id}")
            for v in VENDORS for op_id in Spec(SPEC_DIR / f"{v.slug}.yaml").operations]


@pytest.fixture(scope="session")
def spec_operations(target) -> dict:
    """``{(vendor, operationId): schemathesis operation}``, loaded once per vendor; curl
    commands hide credentials unless the target is the emulator."""
    return {(slug, op.definition.raw["operationId"]): op for slug in target.slugs
            for op in operations(slug, sanitize=not target.is_emulator)}


def named(check):
    """``check``, its failures carrying its name for the test's failure text."""
    @functools.wraps(check)
    def run(ctx, response, case):
        try:
            return check(ctx, response, case)
        except CheckFailure as failure:
            failure.check = check.__name__
            raise
    return run


NAMED_CHECKS = {slug: [named(check) for check in checks] for slug, checks in CHECKS.items()}


@pytest.mark.parametrize("slug,operation_id", spec_cases())
def test_operation_conforms_to_the_spec(slug, operation_id, target, spec_operations, request,
                                        exchanges):
    """Generated requests to one operation: every answer passes every check."""
    target = vendor_target(target, slug)
    operation = spec_operations[slug, operation_id]
    base_url = target.url(slug)
    apply_auth = for_vendor(slug, target)
    session = requests.Session()
    excluded = [positive_data_acceptance] if carries_media(operation) or is_websocket(
        operation) else []
    curls = {}  # id(error) -> the curl command of the example that raised it

    @given(case=operation.as_strategy())
    @settings(max_examples=request.config.getoption("--max-examples"), deadline=None,
              database=None, suppress_health_check=list(HealthCheck))
    def conforms(case):
        call = apply_auth({"headers": dict(case.headers or {})})
        curl = lambda: case.as_curl_command(headers=call["headers"], base_url=base_url)  # noqa: E731
        with exchanges.case(curl):
            try:
                case.call_and_validate(base_url=base_url, session=session,
                                       additional_checks=NAMED_CHECKS[slug],
                                       excluded_checks=excluded, **call)
            except (Exception, BaseExceptionGroup) as error:  # schemathesis's FailureGroup
                curls[id(error)] = (error, exchanges.pending_curl() or curl())
                raise

    try:
        conforms()
    except (Exception, BaseExceptionGroup) as error:
        failed = error
    else:
        return
    label = f"{slug} {operation_id} ({operation.label})"
    pytest.fail(failure_text(label, failed, curls), pytrace=False)  # outside except: no chained
                                                                     # traceback in the JUnit text


def failure_text(label: str, error: BaseException, curls: dict) -> str:
    """Each failing example: its checks' names and messages, then its curl command."""
    lines = [f"{label} breaks the spec:"]
    for example in _examples(error, curls):
        for failure in getattr(example, "exceptions", None) or [example]:
            lines.append(f"  {check_name(failure)}: {describe(failure)}")
        lines.append(f"    {curls[id(example)][1]}" if id(example) in curls else "")
    return "\n".join(line for line in lines if line)


def _examples(error: BaseException, curls: dict) -> list[BaseException]:
    """The failing examples in ``error``: itself, or the members of Hypothesis's group of
    distinct bugs."""
    if id(error) in curls or not isinstance(error, BaseExceptionGroup):
        return [error]
    return [found for member in error.exceptions for found in _examples(member, curls)]


def check_name(failure: BaseException) -> str:
    """The check that failed: a vendor check's function, or schemathesis's check."""
    named_by = getattr(failure, "check", None) or (getattr(failure, "checks", None) or [None])[0]
    return named_by or type(failure).__name__
