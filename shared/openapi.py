"""OpenAPI for RFC 9457 problem responses and bearer tokens, so that a service's schema says what
it really answers: every error as ``application/problem+json`` with one documented shape.

A route declares its errors with :func:`problem_responses`; :func:`install_problem_schema` puts the
shared ``Problem`` schema into the app's components (FastAPI only adds schemas a route's ``model``
names, and a ``model`` would be documented as ``application/json``, which these answers are not).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"


class Problem(BaseModel):
    """RFC 9457 problem details, plus the stable ``code`` a client branches on."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="`urn:problem:<code>`")
    title: str = Field(description="A short summary of the kind of problem")
    status: int = Field(description="The HTTP status code")
    code: str = Field(description="Stable snake_case code, e.g. `not_found`, `validation_failed`")
    detail: str | None = Field(default=None, description="What happened this time, in one sentence")
    instance: str | None = Field(default=None, description="The request path")
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description=(
            "Each invalid input (values are never echoed); for `validation_failed`: `loc`, `msg`, `type`"
        ),
    )


def problem_responses(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status answered as problem JSON, with its description."""
    return {
        status: {"description": text, "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}}
        for status, text in descriptions.items()
    }


#: RFC 6750 §3: without a valid token the answer is 401 with ``WWW-Authenticate: Bearer``.
BEARER_ERRORS = {
    401: "No bearer token, or one that is expired, forged, or for another audience (RFC 6750 §3.1)",
    403: "The token lacks a scope this operation needs (RFC 6750 §3.1 `insufficient_scope`)",
}

#: Documents the ``Authorization: Bearer`` header (OpenAPI ``securitySchemes``) without checking
#: it: :func:`shared.tokens.verified_claims` does, and answers 401 as RFC 6750 says.
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearer", description="An access token (RFC 9068 JWT) from the idp"
)


_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


#: what every operation with a request body may answer, from the shared plumbing
_BODY_ERRORS = {
    "400": "The body cannot be parsed (`malformed_json`, `bad_request`)",
    "413": "The body is larger than the service accepts (`payload_too_large`)",
}


def _validation_errors_as_problems(document: dict[str, Any]) -> None:
    """FastAPI documents its request-validation 422 as ``application/json`` ``HTTPValidationError``;
    ``shared.errors`` answers it as problem JSON (``validation_failed``). Say so, on every route,
    and add the 400 and 413 any request body can meet."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                for status, description in _BODY_ERRORS.items():
                    responses.setdefault(status, problem_responses({int(status): description})[int(status)])
            response = operation.get("responses", {}).get("422")
            content = (response or {}).get("content", {})
            if content.get("application/json", {}).get("schema", {}).get("$ref") == _FASTAPI_422:
                response["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
                response["description"] = "The request does not fit the schema (`validation_failed`)"
    schemas = document.get("components", {}).get("schemas", {})
    if _FASTAPI_422.rsplit("/", 1)[1] in schemas and _FASTAPI_422 not in json.dumps(document["paths"]):
        schemas.pop("HTTPValidationError")
        schemas.pop("ValidationError", None)


def _add_problem_schema(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    definitions = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(definitions.pop("$defs", {}))
    schemas["Problem"] = definitions


def amend_openapi(app: FastAPI, edit: Callable[[dict[str, Any]], Any]) -> None:
    """``app.openapi()`` with ``edit`` applied, in place, to the generated document (once: cached)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        edit(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def install_problem_schema(app: FastAPI) -> None:
    """Make ``app.openapi()`` carry the ``Problem`` schema the routes' error responses refer to,
    and FastAPI's request-validation 422 as the problem JSON it is (``shared.http`` calls this)."""

    def edit(document: dict[str, Any]) -> None:
        _add_problem_schema(document)
        _validation_errors_as_problems(document)

    amend_openapi(app, edit)
