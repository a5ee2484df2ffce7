"""The data-subject rights pages in real Chromium with axe-core (tests/e2e/test_pages_accessibility.py's
checks: no serious or critical violation, the page's language, nothing wider than the screen) in
Russian and English at phone and desktop widths: «Выгрузка», «Обращения» (with its error summary,
then a filed request) and «Уведомления» (saved by a click), all without JavaScript in the pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import Templates
from tests.e2e.cabinet_tabs import cabinet_tabs, check, served_egisz
from tests.e2e.pages import submit
from tests.e2e.test_pages_accessibility import LOCALES, WIDTHS, axe_js  # noqa: F401
from tests.egisz_api.cabinet.support import open_session
from tests.egisz_api.consent.support import give_consent
from tests.egisz_api.exports.conftest import out_of_range, write
from tests.egisz_api.fhir import resources as res

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def egisz(tmp_path_factory: pytest.TempPathFactory, db_templates: Templates) -> Iterator[tuple[FastAPI, str]]:
    tmp = tmp_path_factory.mktemp("rights-e2e")
    with served_egisz(tmp, "egisz_rights_e2e", db_templates, notifications_enabled=False) as served:
        yield served


def _patient(app: FastAPI) -> str:
    body = res.patient("112-233-445 95", "Константинопольский", given="Александр")
    body["telecom"] = [{"system": "email", "value": "konstantin@example.test"}]
    pid = write(app, body)
    for resource in [*res.one_of_each(pid), out_of_range(pid)]:
        write(app, resource)
    return pid


@pytest.fixture
def tab(browser: Any, axe_js: Path, egisz: tuple[FastAPI, str]) -> Iterator[Callable[[str, int], Any]]:  # noqa: F811
    """``tab(locale, width)`` → a page of a fresh context in the cabinet of a new patient with records."""
    app, base = egisz

    def new_patient_session() -> str:
        pid = _patient(app)
        give_consent(app, pid)  # the cabinet opens only after it
        return open_session(app, patient_id=pid, snils="112-233-445 95", oid=f"e2e-{uuid.uuid4().hex[:8]}")[0]

    with cabinet_tabs(browser, axe_js, base, new_patient_session) as make:
        yield make


@pytest.mark.parametrize("width", list(WIDTHS), ids=lambda w: f"{w}px")
@pytest.mark.parametrize("locale", list(LOCALES))
def test_the_rights_pages_are_accessible_and_fit(
    tab: Callable[[str, int], Any], egisz: tuple[FastAPI, str], locale: str, width: int
) -> None:
    _, base = egisz
    page = tab(locale, width)
    page.goto(f"{base}/cabinet/export?lang={locale}")
    assert page.locator('a[href="/cabinet/export/record.json"]').count() == 1
    check(page, locale, "export")

    page.goto(f"{base}/cabinet/requests?lang={locale}")
    check(page, locale, "requests")
    submit(page, "/cabinet/requests")  # nothing chosen, nothing written
    assert page.locator(".error-summary").count() == 1
    check(page, locale, "requests with errors")
    page.locator("#kind-deletion").check()
    page.locator("#text").fill("Удалите, пожалуйста, запись о прививке 2021 года")
    submit(page, "/cabinet/requests")
    assert page.url.endswith("/cabinet/requests?sent=1"), page.url
    assert page.locator("table.table").count() == 1
    check(page, locale, "requests listed")

    page.goto(f"{base}/cabinet/settings/notifications?lang={locale}")
    check(page, locale, "notification settings")
    page.locator("#choice-new_result-sms").check()
    submit(page, "/cabinet/settings/notifications")
    assert page.url.endswith("?saved=1"), page.url
    assert page.locator("#choice-new_result-sms").is_checked()
    check(page, locale, "notification settings saved")
