"""RFC 9457 problem JSON for every failure, with a stable code; never a 500 for bad input."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine

from shared.errors import AppError
from shared.http import install_plumbing


class TeapotError(AppError):
    status_code = 418
    code = "teapot"
    title = "I am a teapot"


class Body(BaseModel):
    name: str
    count: int


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    install_plumbing(
        app, service="test", engine_getter=lambda: engine, script_location=tmp_path, max_body_bytes=2048
    )

    @app.get("/teapot")
    def teapot() -> None:
        raise TeapotError("Short and stout.", extra={"hint": "try coffee"})

    @app.post("/items")
    def items(body: Body) -> dict[str, Any]:
        return body.model_dump()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c
    engine.dispose()


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:problem:{code}" and body["title"]
    return body


async def test_app_error_renders_its_code_detail_and_extras(client: httpx.AsyncClient) -> None:
    body = _problem(await client.get("/teapot"), 418, "teapot")
    assert body["detail"] == "Short and stout." and body["hint"] == "try coffee"
    assert body["instance"] == "/teapot"


async def test_validation_error_lists_fields_without_echoing_values(client: httpx.AsyncClient) -> None:
    body = _problem(
        await client.post("/items", json={"name": "secret-value-42", "count": "x"}), 422, "validation_failed"
    )
    assert body["errors"][0]["loc"] == ["body", "count"]
    assert "secret-value-42" not in json.dumps(body)


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", content=b'{"name": ', headers={"content-type": "application/json"})
    _problem(response, 400, "malformed_json")


async def test_oversized_body_is_a_413_declared_or_streamed(client: httpx.AsyncClient) -> None:
    _problem(await client.post("/items", content=b"x" * 5000), 413, "payload_too_large")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 1000

    _problem(await client.post("/items", content=chunks()), 413, "payload_too_large")


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    _problem(await client.get("/nowhere"), 404, "not_found")
    _problem(await client.delete("/items"), 405, "method_not_allowed")


async def test_unhandled_error_reveals_only_an_error_id_that_is_in_the_log(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="shared.errors")
    response = await client.get("/boom", headers={"X-Request-ID": "req-123"})
    body = _problem(response, 500, "internal_error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    error_id = body["error_id"]
    assert error_id in body["detail"]
    assert response.headers["x-request-id"] == "req-123"
    records = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    assert records and records[0].exc_info is not None
    assert getattr(records[0], "request_id", None) in (None, "req-123")


async def test_request_id_is_echoed_or_made_up(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz", headers={"X-Request-ID": "abc-1"})).headers[
        "x-request-id"
    ] == "abc-1"
    made_up = (await client.get("/healthz", headers={"X-Request-ID": "bad id\n<script>"})).headers[
        "x-request-id"
    ]
    assert made_up != "bad id\n<script>" and len(made_up) == 32
