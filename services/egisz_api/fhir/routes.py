"""The FHIR R4 REST endpoints at ``/fhir`` (``application/fhir+json``, FHIR 4.0.1).

Routes parse the HTTP request (content negotiation, body size, ``If-Match``), verify the bearer
token, call one service function in the threadpool and render its bytes with ``ETag`` and
``Last-Modified``. Every error under ``/fhir`` is an OperationOutcome (see :func:`install`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from email.utils import format_datetime
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection

from egisz_api.access.consent import ConsentGate
from egisz_api.dependencies import SessionDep
from egisz_api.fhir import audit_events, service, transactions
from egisz_api.fhir.auditing import AuditSink, AuditSinkFactory
from egisz_api.fhir.capability import capability_statement, smart_configuration
from egisz_api.fhir.errors import (
    AuditEventWriteError,
    NotAcceptableError,
    PayloadTooLargeError,
    SubscriptionMethodError,
    UnsupportedMediaTypeError,
)
from egisz_api.fhir.outcomes import FHIR_JSON, outcome
from egisz_api.records.parameters import DEFINITIONS
from egisz_api.records.schemas import StoredResource
from egisz_api.settings import EgiszSettings
from shared.db import read_only, session_scope
from shared.errors import AppError, ErrorPages
from shared.exact_routes import ExactRoutes
from shared.logging import current_request_id
from shared.tokens import JwtVerifier, bearer_token

PREFIX = "/fhir"


class ResourceTypeConvertor(Convertor[str]):
    """A FHIR resource type in a path (``Observation``): capitalised, so ``metadata`` and
    ``.well-known`` never reach the type-level routes, nor their ``Allow`` lists."""

    regex = "[A-Z][A-Za-z]{0,63}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("fhirtype", ResourceTypeConvertor())


class FhirResponse(Response):
    media_type = FHIR_JSON


_RESOURCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {"resourceType": {"type": "string"}},
}
_OUTCOME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array"}},
}
_ERROR_TEXT = {
    400: "Malformed or unsupported request (OperationOutcome)",
    401: "No valid bearer token, or a medical write without a signature-level login or signed "
    "X-Provenance (OperationOutcome, WWW-Authenticate: insufficient_user_authentication, RFC 9470)",
    403: "Insufficient scope, role, patient context or consent (OperationOutcome)",
    404: "Unknown, or outside the caller's compartment (OperationOutcome)",
    405: "Not a clinical record: no DELETE; or a transaction entry's method is not served "
    "(OperationOutcome, Allow; naming the entry)",
    406: "Only JSON is served (OperationOutcome)",
    409: "Version conflict (OperationOutcome)",
    412: "If-Match names another version (OperationOutcome)",
    413: "Resource too large (OperationOutcome)",
    415: "Content-Type is not FHIR JSON (OperationOutcome)",
    422: "The resource fails FHIR R4 validation, or its X-Provenance signature or certificate is "
    "refused (OperationOutcome)",
}


def _documented(ok: int, *errors: int, extra: dict[int, str] | None = None) -> dict[int | str, Any]:
    """OpenAPI responses of a FHIR route: the FHIR JSON answer and the OperationOutcome errors."""
    responses: dict[int | str, Any] = {
        ok: {"description": "FHIR resource or Bundle", "content": {FHIR_JSON: {"schema": _RESOURCE_SCHEMA}}}
    }
    for status in (400, 401, 403, 404, 406, *errors):
        responses[status] = {
            "description": _ERROR_TEXT[status],
            "content": {FHIR_JSON: {"schema": _OUTCOME_SCHEMA}},
        }
    for status, text in (extra or {}).items():
        responses[status] = {"description": text}
    return responses


_READ = _documented(200, extra={304: "Not modified (If-None-Match)"})
_WRITE = _documented(201, 409, 412, 413, 415, 422)
_WRITE[200] = _WRITE[201] | {"description": "Updated"}
router = APIRouter(prefix=PREFIX, tags=["fhir"], default_response_class=FhirResponse)
T = TypeVar("T")
_ACCEPTED = ("application/fhir+json", "application/json", "application/*", "*/*", "application/json+fhir")
_FORMATS = ("json", "application/json", "application/fhir+json")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _negotiate(request: Request) -> None:
    """406 unless the client takes JSON (R4 §3.1.0.1.9; ``_format`` overrides ``Accept``)."""
    fmt = request.query_params.get("_format") if b"_format" in request.scope["query_string"] else None
    if fmt is not None:
        if fmt not in _FORMATS:
            raise NotAcceptableError(f"_format={fmt} is not served; this server speaks JSON only.")
        return
    accept = request.headers.get("accept")
    if not accept:
        return
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if not any(t in _ACCEPTED for t in types):
        raise NotAcceptableError(f"Accept: {accept} cannot be met; this server answers {FHIR_JSON}.")


async def _body(request: Request, settings: EgiszSettings, *, limit: int | None = None) -> bytes:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/fhir+json", "application/json", "application/json+fhir"):
        raise UnsupportedMediaTypeError(
            f"Content-Type {content_type or '(none)'} is not accepted; send {FHIR_JSON}."
        )
    limit = limit or settings.fhir_max_resource_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"A resource may take at most {limit} bytes.")
    body = await request.body()
    if len(body) > limit:
        raise PayloadTooLargeError(f"A resource may take at most {limit} bytes.")
    return body


def _pairs(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k != "_format"]


def _lenient(request: Request) -> bool:
    prefer = request.headers.get("prefer", "")
    return any(p.strip().lower() == "handling=lenient" for p in prefer.split(","))


class VerifiedTokens:
    """Claims of recently verified tokens, so a client's burst of requests with one token pays the
    signature check once. Keyed by the exact token; an entry is used for at most ``ttl`` seconds
    and never past the token's own ``exp``; bounded (least recently used entries go first)."""

    def __init__(self, verifier: JwtVerifier, *, size: int = 4096, ttl: float = 60.0) -> None:
        self.verifier = verifier
        self.size = size
        self.ttl = ttl
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def claims(self, token: str) -> dict[str, Any]:
        now = time.time()
        with self._lock:
            entry = self._entries.get(token)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(token)
                return entry[1]
        claims = self.verifier.verify(token)
        expires = min(now + self.ttl, float(claims.get("exp", now)))
        with self._lock:
            self._entries[token] = (expires, claims)
            self._entries.move_to_end(token)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return claims


