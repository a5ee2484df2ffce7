"""Tokens in forms and links are compared as bytes: a non-ASCII one is refused, never a 500.

``hmac.compare_digest`` raises TypeError for a str with non-ASCII characters; found by probing the
pages (outside the OpenAPI document, so schemathesis does not reach them) with odd input.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI


@pytest.mark.parametrize("path", ["/login", "/register", "/recover"])
async def test_csrf_token_ff_is_refused(idp: tuple[FastAPI, httpx.AsyncClient], path: str) -> None:
    _, client = idp
    await client.get("/login")  # sets the CSRF cookie, so the submitted token is really compared
    response = await client.post(
        path, content=b"csrf_token=%ff", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("token", ["a.%C3%BC", "%C3%BC.%C3%BC"])
async def test_confirm_email_token_with_non_ascii_signature_is_refused(
    idp: tuple[FastAPI, httpx.AsyncClient], token: str
) -> None:
    _, client = idp
    response = await client.get(f"/confirm-email?token={token}")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/token", "/introspect"])
async def test_basic_client_id_00_is_invalid_client(
    idp: tuple[FastAPI, httpx.AsyncClient], path: str
) -> None:
    """A NUL in the client id was a 500 on PostgreSQL (it refuses NUL in a query parameter)."""
    _, client = idp
    response = await client.post(
        path, data={"grant_type": "client_credentials", "token": "x"}, auth=("\x00", "x")
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
