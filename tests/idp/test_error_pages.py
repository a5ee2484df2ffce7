"""The idp's browser-facing failures are pages in the person's language (issue 10 item 2)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_a_too_long_login_is_a_page_not_pydantic_json(idp: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = idp
    response = await client.post(
        "/login", data={"login": "x" * 300, "password": "p", "csrf_token": "t"}, headers={"Accept": BROWSER}
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("text/html")
    assert "string_too_long" not in response.text and "String should have" not in response.text


async def test_an_unknown_page_uses_the_chosen_language(idp: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = idp
    client.cookies.set("idp_lang", "en")
    page = await client.get("/account/nothing-here", headers={"Accept": BROWSER})
    assert page.status_code == 404 and "Page not found" in page.text
    client.cookies.clear()
    api = await client.get("/account/nothing-here")
    assert api.headers["content-type"] == "application/problem+json"


async def test_the_idp_serves_the_privacy_policy_in_its_name(idp: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = idp
    policy = await client.get("/privacy")
    assert policy.status_code == 200 and "Политика обработки персональных данных" in policy.text
    assert "Единая система идентификации" in policy.text
    assert "idp_lang" not in policy.cookies  # no language chosen, nothing remembered
