"""One error base and one renderer: RFC 9457 ``application/problem+json`` with a stable ``code``.

Every expected failure is an :class:`AppError` subclass declared once in a feature's ``errors.py``.
Unexpected exceptions become a 500 that reveals only an error id, which is also logged with the
traceback so support can find it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"

logger = logging.getLogger("shared.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


class ErrorPages(Protocol):
    """Renders an error page for a person (``shared.web.errors.ErrorPages``); set as
    ``app.state.error_pages`` by a service with pages. Without it every error is problem JSON."""

    def accepts(self, connection: HTTPConnection) -> bool: ...

    def render(
        self,
        connection: HTTPConnection,
        status: int,
        code: str,
        *,
        error_id: str | None = None,
        fields: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> Response: ...


def error_pages_for(connection: HTTPConnection) -> ErrorPages | None:
    """The app's error pages when this request asks for HTML, else None (problem JSON)."""
    app = connection.scope.get("app")
    pages = getattr(getattr(app, "state", None), "error_pages", None) if app is not None else None
    return pages if pages is not None and pages.accepts(connection) else None


class AppError(Exception):
    """Base of every expected failure. Subclasses set ``status_code``, ``code`` and ``title``."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class NotFoundError(AppError):
    status_code = 404
    code = "not_found"
    title = "Not found"


class ConflictError(AppError):
    status_code = 409
    code = "conflict"
    title = "Conflict"


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:problem:{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


async def _app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if pages := error_pages_for(request):
        return pages.render(request, exc.status_code, exc.code, headers=exc.headers)
    return problem_response(
        exc.status_code,
        exc.code,
        exc.title,
        exc.detail,
        instance=request.url.path,
        headers=exc.headers,
        **exc.extra,
    )


def _clean_validation_errors(errors: Any) -> list[dict[str, Any]]:
    cleaned = []
    for err in errors:
        # Never echo the submitted value back: it may be a password or a code.
        cleaned.append(
            {
                "loc": [str(part) for part in err.get("loc", ())],
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
            }
        )
    return cleaned


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if pages := error_pages_for(request):
        fields = [{k: v for k, v in e.items() if k != "input"} for e in exc.errors()]
        return pages.render(request, 422, "validation_failed", fields=fields)
    errors = _clean_validation_errors(exc.errors())
    is_body_json_error = any(e["type"] == "json_invalid" for e in errors)
    if is_body_json_error:
        return problem_response(
            400,
            "malformed_json",
            "Malformed JSON",
            "The request body is not valid JSON.",
            instance=request.url.path,
            errors=errors,
        )
    return problem_response(
        422,
        "validation_failed",
        "Validation failed",
        "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors),
        instance=request.url.path,
        errors=errors,
    )


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str | None:
    """Every method the request's path answers to (RFC 9110 §15.5.6 ``Allow``).

    Starlette's 405 names only the methods of the first route whose path matched, so a path served
    by several routes (``GET`` and ``POST /admin/clients``) would deny a method it accepts. Asking
    every route whether it takes the path with each method finds them all."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    return ", ".join(allowed) or None


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    title = code.replace("_", " ").capitalize()
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers["Allow"] = allowed
    if pages := error_pages_for(request):
        return pages.render(request, exc.status_code, code, headers=headers)
    return problem_response(exc.status_code, code, title, detail, instance=request.url.path, headers=headers)


def internal_error_response(
    exc: BaseException, path: str, connection: HTTPConnection | None = None
) -> Response:
    """A 500 that reveals only an error id; the traceback goes to the log under the same id."""
    error_id = uuid.uuid4().hex
    logger.error("unhandled error", exc_info=exc, extra={"error_id": error_id, "path": path})
    if connection is not None and (pages := error_pages_for(connection)):
        return pages.render(connection, 500, "internal_error", error_id=error_id)
    return problem_response(
        500,
        "internal_error",
        "Internal error",
        f"An unexpected error occurred. Quote error id {error_id} to support.",
        error_id=error_id,
    )


async def _unhandled_handler(request: Request, exc: Exception) -> Response:
    return internal_error_response(exc, request.url.path, request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
