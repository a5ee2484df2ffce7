"""OpenAPI for RFC 9457 problem responses and bearer tokens, so that a service's schema says what
it really answers: every error as ``application/problem+json`` with one documented shape.

A route declares its errors with :func:`problem_responses`; :func:`install_problem_schema` puts the
shared ``Problem`` schema into the app's components (FastAPI only adds schemas a route's ``model``
names, and a ``model`` would be documented as ``application/json``, which these answers are not).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"


class ValidationIssue(BaseModel):
    loc: list[str] = Field(description="Where: `body`, `query`, `path` or `header`, then the field path")
    msg: str = Field(description="What is wrong, in English")
    type: str = Field(description="A stable error type, e.g. `missing`, `string_too_long`")


class Problem(BaseModel):
    """RFC 9457 problem details, plus the stable ``code`` a client branches on."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="`urn:problem:<code>`")
    title: str = Field(description="A short summary of the kind of problem")
    status: int = Field(description="The HTTP status code")
    code: str = Field(description="Stable snake_case code, e.g. `not_found`, `validation_failed`")
    detail: str | None = Field(default=None, description="What happened this time, in one sentence")
    instance: str | None = Field(default=None, description="The request path")
    errors: list[ValidationIssue] | None = Field(
        default=None, description="For `validation_failed`: each invalid input (values are never echoed)"
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


def install_problem_schema(app: FastAPI, *edits: Callable[[dict[str, Any]], Any]) -> None:
    """Make ``app.openapi()`` carry the ``Problem`` schema the routes' error responses refer to;
    ``edits`` then amend the document in place (a service's own additions)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        definitions = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(definitions.pop("$defs", {}))
        schemas["Problem"] = definitions
        for edit in edits:
            edit(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
