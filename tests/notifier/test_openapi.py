"""The notifier's OpenAPI says what it answers: problem JSON for every error, its 404, the bearer
scheme, and the template catalog (names as an enum, each template's parameters)."""

from __future__ import annotations

from typing import Any

import pytest

from notifier.rendering.catalog import TEMPLATES
from tests.notifier.conftest import otp, smtp_settings


@pytest.fixture
async def openapi(start_notifier: Any) -> dict[str, Any]:
    async with start_notifier(dispatcher_enabled=False) as n:
        response = await n.client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_template_names_are_an_enum_of_the_catalog(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert schemas["TemplateName"]["enum"] == sorted(TEMPLATES)
    variants = schemas["MessageRequest"]["oneOf"]
    assert [v["properties"]["template"]["const"] for v in variants] == sorted(TEMPLATES)
    otp_params = next(v for v in variants if v["title"] == "MessageRequest_otp_code")["properties"]["params"]
    assert otp_params["required"] == ["code"] and otp_params["additionalProperties"] is False


def test_every_error_is_documented_as_problem_json(openapi: dict[str, Any]) -> None:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
    assert "Problem" in openapi["components"]["schemas"]


def test_message_routes_document_404_and_the_bearer_scheme(openapi: dict[str, Any]) -> None:
    get_message = openapi["paths"]["/v1/messages/{message_id}"]["get"]
    assert {"401", "403", "404"} <= set(get_message["responses"])
    assert get_message["security"] == [{"bearer": []}]
    assert openapi["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_unknown_message_is_404_problem_json(start_notifier: Any) -> None:
    async with start_notifier(dispatcher_enabled=False) as n:
        response = await n.client.get("/v1/messages/0", headers={"Authorization": f"Bearer {n.token}"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "message_not_found"


async def test_code_with_trailing_newline_is_refused(start_notifier: Any, smtp: Any) -> None:
    """Python's ``$`` let ``483920\\n`` pass the code pattern; the schema's (ECMA) ``$`` does not."""
    async with start_notifier(**smtp_settings(smtp[1]), dispatcher_enabled=False) as n:
        response = await n.send(otp(params={"code": "483920\n"}))
    assert response.status_code == 422 and response.json()["code"] == "invalid_parameter"


async def test_ttl_minutes_282_0_is_the_integer_282(start_notifier: Any, smtp: Any) -> None:
    """Found by schemathesis: JSON has one number type, so ``282.0`` is an integer (RFC 8259 §6)."""
    async with start_notifier(**smtp_settings(smtp[1]), dispatcher_enabled=False) as n:
        response = await n.send(otp(params={"code": "483920", "ttl_minutes": 282.0}))
        assert response.status_code == 202, response.text
        status = await n.status(response.json()["id"])
    assert status["params"]["ttl_minutes"] == 282 and isinstance(status["params"]["ttl_minutes"], int)


async def test_message_id_00_is_404(start_notifier: Any) -> None:
    """Found by schemathesis on PostgreSQL, which refuses NUL in a query parameter: was a 500."""
    async with start_notifier(dispatcher_enabled=False) as n:
        response = await n.client.get("/v1/messages/%00", headers=n.headers)
    assert response.status_code == 404 and response.json()["code"] == "message_not_found"
