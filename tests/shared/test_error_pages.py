"""Browsers get the shared error page in their language; API clients keep problem JSON (issue 10)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from shared.web.errors import prefers_html
from tests.conftest import running

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
async def egisz(make_db: Callable[..., str]) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    app = create_app(EgiszSettings(database_url=make_db("egisz_api"), dev_mode=True, max_body_bytes=1024))

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("kaboom")

    async with running(app) as client:
        yield app, client


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER, True),
        ("*/*", False),
        ("application/json", False),
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0", False),
        (None, False),
    ],
)
def test_only_a_request_that_prefers_html_gets_a_page(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html


async def test_an_unknown_url_is_a_page_for_a_browser_and_problem_json_for_an_api(
    egisz: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = egisz
    page = await client.get("/no/such/page", headers={"Accept": BROWSER})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Страница не найдена" in page.text and 'lang="ru"' in page.text
    api = await client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


async def test_the_page_speaks_the_browsers_language(egisz: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = egisz
    page = await client.get("/nowhere", headers={"Accept": BROWSER, "Accept-Language": "en-GB,en;q=0.9"})
    assert "Page not found" in page.text and 'lang="en"' in page.text


async def test_a_wrong_method_is_a_page_that_keeps_the_allow_header(
    egisz: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = egisz
    page = await client.delete("/", headers={"Accept": BROWSER})
    assert page.status_code == 405 and "GET" in page.headers["allow"]
    assert "Так эту страницу не открыть" in page.text


async def test_a_crash_shows_an_error_id_that_is_in_the_log(
    egisz: tuple[FastAPI, httpx.AsyncClient], caplog: pytest.LogCaptureFixture
) -> None:
    _, client = egisz
    page = await client.get("/boom", headers={"Accept": BROWSER})
    assert page.status_code == 500 and "Что-то пошло не так" in page.text
    logged = [r for r in caplog.records if getattr(r, "error_id", None)]
    assert logged and logged[-1].error_id in page.text  # type: ignore[attr-defined]
    assert "kaboom" not in page.text


async def test_a_too_large_body_is_a_page(egisz: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = egisz
    page = await client.post("/", content=b"x" * 5000, headers={"Accept": BROWSER})
    assert page.status_code == 413 and "Слишком большой объём данных" in page.text
    assert page.headers["x-request-id"]


async def test_the_home_page_is_in_the_shared_design(egisz: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = egisz
    page = await client.get("/?lang=en")
    assert page.status_code == 200 and "Health records in EGISZ" in page.text
    assert "/static/design/design.css" in page.text and "Support line" in page.text
    assert page.cookies.get("egisz_lang") == "en"  # chosen with the switch, so remembered
    css = await client.get("/static/design/design.css")
    assert css.status_code == 200 and ".error-summary" in css.text
    plain = await client.get("/", headers={"Accept-Language": "en"})
    assert "egisz_lang" not in plain.cookies  # not chosen: nothing remembered


async def test_the_privacy_policy_every_footer_links_to_exists(
    egisz: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = egisz
    home = await client.get("/")
    assert 'href="/privacy"' in home.text
    policy = await client.get("/privacy?lang=en")
    assert policy.status_code == 200 and "Personal data processing policy" in policy.text
    assert "152-FZ" in policy.text and policy.cookies.get("egisz_lang") == "en"


async def test_an_error_page_for_a_get_offers_the_other_language(
    egisz: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = egisz
    page = await client.get("/missing?x=1", headers={"Accept": BROWSER})
    assert 'href="/missing?x=1&amp;lang=en"' in page.text
