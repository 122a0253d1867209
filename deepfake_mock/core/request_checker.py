"""Strict mode's checker: does an incoming request keep to the vendor's spec?

Parameters (path, query, header) are checked by openapi-core, which reads them as the spec's
styles say (casting, arrays, required). Bodies are checked here against the operation's schema
with openapi-core's schema validators, because the body of an emulator request is not always at
hand as bytes: multipart uploads are already spooled to disk (their text fields are checked, cast
the way form fields are read; a file part stands for a binary string) and binary bodies are
streamed, so only their presence is checked. Authentication is the vendor's own step, with the
vendor's own errors, and is not repeated here.
"""

from __future__ import annotations

import copy
import logging
import re
from functools import cached_property
from typing import Any, Iterable
from urllib.parse import urlsplit

from jsonschema_path import SchemaPath
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.styles.exceptions import EmptyQueryParameterValue
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.validation.request.exceptions import (InvalidParameter,
                                                        MissingRequiredParameter,
                                                        ParameterValidationError)
from openapi_core.validation.request.validators import V31RequestParametersValidator
from openapi_core.validation.schemas import oas31_schema_validators_factory
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from werkzeug.datastructures import MultiDict

from . import jsonbody
from .conformance import IncomingRequest, Violation
from .specs import Spec

log = logging.getLogger("deepfake_mock")

FILE_PLACEHOLDER = "<file>"


class RequestChecker:
    """Checks requests against one vendor's spec."""

    def __init__(self, spec: Spec):
        self.spec = spec

    @cached_property
    def _openapi(self) -> OpenAPI:
        """The spec with its servers made relative, so the emulator's own paths match them."""
        document = copy.deepcopy(self.spec.document)
        servers = []
        for server in document.get("servers", []):
            relative = {"url": urlsplit(server["url"]).path or "/"}
            if "variables" in server:
                relative["variables"] = server["variables"]
            if relative not in servers:
                servers.append(relative)
        document["servers"] = servers or [{"url": "/"}]
        return OpenAPI.from_dict(document)

    @cached_property
    def _parameters(self) -> V31RequestParametersValidator:
        return V31RequestParametersValidator(self._openapi.spec)

    def check(self, operation_id: str, request: IncomingRequest) -> list[Violation]:
        operation = self.spec.operations[operation_id]
        found = list(self._parameter_violations(request))
        node = self._openapi.spec / "paths" / operation.path / operation.method.lower()
        if "requestBody" in node:
            found += self._body_violations(node / "requestBody", request)
        return list(dict.fromkeys(found))  # jsonschema may name a missing field twice

    # ---- parameters ---------------------------------------------------------------------------

    def _parameter_violations(self, request: IncomingRequest) -> Iterable[Violation]:
        adapted = _OpenAPIRequest(request)
        try:
            errors = list(self._parameters.iter_errors(adapted))
        except PathError as exc:  # a route the spec does not match: the emulator's fault
            log.warning("strict mode: %s %s matches no spec path (%s)", request.method,
                        request.path, exc)
            return
        for error in errors:
            if isinstance(error.__cause__, EmptyQueryParameterValue):
                continue  # ``a=``: OpenAPI 3.1 deprecates allowEmptyValue, no vendor sets it
            if isinstance(error, MissingRequiredParameter):
                yield Violation(error.location, error.name, "required", str(error))
            elif (isinstance(error, InvalidParameter)
                  and isinstance(error.__cause__, InvalidSchemaValue)):
                yield from _schema_violations(error.location, [error.name],
                                              error.__cause__.schema_errors)
            elif isinstance(error, ParameterValidationError):
                cause = error.__cause__
                yield Violation(error.location, error.name, "type",
                                f"{error}: {cause}" if cause else str(error))
            else:
                yield Violation("request", None, "invalid", str(error))

    # ---- body ---------------------------------------------------------------------------------

    def _body_violations(self, body_node: SchemaPath, request: IncomingRequest) -> list[Violation]:
        required = "required" in body_node and bool((body_node / "required").read_value())
        if not request.has_body:
            if not required:
                return []
            return [Violation("body", None, "required", "The request body is required")]
        content = body_node / "content"
        documented = list(content.keys())
        media_type = _media_type(request.content_type, documented)
        if media_type is None:
            given = request.content_type.split(";", 1)[0].strip() or "no content type"
            return [Violation("header", "Content-Type", "content-type",
                              f"{given} is not a documented content type "
                              f"({', '.join(documented)})")]
        if "schema" not in content / media_type:
            return []
        schema = content / media_type / "schema"
        if request.form is not None:
            document = _form_document(request.form, request.files, schema)
        elif request.body is not None:
            try:
                document = jsonbody.loads(request.body)
            except ValueError:
                return [Violation("body", None, "syntax", "The body is not valid JSON")]
        else:
            return []  # a binary body: its presence is all the spec can say
        validator = oas31_schema_validators_factory.create(self._openapi.spec, schema)
        try:
            validator.validate(document)
        except InvalidSchemaValue as exc:
            return _schema_violations("body", [], exc.schema_errors, schema)
        return []


