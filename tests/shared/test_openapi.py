"""Shared OpenAPI plumbing: errors documented as problem JSON, and a 405 that names every method
the path takes (found by schemathesis on the idp's admin API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine

from shared.http import install_plumbing


class Item(BaseModel):
    name: str


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    app = FastAPI()
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    install_plumbing(
        app, service="test", engine_getter=lambda: engine, script_location=tmp_path, max_body_bytes=2048
    )
    # two routers serving one path, as the idp's admin API does (GET and POST /admin/clients)
    readers, writers = APIRouter(prefix="/items"), APIRouter(prefix="/items")

    @readers.get("")
    def list_items() -> list[Item]:
        return []

    @writers.post("")
    def add_item(item: Item) -> Item:
        return item

    @writers.delete("/{name}")
    def delete_item(name: str) -> None:
        return None

    app.include_router(readers)
    app.include_router(writers)
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "PATCH"])
async def test_405_allow_names_every_route_of_the_path(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/items")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"  # Starlette alone would say "GET"
    assert response.headers["content-type"] == "application/problem+json"


async def test_405_allow_of_a_path_with_a_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/x")
    assert response.status_code == 405 and response.headers["allow"] == "DELETE"


def test_validation_422_is_documented_as_problem_json(app: FastAPI) -> None:
    document = app.openapi()
    response = document["paths"]["/items"]["post"]["responses"]["422"]
    assert response["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    schemas = document["components"]["schemas"]
    assert "Problem" in schemas and "HTTPValidationError" not in schemas