async def _run(request: Request, session: Any, call: Callable[[service.FhirContext], T]) -> T:
    """Verify the token and run the service call in one threadpool hop; then wait (on the event
    loop, no thread held) until the call's AuditEvents are durable, whatever its outcome."""
    state = request.app.state
    sink_factory: AuditSinkFactory = state.audit_sink_factory
    audit = sink_factory(session)

    def work() -> T:
        tokens: VerifiedTokens = state.verified_tokens
        claims = tokens.claims(bearer_token(request, realm=tokens.verifier.realm))
        gate: ConsentGate = state.consent_gate
        ctx = service.FhirContext(
            session=session,
            claims=claims,
            audit=audit,
            gate=gate,
            clock=state.clock,
            base=_base(request),
            source_ip=request.client.host if request.client else None,
            listeners=getattr(state, "record_listeners", ()),
            signatures=state.signatures,
            provenance=request.headers.get("x-provenance"),
        )
        return call(ctx)

    try:
        return await anyio.to_thread.run_sync(work)
    finally:
        await _durable(audit)


#: for a feature's own FHIR operation route (covid's ``$covid-certificate``)
run = _run


async def _durable(audit: AuditSink) -> None:
    """Wait for the acknowledgements of a deferred sink (an unwritable journal raises its 503)."""
    pending: list[Future[None]] = getattr(audit, "pending", [])
    for acknowledgement in pending:
        await asyncio.wrap_future(acknowledgement)


@functools.lru_cache(maxsize=4096)  # a resource's Last-Modified is formatted once, not per read
def _http_date(value: dt.datetime) -> str:
    return format_datetime(value.astimezone(dt.UTC).replace(microsecond=0), usegmt=True)


def _resource_response(resource: StoredResource, status: int = 200, **extra: str) -> Response:
    headers = {
        "ETag": f'W/"{resource.version_id}"',
        "Last-Modified": _http_date(resource.last_updated),
        **extra,
    }
    return Response(resource.content, status_code=status, media_type=FHIR_JSON, headers=headers)


def _bundle(body: bytes) -> Response:
    return Response(body, media_type=FHIR_JSON)


