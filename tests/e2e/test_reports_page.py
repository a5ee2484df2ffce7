"""The authorities' report page (/cabinet/reports) in real Chromium with axe-core (the checks of
tests/e2e/test_pages_accessibility.py: no serious or critical violation, the page's language,
nothing wider than the screen), in Russian and English at phone and desktop widths: the chart, the
table fallback, and the GET filter form submitted by a click (no JavaScript in the page)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from egisz_api.cabinet import service as cabinet
from egisz_api.cabinet.dependencies import session_policy
from egisz_api.cabinet.schemas import LoggedInPerson
from tests.conftest import Templates
from tests.e2e.cabinet_tabs import cabinet_tabs, check, served_egisz
from tests.e2e.test_pages_accessibility import LOCALES, WIDTHS, axe_js  # noqa: F401
from tests.egisz_api.reports.conftest import fill

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def egisz(tmp_path_factory: pytest.TempPathFactory, db_templates: Templates) -> Iterator[tuple[FastAPI, str]]:
    tmp = tmp_path_factory.mktemp("reports-e2e")
    with served_egisz(tmp, "egisz_reports_e2e", db_templates, notifications_enabled=False) as served:
        fill(served[0].state.session_factory)
        yield served


@pytest.fixture
def tab(browser: Any, axe_js: Path, egisz: tuple[FastAPI, str]) -> Iterator[Callable[[str, int], Any]]:  # noqa: F811
    app, base = egisz

    def federal_session() -> str:
        with app.state.session_factory() as db:
            token, _ = cabinet.open_session(
                db,
                LoggedInPerson(
                    oid=f"e2e-{uuid.uuid4().hex[:8]}",
                    idp_sid=None,
                    snils=None,
                    display_name="Минздрав России",
                    level="confirmed",
                    roles=("authority_federal",),
                ),
                patient_id=None,
                now=app.state.clock(),
                policy=session_policy(app.state.settings),
            )
            db.commit()
        return token

    with cabinet_tabs(browser, axe_js, base, federal_session) as make:
        yield make


@pytest.mark.parametrize("width", list(WIDTHS), ids=lambda w: f"{w}px")
@pytest.mark.parametrize("locale", list(LOCALES))
def test_the_report_page_is_accessible_and_fits(
    tab: Callable[[str, int], Any], egisz: tuple[FastAPI, str], locale: str, width: int
) -> None:
    _, base = egisz
    page = tab(locale, width)
    page.goto(f"{base}/cabinet/reports?lang={locale}&from=2026-03-01&to=2026-03-31")
    assert page.locator("svg.chart").count() == 1
    assert page.locator("table.table").count() == 1
    check(page, locale, "report")
    page.locator("#measure-covid-vaccinations").check()
    page.locator("#period-week").check()
    page.locator("form[action='/cabinet/reports'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "measure=covid-vaccinations" in page.url and "period=week" in page.url, page.url
    assert page.locator("svg.chart").count() == 1
    check(page, locale, "report by week")
    page.goto(f"{base}/cabinet/reports?lang={locale}&from=2026-02-30")
    check(page, locale, "report with a bad date")
