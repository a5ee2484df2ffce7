"""ExactRoutes: hot endpoints answered ahead of the router, with the plumbing still around them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from shared.errors import AppError
from shared.exact_routes import ExactRoutes
from shared.http import install_plumbing
from tests.conftest import running

LIMIT = 2048
HOT_PATHS = frozenset({"/hot", "/echo", "/hot-teapot", "/hot-forbidden", "/hot-boom"})


class TeapotError(AppError):
    status_code = 418
    code = "teapot"
    title = "I am a teapot"


ERRORS: dict[str, Callable[[], Exception]] = {
    "teapot": lambda: TeapotError("Short and stout.", headers={"Retry-After": "7"}, extra={"hint": "coffee"}),
    "forbidden": lambda: HTTPException(403, "Not for you.", headers={"X-Reason": "policy"}),
}


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    # (endpoint name, whether FastAPI's router had put "endpoint" into the scope)
    calls: list[tuple[str, bool]] = field(default_factory=list)


def _raising(make: Callable[[], Exception]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        raise make()

    return endpoint


@asynccontextmanager
async def serve(tmp_path: Path, *, hot: bool) -> AsyncIterator[Harness]:
    """A small app; with ``hot`` the routes in HOT_PATHS are also given to ExactRoutes."""
    calls: list[tuple[str, bool]] = []
    router = APIRouter()

    @router.get("/hot")
    async def hot_endpoint(request: Request) -> Response:
        calls.append(("hot", "endpoint" in request.scope))
        return JSONResponse({"hello": "hot"})

    @router.post("/echo")
    async def echo(request: Request) -> Response:
        body = await request.body()
        calls.append(("echo", "endpoint" in request.scope))
        return JSONResponse({"size": len(body)})

    @router.get("/cold")
    async def cold(request: Request) -> Response:
        calls.append(("cold", "endpoint" in request.scope))
        return JSONResponse({"hello": "cold"})

    for name, make in ERRORS.items():
        router.add_api_route(f"/hot-{name}", _raising(make), methods=["GET"])
        router.add_api_route(f"/cold-{name}", _raising(make), methods=["GET"])

    @router.get("/hot-boom")
    async def boom(request: Request) -> Response:
        raise RuntimeError("database password is hunter2")

    app = FastAPI()
    engine = create_engine("sqlite://")
    hot_routes = [r for r in router.routes if isinstance(r, APIRoute) and r.path in HOT_PATHS]
    assert len(hot_routes) == len(HOT_PATHS)
    install_plumbing(
        app,
        service="test",
        engine_getter=lambda: engine,
        script_location=tmp_path,
        max_body_bytes=LIMIT,
        exact_routes=hot_routes if hot else [],
    )
    app.include_router(router)
    try:
        async with running(app) as client:
            yield Harness(app, client, calls)
    finally:
        engine.dispose()


@pytest.fixture
async def hot(tmp_path: Path) -> AsyncIterator[Harness]:
    async with serve(tmp_path, hot=True) as harness:
        yield harness


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:problem:{code}" and body["title"]
    return body


async def _request_counts(client: httpx.AsyncClient) -> dict[tuple[str, str, str], float]:
    """``http_requests_total`` from /metrics as {(route, method, status): count}."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    counts: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "http_requests_total":
                labels = sample.labels
                counts[(labels["route"], labels["method"], labels["status"])] = sample.value
    return counts


async def test_hot_endpoint_answers_without_the_router_and_keeps_the_request_id(tmp_path: Path) -> None:
    # Control: without ExactRoutes the same endpoint is reached through the router, which puts
    # "endpoint" into the scope; that is what makes the absence of it below a meaningful signal.
    async with serve(tmp_path, hot=False) as routed:
        response = await routed.client.get("/hot", headers={"X-Request-ID": "req-routed"})
        assert response.status_code == 200 and response.json() == {"hello": "hot"}
        assert routed.calls == [("hot", True)]

    async with serve(tmp_path, hot=True) as harness:
        response = await harness.client.get("/hot", headers={"X-Request-ID": "req-hot-1"})
        assert response.status_code == 200 and response.json() == {"hello": "hot"}
        assert harness.calls == [("hot", False)]
        assert response.headers["x-request-id"] == "req-hot-1"

        made_up = (await harness.client.get("/hot", headers={"X-Request-ID": "bad id\n<x>"})).headers
        assert made_up["x-request-id"] != "bad id\n<x>" and len(made_up["x-request-id"]) == 32
        assert harness.calls[-1] == ("hot", False)


