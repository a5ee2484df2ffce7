"""HTTP plumbing every service mounts with one call: :func:`install_plumbing`.

- a pure ASGI middleware that assigns the request id, limits the body size, logs one line per
  request (path only, never the query string: it can hold codes) and records Prometheus metrics by
  route template and status;
- ``/healthz`` (process alive), ``/readyz`` (database reachable, migrations at head) and
  ``/metrics`` (Prometheus text format).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from shared.errors import PROBLEM_JSON, error_pages_for, install_error_handlers, internal_error_response
from shared.exact_routes import ExactRoutes
from shared.logging import REQUEST_ID_HEADER, accept_request_id, request_id_var
from shared.migrations import is_at_head
from shared.openapi import install_problem_schema

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("shared.access")

_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class Metrics:
    """Per-app registry, so several apps in one test process do not collide."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route template, method and status",
            ["service", "route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route template and status",
            ["service", "route", "method", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.service = service


class _BodyTooLargeError(Exception):
    pass


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


async def _send_problem(
    send: Send, status: int, code: str, title: str, detail: str, rid: str, scope: Scope | None = None
) -> None:
    if scope is not None and (pages := error_pages_for(HTTPConnection(scope))):
        page = pages.render(HTTPConnection(scope), status, code, headers={REQUEST_ID_HEADER: rid})

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        await page(scope, no_body, send)
        return
    body = json.dumps(
        {"type": f"urn:problem:{code}", "title": title, "status": status, "code": code, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (REQUEST_ID_HEADER.lower().encode(), rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class PlumbingMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = accept_request_id(headers.get(b"x-request-id", b"").decode("latin-1") or None)
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500, "started": False, "too_large": False}
        limit = self.max_body_bytes
        try:
            declared = headers.get(b"content-length")
            if declared is not None:
                try:
                    too_big = int(declared) > limit
                except ValueError:
                    await _send_problem(
                        send, 400, "bad_request", "Bad request", "Invalid Content-Length.", rid, scope
                    )
                    status_holder["status"] = 400
                    return
                if too_big:
                    await _send_problem(
                        send,
                        413,
                        "payload_too_large",
                        "Payload too large",
                        f"The request body exceeds {limit} bytes.",
                        rid,
                        scope,
                    )
                    status_holder["status"] = 413
                    return

            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        status_holder["too_large"] = True
                        raise _BodyTooLargeError
                return message

            async def tracking_send(message: Message) -> None:
                if status_holder.get("too_large"):
                    # The framework turned our read error into its own 400; answer 413 instead.
                    if message["type"] == "http.response.start" and not status_holder["started"]:
                        status_holder["started"] = True
                        status_holder["status"] = 413
                        await _send_problem(
                            send,
                            413,
                            "payload_too_large",
                            "Payload too large",
                            f"The request body exceeds {limit} bytes.",
                            rid,
                            scope,
                        )
                    return
                if message["type"] == "http.response.start":
                    status_holder["status"] = message["status"]
                    status_holder["started"] = True
                    message.setdefault("headers", [])
                    message["headers"] = [
                        *message["headers"],
                        (REQUEST_ID_HEADER.lower().encode(), rid.encode()),
                    ]
                await send(message)

            try:
                await self.app(scope, limited_receive, tracking_send)
            except _BodyTooLargeError:
                if not status_holder["started"]:
                    await _send_problem(
                        send,
                        413,
                        "payload_too_large",
                        "Payload too large",
                        f"The request body exceeds {limit} bytes.",
                        rid,
                        scope,
                    )
                status_holder["status"] = 413
            except Exception as exc:
                # Rendered here rather than by Starlette's outermost handler so that the log line
                # carries the request id and the response carries the X-Request-ID header.
                if status_holder["started"]:
                    raise
                response = internal_error_response(exc, scope.get("path", ""), HTTPConnection(scope))
                await response(scope, receive, tracking_send)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            status = str(status_holder["status"])
            method = scope.get("method", "")
            self.metrics.requests.labels(self.metrics.service, route, method, status).inc()
            self.metrics.latency.labels(self.metrics.service, route, method, status).observe(elapsed)
            if scope.get("path") not in _QUIET_PATHS:
                access_log.info(
                    "request",
                    extra={
                        "method": method,
                        "path": scope.get("path"),
                        "route": route,
                        "status": status_holder["status"],
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(token)


def ops_router(metrics: Metrics, engine_getter: Callable[[], Engine], script_location: Path) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    def _ready_check() -> tuple[bool, dict[str, str]]:
        checks: dict[str, str] = {}
        try:
            engine = engine_getter()
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
            return False, checks
        try:
            checks["migrations"] = "at head" if is_at_head(engine, script_location) else "behind head"
        except Exception as exc:
            checks["migrations"] = f"unknown: {type(exc).__name__}"
        return checks["migrations"] == "at head", checks

    @router.get("/readyz", summary="Readiness: database reachable and migrations at head")
    async def readyz() -> JSONResponse:
        ok, checks = await run_in_threadpool(_ready_check)
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def set_threadpool_size(size: int) -> None:
    """Size of the threadpool FastAPI runs ``def`` handlers and dependencies in (call at startup)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = size


def install_plumbing(
    app: FastAPI,
    *,
    service: str,
    engine_getter: Callable[[], Engine],
    script_location: Path,
    max_body_bytes: int,
    exact_routes: Sequence[APIRoute] = (),
) -> Metrics:
    """Error handlers, request-id/size/metrics middleware and the three ops endpoints.

    ``exact_routes``: hot endpoints dispatched ahead of the router (:mod:`shared.exact_routes`),
    inside the plumbing so they keep request ids, the body limit, metrics and logs."""
    metrics = Metrics(service)
    install_error_handlers(app)
    install_problem_schema(app)  # and document the errors those handlers answer
    if exact_routes:
        app.add_middleware(ExactRoutes, routes=exact_routes)
    app.add_middleware(PlumbingMiddleware, metrics=metrics, max_body_bytes=max_body_bytes)
    app.include_router(ops_router(metrics, engine_getter, script_location))
    app.state.metrics = metrics
    return metrics