@router.get(
    "/metadata",
    summary="CapabilityStatement: exactly the types, interactions and parameters served",
    responses=_documented(200),
)
async def metadata(request: Request) -> Response:
    _negotiate(request)
    settings: EgiszSettings = request.app.state.settings
    statement = request.app.state.capability_cache.get(_base(request))
    if statement is None:
        statement = capability_statement(
            _base(request), settings.idp_issuer, request.app.version, request.app.state.started_at
        )
        request.app.state.capability_cache[_base(request)] = statement
    return JSONResponse(statement, media_type=FHIR_JSON)  # keeps the documented FHIR JSON type


@router.get(
    "/.well-known/smart-configuration",
    summary="SMART App Launch v2 discovery (points at the idp)",
    response_class=JSONResponse,
)
async def smart_config(request: Request) -> JSONResponse:
    settings: EgiszSettings = request.app.state.settings
    return JSONResponse(smart_configuration(settings.idp_issuer, settings.idp_jwks_url))


@router.get(
    "/Patient/{patient_id}/$everything",
    responses=_READ,
    summary="Everything in the patient's compartment, paged",
)
async def everything(request: Request, session: SessionDep, patient_id: str) -> Response:
    _negotiate(request)
    pairs, lenient = _pairs(request), _lenient(request)
    return _bundle(
        await _run(request, session, lambda ctx: service.everything(ctx, patient_id, pairs, lenient=lenient))
    )


def _audit_request(request: Request, session: Any, claims: dict[str, Any]) -> audit_events.Request:
    async def read(work: Callable[[Any], T]) -> T:
        def run() -> T:
            with read_only(session):
                return work(session)

        return await anyio.to_thread.run_sync(run)

    state = request.app.state
    return audit_events.Request(
        claims=claims,
        base=_base(request),
        sink=state.audit_sink,
        read=read,
        clock=state.clock,
        source_ip=request.client.host if request.client else None,
        request_id=current_request_id(),
    )


async def _claims(request: Request) -> dict[str, Any]:
    tokens: VerifiedTokens = request.app.state.verified_tokens
    token = bearer_token(request, realm=tokens.verifier.realm)
    return await anyio.to_thread.run_sync(tokens.claims, token)


@router.get(
    "/AuditEvent",
    responses=_READ,
    summary="Search AuditEvents («Кто смотрел мою карту»); every search is itself audited",
)
async def audit_event_search(request: Request, session: SessionDep) -> Response:
    _negotiate(request)
    claims = await _claims(request)
    query = "&".join(p for p in request.url.query.split("&") if p and not p.startswith("_format="))
    body = await audit_events.search(
        _audit_request(request, session, claims), query, _pairs(request), lenient=_lenient(request)
    )
    return _bundle(body)


@router.get("/AuditEvent/{event_id}", responses=_READ, summary="Read one AuditEvent (itself audited)")
async def audit_event_read(request: Request, session: SessionDep, event_id: str) -> Response:
    _negotiate(request)
    claims = await _claims(request)
    return Response(
        await audit_events.read(_audit_request(request, session, claims), event_id), media_type=FHIR_JSON
    )


async def audit_event_write(request: Request) -> Response:
    """No interaction writes, changes or deletes an AuditEvent (EGISZ.md §5 row 30)."""
    raise AuditEventWriteError(
        "AuditEvents are written by this server only; they cannot be created, changed or deleted.",
        headers={"Allow": "GET"},
    )


@router.post(
    "/Subscription",
    status_code=201,
    responses=_documented(201, 413, 415),
    summary="Subscribe (R4 rest-hook) to a patient's Observations, DiagnosticReports or Immunizations",
)
async def subscription_create(request: Request, session: SessionDep) -> Response:
    _negotiate(request)
    settings: EgiszSettings = request.app.state.settings
    body = await _body(request, settings)
    rid, content = await _run(
        request, session, lambda ctx: service.create_subscription(ctx, body, dev_mode=settings.dev_mode)
    )
    return Response(
        content,
        status_code=201,
        media_type=FHIR_JSON,
        headers={"Location": f"{_base(request)}/Subscription/{rid}"},
    )


