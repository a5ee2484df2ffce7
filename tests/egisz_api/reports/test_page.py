"""The authorities' cabinet page (/cabinet/reports): an SVG bar chart and the same figures in a
table, a GET filter form, Russian and English; a person without an authority role is refused."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from egisz_api.cabinet import service as cabinet
from egisz_api.cabinet.dependencies import COOKIE, session_policy
from egisz_api.cabinet.schemas import LoggedInPerson
from tests.egisz_api.reports.conftest import SNILS

HTML = {"Accept": "text/html"}
MARCH = {"measure": "covid-tests", "from": "2026-03-01", "to": "2026-03-31", "period": "month"}


def log_in(
    client: httpx.AsyncClient, app: FastAPI, roles: tuple[str, ...], region: str | None = None
) -> None:
    """A cabinet session as a login through the idp makes it, with the roles the idp gave."""
    with app.state.session_factory() as db:
        token, _ = cabinet.open_session(
            db,
            LoggedInPerson(
                oid="2000000001",
                idp_sid=None,
                snils=None,
                display_name="Минздрав области",
                level="confirmed",
                roles=roles,
                region=region,
            ),
            patient_id=None,
            now=app.state.clock(),
            policy=session_policy(app.state.settings),
        )
        db.commit()
    client.cookies.set(COOKIE, token)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_federal_page_has_chart_table_and_csv_link(
    client: httpx.AsyncClient, reports_app: FastAPI
) -> None:
    log_in(client, reports_app, ("authority_federal",))
    response = await client.get("/cabinet/reports", params=MARCH, headers=HTML)
    assert response.status_code == 200, response.text
    html = response.text
    assert "<script" not in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in html
    assert 'aria-labelledby="report-chart-title report-chart-desc"' in html
    assert html.count("<rect ") == 2  # 77 (9) and 50 (11); the line without a region is «<5»: no bar
    words = text(html)
    assert "Тесты на COVID-19" in words and "ПЦР" in words
    assert "&lt;5" in html and "Всего" in words
    assert 'href="/api/v1/reports/covid-tests.csv?from=2026-03-01&amp;to=2026-03-31&amp;period=month"' in html
    assert '<form method="get" action="/cabinet/reports">' in html
    assert "Patient/" not in html and SNILS not in html


async def test_page_in_english(client: httpx.AsyncClient, reports_app: FastAPI) -> None:
    log_in(client, reports_app, ("authority_federal",))
    response = await client.get("/cabinet/reports", params={**MARCH, "lang": "en"}, headers=HTML)
    words = text(response.text)
    assert "Reports for health authorities" in words and "Rapid antigen" in words


async def test_regional_page_shows_its_region_only(client: httpx.AsyncClient, reports_app: FastAPI) -> None:
    log_in(client, reports_app, ("authority_regional",), region="50")
    html = (await client.get("/cabinet/reports", params=MARCH, headers=HTML)).text
    assert "Ваш регион: 50" in text(html)
    rows = re.findall(r'<td data-label="Регион">([^<]*)</td>', html)
    assert rows == ["50"]
    refused = await client.get("/cabinet/reports", params={**MARCH, "region": "77"}, headers=HTML)
    assert refused.status_code == 403


async def test_bad_filter_shows_the_form_with_the_problem(
    client: httpx.AsyncClient, reports_app: FastAPI
) -> None:
    log_in(client, reports_app, ("authority_federal",))
    response = await client.get("/cabinet/reports", params={**MARCH, "from": "2026-02-30"}, headers=HTML)
    assert response.status_code == 400
    assert "Проверьте параметры отчёта" in text(response.text)
    assert '<form method="get"' in response.text


async def test_a_patient_or_worker_is_refused(client: httpx.AsyncClient, reports_app: FastAPI) -> None:
    log_in(client, reports_app, ())
    refused = await client.get("/cabinet/reports", headers=HTML)
    assert refused.status_code == 403
    assert "Недостаточно прав" in text(refused.text) and "<svg" not in refused.text
    log_in(client, reports_app, ("practitioner",))
    assert (await client.get("/cabinet/reports", headers=HTML)).status_code == 403


async def test_without_a_session_the_browser_goes_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/cabinet/reports", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/cabinet/login")