def _media_type(content_type: str, documented: list[str]) -> str | None:
    """The documented media type that ``content_type`` falls under (exact, type/*, */*)."""
    mimetype = content_type.split(";", 1)[0].strip().lower()
    if not mimetype:
        return None
    for candidate in (mimetype, mimetype.split("/", 1)[0] + "/*", "*/*"):
        for key in documented:
            if key.lower() == candidate:
                return key
    return None


def _property(schema: SchemaPath, name: str) -> SchemaPath | None:
    """The schema of property ``name``, looked for through allOf/anyOf/oneOf ($refs followed)."""
    if "properties" in schema and name in schema / "properties":
        return schema / "properties" / name
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in schema:
            for index in range(len((schema / combinator).read_value())):
                found = _property(schema / combinator / index, name)
                if found is not None:
                    return found
    return None


def _declared_type(node: SchemaPath | None) -> str | None:
    return (node / "type").read_value() if node is not None and "type" in node else None


def _cast(value: str, kind: str | None):
    """A form field is text; read it as the type its schema declares, as the vendors do."""
    try:
        if kind == "integer" and value.strip().lstrip("-").isdigit():
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
    except ValueError:
        pass
    return value


def _form_document(form: MultiDict, files: tuple[str, ...], schema: SchemaPath) -> dict:
    document: dict[str, Any] = {}
    for name in form.keys():
        prop = _property(schema, name)
        kind = _declared_type(prop)
        if kind == "array":
            items = prop / "items" if "items" in prop else None
            document[name] = [_cast(v, _declared_type(items)) for v in form.getlist(name)]
        else:
            document[name] = _cast(form.getlist(name)[-1], kind)
    for name in dict.fromkeys(files):
        parts = [FILE_PLACEHOLDER] * files.count(name)
        document[name] = parts if _declared_type(_property(schema, name)) == "array" else parts[0]
    return document


_UNEXPECTED = re.compile(r"'([^']+)'")
UNDOCUMENTED_FIELD = ("additionalProperties", "unevaluatedProperties")


def _schema_violations(location: str, base: list[str], errors,
                       schema: SchemaPath | None = None) -> list[Violation]:
    """Violations of jsonschema ``errors``. JSON Schema calls every field of a failed allOf
    branch "unevaluated"; a top-level field ``schema`` declares is never reported as unknown."""
    found = []
    for error in errors:
        path = [*base, *(str(p) for p in error.absolute_path)]
        if error.validator == "required" and isinstance(error.instance, dict):
            found += [Violation(location, ".".join([*path, name]), "required",
                                f"{name!r} is required")
                      for name in error.validator_value if name not in error.instance]
        elif error.validator in UNDOCUMENTED_FIELD and isinstance(error.instance, dict):
            names = _UNEXPECTED.findall(error.message.rpartition("(")[2])
            if schema is not None and not error.absolute_path:
                names = [name for name in names if _property(schema, name) is None]
            found += [Violation(location, ".".join([*path, name]), str(error.validator),
                                f"{name!r} is not a documented field") for name in names]
        else:
            found.append(Violation(location, ".".join(path) or None, str(error.validator),
                                   error.message[:300]))
    # A documented field with a bad value is also "unevaluated" to JSON Schema: say it once.
    broken = {v.field for v in found if v.rule not in UNDOCUMENTED_FIELD}
    return [v for v in found if v.rule not in UNDOCUMENTED_FIELD or v.field not in broken]


class _OpenAPIRequest:
    """openapi-core's Request protocol over an IncomingRequest (parameters only)."""

    def __init__(self, request: IncomingRequest):
        self.host_url = request.host_url
        self.path = request.path
        self.method = request.method.lower()
        self.parameters = RequestParameters(query=request.query, header=request.headers)
        self.content_type = request.content_type
        self.body = None