@router.get("/Subscription", responses=_READ, summary="The caller's own Subscriptions")
async def subscription_search(request: Request, session: SessionDep) -> Response:
    _negotiate(request)
    pairs, lenient = _pairs(request), _lenient(request)
    return _bundle(
        await _run(request, session, lambda ctx: service.search_subscriptions(ctx, pairs, lenient=lenient))
    )


@router.get("/Subscription/{resource_id}", responses=_READ, summary="Read one of the caller's Subscriptions")
async def subscription_read(request: Request, session: SessionDep, resource_id: str) -> Response:
    _negotiate(request)
    found = await _run(request, session, lambda ctx: service.read_subscription(ctx, resource_id))
    return Response(found, media_type=FHIR_JSON)


@router.delete("/Subscription/{resource_id}", responses=_READ, summary="Turn a Subscription off (R4 delete)")
async def subscription_delete(request: Request, session: SessionDep, resource_id: str) -> Response:
    _negotiate(request)
    await _run(request, session, lambda ctx: service.delete_subscription(ctx, resource_id))
    deleted = outcome(
        200, "deleted", "Deleted", f"Subscription/{resource_id} is off.", issue_code="informational"
    )
    return Response(deleted.replace(b'"severity":"error"', b'"severity":"information"'), media_type=FHIR_JSON)


async def subscription_method(request: Request) -> Response:
    """``/fhir/Subscription/{id}`` serves GET and DELETE only: 405 listing both (the router would
    list only the first matching route's methods)."""
    raise SubscriptionMethodError(
        "A Subscription is read (GET) or turned off (DELETE); it is not updated.",
        headers={"Allow": "GET, DELETE"},
    )


@router.get("/{resource_type:fhirtype}", responses=_READ, summary="Search (R4 §3.1.0.8)")
async def search(request: Request, session: SessionDep, resource_type: str) -> Response:
    return await _search(request, session, resource_type)


async def _search(request: Request, session: Session, resource_type: str) -> Response:
    _negotiate(request)
    pairs, lenient = _pairs(request), _lenient(request)
    return _bundle(
        await _run(request, session, lambda ctx: service.search(ctx, resource_type, pairs, lenient=lenient))
    )


@router.post(
    "/{resource_type:fhirtype}",
    status_code=201,
    responses=_WRITE,
    summary="Create (R4 §3.1.0.7); If-None-Exist: a conditional create (200 with the match, 412 if several)",
)
async def create(request: Request, session: SessionDep, resource_type: str) -> Response:
    _negotiate(request)
    service.known_type(resource_type)
    condition = service.if_none_exist(request.headers.get("if-none-exist"))
    body = await _body(request, request.app.state.settings)
    written = await _run(
        request, session, lambda ctx: service.create(ctx, resource_type, body, if_none_exist=condition)
    )
    stored = written.resource
    if not written.created:
        return _resource_response(stored)  # the existing match: nothing was created
    location = f"{_base(request)}/{resource_type}/{stored.resource_id}/_history/{stored.version_id}"
    return _resource_response(stored, 201, Location=location)


@router.post(
    "",
    responses=_documented(200, 405, 409, 412, 413, 415, 422),
    summary="Transaction or batch Bundle (R4 §3.1.0.11): transaction-response / batch-response",
)
async def transaction(request: Request, session: SessionDep) -> Response:
    _negotiate(request)
    settings: EgiszSettings = request.app.state.settings
    body = await _body(request, settings, limit=settings.fhir_max_bundle_bytes)
    return _bundle(
        await _run(
            request,
            session,
            lambda ctx: transactions.process(
                ctx,
                body,
                max_entries=settings.fhir_max_bundle_entries,
                max_resource_bytes=settings.fhir_max_resource_bytes,
            ),
        )
    )


@router.get("/{resource_type:fhirtype}/{resource_id}", responses=_READ, summary="Read (R4 §3.1.0.2)")
async def read(request: Request, session: SessionDep, resource_type: str, resource_id: str) -> Response:
    return await _read(request, session, resource_type, resource_id)


async def _read(request: Request, session: Session, resource_type: str, resource_id: str) -> Response:
    _negotiate(request)
    stored = await _run(request, session, lambda ctx: service.read(ctx, resource_type, resource_id))
    etag = f'W/"{stored.version_id}"'
    if request.headers.get("if-none-match") in (etag, f'"{stored.version_id}"'):
        return Response(status_code=304, headers={"ETag": etag})
    return _resource_response(stored)


