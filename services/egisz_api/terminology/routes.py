"""The terminology endpoints under ``/fhir``: CodeSystem and ValueSet read and search,
``CodeSystem/$lookup`` and ``ValueSet/$validate-code`` (GET with query parameters, POST with a
``Parameters`` body). Directory data: any caller with a valid token (no scope, role or consent
gate; EGISZ.md §5 rows 3-4 treat directory data so). Mounted ahead of the generic FHIR routes
(:func:`install`); errors are OperationOutcomes through the FHIR error handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request, Response
from sqlalchemy.orm import Session
from starlette.middleware import Middleware

from egisz_api.dependencies import SessionDep
from egisz_api.fhir.outcomes import FHIR_JSON
from egisz_api.terminology import service
from egisz_api.terminology.errors import TerminologyMethodError
from shared.exact_routes import ExactRoutes
from shared.tokens import bearer_token

PREFIX = "/fhir"
router = APIRouter(prefix=PREFIX, tags=["fhir terminology"])
_OUTCOME: dict[str, Any] = {"content": {FHIR_JSON: {}}}
_RESPONSES: dict[int | str, Any] = {
    200: {"description": "FHIR resource, Bundle or Parameters", "content": {FHIR_JSON: {}}},
    400: _OUTCOME | {"description": "Missing or invalid parameter (OperationOutcome)"},
    401: _OUTCOME | {"description": "No valid bearer token (OperationOutcome, WWW-Authenticate)"},
    404: _OUTCOME | {"description": "Unknown code system, code, value set or id (OperationOutcome)"},
}


#: a query value: any non-empty text without NUL (the service refuses exactly those with 400)
_QUERY_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^[^\x00]+$"}
#: a value in a Parameters body the document promises to take (a valid FHIR uri and code)
_TOKEN_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^[A-Za-z0-9.:_/-]{1,64}$"}


def _query(*required: str, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """OpenAPI ``parameters`` of the query (documented here; the service checks them)."""
    return {
        "parameters": [
            {"name": name, "in": "query", "required": name in required, "schema": _QUERY_SCHEMA}
            for name in (*required, *optional)
        ]
    }


def _body(*names: str) -> dict[str, Any]:
    """OpenAPI ``requestBody``: a FHIR ``Parameters`` resource with these parameters, in order."""
    kinds = {"system": "valueUri", "url": "valueUri", "code": "valueCode"}
    items = [
        {
            "type": "object",
            "required": ["name", kinds[name]],
            "properties": {"name": {"const": name}, kinds[name]: _TOKEN_SCHEMA},
            "additionalProperties": False,
        }
        for name in names
    ]
    schema = {
        "type": "object",
        "required": ["resourceType", "parameter"],
        "properties": {
            "resourceType": {"const": "Parameters"},
            "parameter": {
                "type": "array",
                "prefixItems": items,
                "items": False,
                "minItems": len(items),
                "maxItems": len(items),
            },
        },
        "additionalProperties": False,
    }
    return {"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": schema}}}}


def _authenticate(request: Request) -> None:
    """A valid bearer token of the idp (through the FHIR routes' verified-token cache)."""
    tokens = request.app.state.verified_tokens
    tokens.claims(bearer_token(request, realm=tokens.verifier.realm))


def _pairs(request: Request) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k != "_format"]


def _fhir(body: bytes) -> Response:
    return Response(body, media_type=FHIR_JSON)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


async def _posted(request: Request, work: Callable[[bytes], bytes]) -> Response:
    """A POSTed operation: read the body on the loop, verify and run in the threadpool."""
    body = await request.body()

    def run() -> bytes:
        _authenticate(request)
        return work(body)

    return _fhir(await anyio.to_thread.run_sync(run))


@router.get(
    "/CodeSystem/$lookup",
    responses=_RESPONSES,
    summary="CodeSystem $lookup (query parameters)",
    openapi_extra=_query("system", "code", optional=("version", "displayLanguage")),
)
def lookup_get(request: Request, session: SessionDep) -> Response:
    _authenticate(request)
    return _fhir(service.run_lookup(session, pairs=_pairs(request)))


@router.post(
    "/CodeSystem/$lookup",
    responses=_RESPONSES,
    summary="CodeSystem $lookup (Parameters body)",
    openapi_extra=_body("system", "code"),
)
async def lookup_post(request: Request, session: SessionDep) -> Response:
    return await _posted(request, lambda body: service.run_lookup(session, body=body))