async def test_hot_requests_are_counted_and_logged_under_their_route_template(
    hot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shared.access")
    for _ in range(2):
        assert (await hot.client.get("/hot")).status_code == 200
    assert (await hot.client.post("/echo", content=b"abc")).json() == {"size": 3}

    counts = await _request_counts(hot.client)
    assert counts[("/hot", "GET", "200")] == 2
    assert counts[("/echo", "POST", "200")] == 1
    assert not [key for key in counts if key[0] == "unmatched"], counts

    access = [r for r in caplog.records if r.name == "shared.access" and getattr(r, "path", None) == "/hot"]
    assert len(access) == 2 and all(getattr(r, "route", None) == "/hot" for r in access)


async def test_body_limit_applies_to_hot_paths_declared_or_streamed(hot: Harness) -> None:
    assert (await hot.client.post("/echo", content=b"x" * LIMIT)).json() == {"size": LIMIT}
    assert hot.calls == [("echo", False)]

    declared = await hot.client.post("/echo", content=b"x" * (LIMIT + 1), headers={"X-Request-ID": "big-1"})
    _problem(declared, 413, "payload_too_large")
    assert declared.headers["x-request-id"] == "big-1"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 1000

    streamed = await hot.client.post("/echo", content=chunks())
    assert "content-length" not in streamed.request.headers  # really sent without a declared size
    _problem(streamed, 413, "payload_too_large")

    assert hot.calls == [("echo", False)]  # neither oversized request got past reading the body
    counts = await _request_counts(hot.client)
    assert counts[("/echo", "POST", "413")] == 1  # the streamed one reached the hot endpoint


@pytest.mark.parametrize("name", sorted(ERRORS))
async def test_handled_error_in_a_hot_endpoint_renders_as_through_the_router(hot: Harness, name: str) -> None:
    via_exact = await hot.client.get(f"/hot-{name}")
    via_router = await hot.client.get(f"/cold-{name}")

    assert via_exact.status_code == via_router.status_code >= 400
    assert via_exact.headers["content-type"] == "application/problem+json"
    assert via_router.headers["content-type"] == "application/problem+json"
    exact_body, router_body = via_exact.json(), via_router.json()
    assert exact_body.pop("instance") == f"/hot-{name}"
    assert router_body.pop("instance") == f"/cold-{name}"
    assert exact_body == router_body
    for header in ("retry-after", "x-reason"):
        assert via_exact.headers.get(header) == via_router.headers.get(header)
    assert "x-request-id" in via_exact.headers

    counts = await _request_counts(hot.client)
    assert counts[(f"/hot-{name}", "GET", str(via_exact.status_code))] == 1


async def test_teapot_error_keeps_its_code_detail_headers_and_extras(hot: Harness) -> None:
    response = await hot.client.get("/hot-teapot")
    body = _problem(response, 418, "teapot")
    assert body["detail"] == "Short and stout." and body["hint"] == "coffee"
    assert response.headers["retry-after"] == "7"


async def test_unexpected_error_in_a_hot_endpoint_is_a_500_with_only_an_error_id(
    hot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="shared.errors")
    response = await hot.client.get("/hot-boom", headers={"X-Request-ID": "req-boom"})
    body = _problem(response, 500, "internal_error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    error_id = body["error_id"]
    assert error_id in body["detail"]
    # Rendered by the plumbing middleware (the outermost handler would not add the request id).
    assert response.headers["x-request-id"] == "req-boom"
    records = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    assert records and records[0].exc_info is not None

    counts = await _request_counts(hot.client)
    assert counts[("/hot-boom", "GET", "500")] == 1


async def test_undeclared_method_falls_through_to_the_router(hot: Harness) -> None:
    wrong = await hot.client.get("/echo")
    _problem(wrong, 405, "method_not_allowed")
    assert wrong.headers["allow"] == "POST"
    assert "x-request-id" in wrong.headers
    _problem(await hot.client.put("/hot"), 405, "method_not_allowed")
    assert hot.calls == []

    cold = await hot.client.get("/cold")
    assert cold.status_code == 200 and cold.json() == {"hello": "cold"}
    assert hot.calls == [("cold", True)]  # reached through the router
    assert (await hot.client.get("/healthz")).json() == {"status": "ok"}
    _problem(await hot.client.get("/nowhere"), 404, "not_found")


async def test_hot_routes_stay_in_the_openapi_document(hot: Harness) -> None:
    paths = hot.app.openapi()["paths"]
    assert set(paths["/hot"]) == {"get"}
    assert set(paths["/echo"]) == {"post"}
    assert {"/hot-teapot", "/hot-forbidden", "/hot-boom"} <= set(paths)


async def _fallback(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    raise AssertionError("not called")


def _sync(request: Request) -> Response:
    return Response()


async def _extra_param(request: Request, name: str) -> Response:
    return Response()


async def _unannotated(request) -> Response:  # type: ignore[no-untyped-def,unused-ignore]
    return Response()


async def _wrong_annotation(request: str) -> Response:
    return Response()


async def _no_params() -> Response:
    return Response()


async def _qualifying(request: Request) -> Response:
    return Response()


@pytest.mark.parametrize("endpoint", [_sync, _extra_param, _unannotated, _wrong_annotation, _no_params])
def test_only_async_request_only_endpoints_qualify(endpoint: Callable[..., Any], tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="/bad"):
        ExactRoutes(_fallback, routes=[APIRoute("/bad", endpoint, methods=["POST"])])

    # Through install_plumbing the error comes when the middleware stack is built, i.e. at startup.
    app = FastAPI()
    install_plumbing(
        app,
        service="test",
        engine_getter=lambda: create_engine("sqlite://"),
        script_location=tmp_path,
        max_body_bytes=LIMIT,
        exact_routes=[APIRoute("/bad", endpoint, methods=["POST"])],
    )
    with pytest.raises(TypeError, match="/bad"):
        app.build_middleware_stack()


def test_a_qualifying_endpoint_is_taken_for_each_of_its_methods() -> None:
    layer = ExactRoutes(_fallback, routes=[APIRoute("/ok", _qualifying, methods=["GET", "POST"])])
    assert set(layer.table) == {("GET", "/ok"), ("POST", "/ok")}


def _deny() -> None:
    raise HTTPException(status_code=401, detail="no")


def test_a_route_with_dependencies_is_refused_rather_than_run_without_them() -> None:
    """A router-level dependency (authentication) would be skipped by the exact dispatch."""
    guarded = APIRouter(dependencies=[Depends(_deny)])
    guarded.add_api_route("/guarded", _qualifying, methods=["POST"])
    route = next(r for r in guarded.routes if isinstance(r, APIRoute))
    with pytest.raises(TypeError, match="/guarded"):
        ExactRoutes(_fallback, routes=[route])
    with pytest.raises(TypeError, match="/guarded"):
        ExactRoutes(_fallback, routes=[APIRoute("/guarded", _qualifying, dependencies=[Depends(_deny)])])


async def test_behind_a_path_prefix_the_hot_route_is_still_taken(hot: Harness) -> None:
    transport = httpx.ASGITransport(app=hot.app, root_path="/idp")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/idp/hot")
    assert response.status_code == 200 and response.json() == {"hello": "hot"}
    assert hot.calls[-1] == ("hot", False)  # taken by ExactRoutes, not the router