@router.put(
    "/{resource_type:fhirtype}/{resource_id}",
    responses=_WRITE,
    summary="Update, or create with this id (R4 §3.1.0.4)",
)
async def update(request: Request, session: SessionDep, resource_type: str, resource_id: str) -> Response:
    _negotiate(request)
    service.known_type(resource_type)
    if_match = service.if_match_version(request.headers.get("if-match"))
    body = await _body(request, request.app.state.settings)
    written = await _run(
        request, session, lambda ctx: service.update(ctx, resource_type, resource_id, body, if_match=if_match)
    )
    if written.created:
        location = f"{_base(request)}/{resource_type}/{resource_id}/_history/{written.resource.version_id}"
        return _resource_response(written.resource, 201, Location=location)
    return _resource_response(written.resource)


@router.delete(
    "/{resource_type:fhirtype}/{resource_id}",
    responses=_documented(200, 405, 409, 412, 422),
    summary="Mark a clinical record entered-in-error (never a physical delete; EGISZ.md §5 (C))",
)
async def delete(request: Request, session: SessionDep, resource_type: str, resource_id: str) -> Response:
    _negotiate(request)
    service.known_type(resource_type)
    if_match = service.if_match_version(request.headers.get("if-match"))
    stored = await _run(
        request, session, lambda ctx: service.delete(ctx, resource_type, resource_id, if_match=if_match)
    )
    return _resource_response(stored)


@router.get(
    "/{resource_type:fhirtype}/{resource_id}/_history",
    responses=_READ,
    summary="Instance history (R4 §3.1.0.11)",
)
async def history(request: Request, session: SessionDep, resource_type: str, resource_id: str) -> Response:
    _negotiate(request)
    pairs, lenient = _pairs(request), _lenient(request)
    return _bundle(
        await _run(
            request,
            session,
            lambda ctx: service.history(ctx, resource_type, resource_id, pairs, lenient=lenient),
        )
    )


@router.get(
    "/{resource_type:fhirtype}/{resource_id}/_history/{version}",
    responses=_READ,
    summary="Version read (R4 §3.1.0.3)",
)
async def vread(
    request: Request, session: SessionDep, resource_type: str, resource_id: str, version: str
) -> Response:
    _negotiate(request)
    stored = await _run(request, session, lambda ctx: service.vread(ctx, resource_type, resource_id, version))
    return _resource_response(stored)


# --- errors as OperationOutcome ------------------------------------------------------------------


def is_fhir(connection: HTTPConnection) -> bool:
    path = connection.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def outcome_response(
    status: int,
    code: str,
    title: str,
    detail: str | None,
    *,
    headers: dict[str, str] | None = None,
    issue_code: str | None = None,
    issues: list[tuple[str, str]] | None = None,
    expression: str | None = None,
) -> Response:
    body = outcome(
        status, code, title, detail, issue_code=issue_code, issues=issues or [], expression=expression
    )
    return Response(body, status_code=status, media_type=FHIR_JSON, headers=headers)


class FhirErrorPages:
    """Wraps the app's error pages: under ``/fhir`` every error the plumbing renders (unknown
    route 404, 405 with ``Allow``, 413 from the body limit, 500 with its error id) becomes an
    OperationOutcome; elsewhere the person-facing pages answer as before."""

    def __init__(self, inner: ErrorPages | None) -> None:
        self.inner = inner

    def accepts(self, connection: HTTPConnection) -> bool:
        return is_fhir(connection) or (self.inner is not None and self.inner.accepts(connection))

    def render(
        self,
        connection: HTTPConnection,
        status: int,
        code: str,
        *,
        error_id: str | None = None,
        fields: Any = (),
        headers: Any = None,
    ) -> Response:
        if not is_fhir(connection):
            assert self.inner is not None
            return self.inner.render(
                connection, status, code, error_id=error_id, fields=fields, headers=headers
            )
        detail = f"Quote error id {error_id} to support." if error_id else None
        if status == 404 and code == "not_found":
            detail = "No FHIR interaction is served at this path."
        return outcome_response(
            status, code, code.replace("_", " ").capitalize(), detail, headers=dict(headers or {})
        )