@router.get(
    "/ValueSet/$validate-code",
    responses=_RESPONSES,
    summary="ValueSet $validate-code (query)",
    openapi_extra=_query("url", "system", "code", optional=("display",)),
)
def validate_get(request: Request, session: SessionDep) -> Response:
    _authenticate(request)
    return _fhir(service.run_validate_code(session, pairs=_pairs(request)))


@router.post(
    "/ValueSet/$validate-code",
    responses=_RESPONSES,
    summary="ValueSet $validate-code (body)",
    openapi_extra=_body("url", "system", "code"),
)
async def validate_post(request: Request, session: SessionDep) -> Response:
    return await _posted(request, lambda body: service.run_validate_code(session, body=body))


@router.get(
    "/ValueSet/{value_set_id}/$validate-code",
    responses=_RESPONSES,
    summary="$validate-code against this ValueSet (query parameters)",
    openapi_extra=_query("system", "code", optional=("display",)),
)
def validate_instance_get(request: Request, session: SessionDep, value_set_id: str) -> Response:
    _authenticate(request)
    return _fhir(service.run_validate_code(session, pairs=_pairs(request), value_set_id=value_set_id))


@router.post(
    "/ValueSet/{value_set_id}/$validate-code",
    responses=_RESPONSES,
    summary="$validate-code against this ValueSet (Parameters body)",
    openapi_extra=_body("system", "code"),
)
async def validate_instance_post(request: Request, session: SessionDep, value_set_id: str) -> Response:
    return await _posted(
        request, lambda body: service.run_validate_code(session, body=body, value_set_id=value_set_id)
    )


def _search(request: Request, session: Session, resource_type: str) -> Response:
    _authenticate(request)
    body = service.search(
        session, resource_type, _pairs(request), base=_base(request), self_url=str(request.url)
    )
    return _fhir(body)


@router.get(
    "/CodeSystem",
    responses=_RESPONSES,
    summary="Search CodeSystems (_id, url, name, status)",
    openapi_extra=_query(optional=("_id", "url", "name", "status")),
)
def code_system_search(request: Request, session: SessionDep) -> Response:
    return _search(request, session, "CodeSystem")


@router.get(
    "/ValueSet",
    responses=_RESPONSES,
    summary="Search ValueSets (_id, url, name, status)",
    openapi_extra=_query(optional=("_id", "url", "name", "status")),
)
def value_set_search(request: Request, session: SessionDep) -> Response:
    return _search(request, session, "ValueSet")


@router.get("/CodeSystem/{resource_id}", responses=_RESPONSES, summary="Read a CodeSystem with its concepts")
def code_system_read(request: Request, session: SessionDep, resource_id: str) -> Response:
    _authenticate(request)
    return _fhir(service.read(session, "CodeSystem", resource_id))


@router.get("/ValueSet/{resource_id}", responses=_RESPONSES, summary="Read a ValueSet")
def value_set_read(request: Request, session: SessionDep, resource_id: str) -> Response:
    _authenticate(request)
    return _fhir(service.read(session, "ValueSet", resource_id))


_OPERATIONS = {("CodeSystem", "$lookup"), ("ValueSet", "$validate-code")}


def _allowed(path: str) -> str | None:
    """The methods a terminology path serves (None: not a terminology path)."""
    parts = path[len(PREFIX) + 1 :].split("/") if path.startswith(PREFIX + "/") else []
    if not parts or parts[0] not in ("CodeSystem", "ValueSet"):
        return None
    if len(parts) == 1:
        return "GET"
    if len(parts) == 2:
        return "GET, POST" if (parts[0], parts[1]) in _OPERATIONS else "GET"
    if len(parts) == 3 and parts[0] == "ValueSet" and parts[2] == "$validate-code":
        return "GET, POST"
    return None


class TerminologyMethods:
    """Any method a terminology path does not serve → 405 with exactly its ``Allow``, ahead of the
    router (whose generic ``/fhir/{type}`` create and update routes would otherwise be advertised
    in its ``Allow`` and take the request), as AuditEvent's writes are refused (fhir.routes)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            allowed = _allowed(scope["path"])
            if allowed is not None and scope["method"] not in allowed.split(", "):
                request = Request(scope, receive, send)
                error = TerminologyMethodError(
                    "CodeSystem and ValueSet are read-only here (seeded terminology).",
                    headers={"Allow": allowed},
                )
                await (await ExactRoutes._handled(request, error))(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Mount the terminology routes; call before ``fhir.routes.install`` so that they come ahead of
    its generic ``/fhir/{type}`` routes."""
    app.include_router(router)
    app.user_middleware.append(Middleware(TerminologyMethods))
