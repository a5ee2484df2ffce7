"""The consent pages in real Chromium with axe-core (tests/e2e/test_pages_accessibility.py's checks:
no serious or critical violation, the page's language, nothing wider than the screen) in Russian and
English at phone and desktop widths: the first-entry text, the unchecked-box error, the given
consent, the withdrawal question and the suspended page — and the journey through them by clicks,
without JavaScript in the pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from tests.conftest import Templates
from tests.e2e.cabinet_tabs import cabinet_tabs, check, served_egisz
from tests.e2e.pages import submit
from tests.e2e.test_pages_accessibility import LOCALES, WIDTHS, axe_js  # noqa: F401
from tests.egisz_api.cabinet.support import open_session

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def egisz(tmp_path_factory: pytest.TempPathFactory, db_templates: Templates) -> Iterator[tuple[FastAPI, str]]:
    with served_egisz(tmp_path_factory.mktemp("consent-e2e"), "egisz_consent_e2e", db_templates) as served:
        yield served


@pytest.fixture
def tab(browser: Any, axe_js: Path, egisz: tuple[FastAPI, str]) -> Iterator[Callable[[str, int], Any]]:  # noqa: F811
    """``tab(locale, width)`` → a page of a fresh context logged into the cabinet of a new patient."""
    app, base = egisz

    def new_patient_session() -> str:
        return open_session(app, patient_id=f"e2e-{uuid.uuid4().hex[:12]}", snils="112-233-445 95")[0]

    with cabinet_tabs(browser, axe_js, base, new_patient_session) as make:
        yield make


@pytest.mark.parametrize("width", list(WIDTHS), ids=lambda w: f"{w}px")
@pytest.mark.parametrize("locale", list(LOCALES))
def test_the_consent_journey_is_accessible_and_fits(
    tab: Callable[[str, int], Any], egisz: tuple[FastAPI, str], locale: str, width: int
) -> None:
    _, base = egisz
    page = tab(locale, width)
    page.goto(f"{base}/cabinet?lang={locale}")
    assert page.url.startswith(f"{base}/cabinet/consent"), page.url  # first entry: consent first
    check(page, locale, "first entry")
    submit(page, "/cabinet/consent")  # the box is not ticked
    assert page.locator(".error-summary").count() == 1
    check(page, locale, "unchecked box")
    page.locator('input[name="agree"]').check()
    submit(page, "/cabinet/consent")
    assert urlsplit(page.url).path == "/cabinet", page.url  # back where the person was going
    page.goto(f"{base}/cabinet/consent")
    assert page.locator('a[href="/cabinet/consent/withdraw"]').count() == 1
    check(page, locale, "consent given")
    with page.expect_navigation():
        page.locator('a[href="/cabinet/consent/withdraw"]').click()
    check(page, locale, "withdrawal question")
    submit(page, "/cabinet/consent/withdraw")
    assert "done=withdrawn" in page.url
    assert page.locator(".banner--warning").count() == 1
    check(page, locale, "suspended")