#: a FHIR logical id (R4 datatypes §2.24.0.1)
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class HotPaths:
    """``GET /fhir/{type}/{id}`` and ``GET /fhir/{type}?...`` of the stored types, dispatched
    straight to the read and search handlers, ahead of FastAPI's router and dependency solving
    (which cost more than the read itself; docs/fhir.md "Benchmark"). It sits inside the plumbing
    middleware (request ids, body limit, metrics, logs all apply) and answers exactly as the
    routes do: same handlers, same session handling, errors through the app's exception handlers.
    Anything else (other methods, paths, types) goes on to the router."""

    def __init__(self, app: Any, *, session_factory: Any) -> None:
        self.app = app
        self.session_factory = session_factory
        self.read_route = _route_of(read)
        self.search_route = _route_of(search)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD") and self._audit_event(scope):
            # no write interaction on AuditEvent: 405 with Allow: GET for every other method (the
            # router would list the generic create/update routes' methods in its Allow)
            request = Request(scope, receive, send)
            try:
                await audit_event_write(request)
            except AuditEventWriteError as exc:
                await (await ExactRoutes._handled(request, exc))(scope, receive, send)
            return
        if (
            scope["type"] == "http"
            and scope["method"] not in ("GET", "HEAD", "DELETE")
            and scope["path"].startswith(PREFIX + "/Subscription/")
            and scope["path"].count("/") == 3
        ):
            request = Request(scope, receive, send)
            try:
                await subscription_method(request)
            except SubscriptionMethodError as exc:
                await (await ExactRoutes._handled(request, exc))(scope, receive, send)
            return
        target = self._match(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if target is None:
            await self.app(scope, receive, send)
            return
        resource_type, resource_id = target
        scope["route"] = self.read_route if resource_id is not None else self.search_route
        scope["path_params"] = {"resource_type": resource_type}
        if resource_id is not None:
            scope["path_params"]["resource_id"] = resource_id
        request = Request(scope, receive, send)
        try:
            async with session_scope(self.session_factory) as session:
                if resource_id is None:
                    response = await _search(request, session, resource_type)
                else:
                    response = await _read(request, session, resource_type, resource_id)
        except Exception as exc:
            response = await ExactRoutes._handled(request, exc)
        await response(scope, receive, send)

    @staticmethod
    def _audit_event(scope: Any) -> bool:
        path: str = scope["path"]
        return path == PREFIX + "/AuditEvent" or (
            path.startswith(PREFIX + "/AuditEvent/") and path.count("/") == 3
        )

    @staticmethod
    def _match(scope: Any) -> tuple[str, str | None] | None:
        path: str = scope["path"]
        if not path.startswith(PREFIX + "/"):
            return None
        parts = path[len(PREFIX) + 1 :].split("/")
        if len(parts) > 2 or parts[0] not in DEFINITIONS:
            return None
        if len(parts) == 1:
            return parts[0], None
        return (parts[0], parts[1]) if _ID.fullmatch(parts[1]) else None


def _route_of(endpoint: Callable[..., Any]) -> APIRoute:
    (route,) = [r for r in router.routes if isinstance(r, APIRoute) and r.endpoint is endpoint]
    return route


def install(app: FastAPI) -> None:
    """Mount the router and make every error under /fhir an OperationOutcome."""
    app.include_router(router)
    # innermost of the app's middleware: inside the plumbing, before the router
    app.user_middleware.append(Middleware(HotPaths, session_factory=app.state.session_factory))
    app.state.error_pages = FhirErrorPages(getattr(app.state, "error_pages", None))
    app.state.capability_cache = {}
    app.state.verified_tokens = VerifiedTokens(app.state.token_verifier)
    default = app.exception_handlers[AppError]

    async def app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        if not is_fhir(request):
            rendered = default(request, exc)
            return await rendered if not isinstance(rendered, Response) else rendered
        issues = getattr(exc, "issues", None)
        expression = exc.extra.get("expression")
        return outcome_response(
            exc.status_code,
            exc.code,
            exc.title,
            exc.detail,
            headers=exc.headers,
            issue_code=getattr(exc, "issue_code", None),
            issues=issues if isinstance(issues, list) else None,
            expression=expression if isinstance(expression, str) else None,
        )

    app.add_exception_handler(AppError, app_error)
