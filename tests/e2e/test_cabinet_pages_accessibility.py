"""The EGISZ cabinet's own pages (docs/cabinet.md) in Chromium, Russian and English, 1280 and 390 px:
no serious or critical axe-core violation, no horizontal scrolling, the page in the language asked
for — the same checks as test_pages_accessibility.py, whose harness this reuses. egisz_api runs on a
loopback port; each page's session is opened through the cabinet's session service (no idp needed)
and its cookie put into the browser context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import Templates, create_database, drop_database
from tests.e2e.test_pages_accessibility import LOCALES, SCREENSHOTS, WIDTHS, _problems, axe_js  # noqa: F401
from tests.egisz_api.cabinet.support import open_session
from tests.egisz_api.consent.support import give_consent
from tests.live import free_port, serve_in_thread

pytestmark = pytest.mark.e2e

SNILS = "11223344595"


@pytest.fixture(scope="module")
def egisz(tmp_path_factory: pytest.TempPathFactory, db_templates: Templates) -> Iterator[tuple[FastAPI, str]]:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    folder = tmp_path_factory.mktemp("cabinet-a11y")
    database = create_database(folder, "egisz_api", template=db_templates.url("egisz_api"))
    port = free_port()
    app = create_app(
        EgiszSettings(
            database_url=database,
            dev_mode=True,
            public_url=f"http://127.0.0.1:{port}",
            esia_url="http://127.0.0.1:9",
            esia_demo_dir=folder / "none",
            audit_journal_dir=folder / "journal",
            audit_journal_fsync=False,
        )
    )
    with serve_in_thread(app, port) as base:
        yield app, base
    drop_database(database)


def _session(app: FastAPI, **kwargs: Any) -> Callable[[], str]:
    return lambda: open_session(app, **kwargs)[0]


#: (id, path, session: how to open it or None, the level's overrides)
def _visits(app: FastAPI) -> list[tuple[str, str, Callable[[], str] | None]]:
    return [
        ("home", "/", None),
        ("overview", "/cabinet", _session(app, patient_id="p1", snils=SNILS)),
        ("overview-no-record", "/cabinet", _session(app, patient_id=None, snils=SNILS, level="standard")),
        ("overview-simplified", "/cabinet", _session(app, patient_id=None, snils=SNILS, level="simplified")),
        ("login-failed", "/esia/callback?state=forged&code=x", None),
        ("login-unavailable", "/cabinet/login", None),
    ]


IDS = ["home", "overview", "overview-no-record", "overview-simplified", "login-failed", "login-unavailable"]


@pytest.mark.parametrize("width", list(WIDTHS), ids=lambda w: f"{w}px")
@pytest.mark.parametrize("locale", list(LOCALES))
@pytest.mark.parametrize("visit_id", IDS)
def test_cabinet_page_is_accessible_and_fits(
    visit_id: str,
    locale: str,
    width: int,
    browser: Any,
    axe_js: Path,  # noqa: F811  (the fixture imported above)
    egisz: tuple[FastAPI, str],
) -> None:
    app, base = egisz
    _, path, session = next(v for v in _visits(app) if v[0] == visit_id)
    context = browser.new_context(
        viewport={"width": width, "height": WIDTHS[width]}, locale=LOCALES[locale], bypass_csp=True
    )
    context.add_init_script(path=str(axe_js))
    if session is not None:
        context.add_cookies([{"name": "egisz_cabinet", "value": session(), "url": base}])
    page = context.new_page()
    page.goto(base + path)
    shot = SCREENSHOTS / "egisz_cabinet" / f"{visit_id}--{locale}-{width}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    problems = _problems(page, locale)
    context.close()
    assert not problems, f"{visit_id} [{locale}, {width} px]:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("locale", list(LOCALES))
def test_expired_and_insufficient_pages_are_accessible(
    locale: str,
    browser: Any,
    axe_js: Path,  # noqa: F811  (the fixture imported above)
    egisz: tuple[FastAPI, str],
) -> None:
    """«Сессия истекла» (an idle session, time moved by the app's clock) and «Недостаточно прав» (a
    confirmed-only page for a standard account), at phone width."""
    from fastapi import APIRouter, Depends
    from fastapi.responses import PlainTextResponse

    from egisz_api.cabinet.dependencies import require_level

    app, base = egisz
    if not any(getattr(r, "path", "") == "/cabinet/a11y-confirmed" for r in app.routes):
        router = APIRouter()

        @router.get("/cabinet/a11y-confirmed", dependencies=[Depends(require_level("confirmed"))])
        def confirmed_only() -> PlainTextResponse:
            return PlainTextResponse("ok")

        app.include_router(router)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale=LOCALES[locale], bypass_csp=True
    )
    context.add_init_script(path=str(axe_js))
    give_consent(app, "p1")  # every cabinet page but the consent page waits for it
    token = open_session(app, patient_id="p1", snils=SNILS, level="standard")[0]
    context.add_cookies([{"name": "egisz_cabinet", "value": token, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/cabinet/a11y-confirmed")
    assert page.locator("h1").inner_text() in ("Недостаточно прав", "Not enough rights")
    problems = _problems(page, locale)
    # expire it: the app's clock is the system clock here, so end the session as the idp would
    from egisz_api.cabinet import service

    with app.state.session_factory() as db:
        service.end_session(db, token, now=app.state.clock(), reason="backchannel")
        db.commit()
    page.goto(f"{base}/cabinet")
    assert page.locator("h1").inner_text() in ("Сессия истекла", "Your session has expired")
    problems += _problems(page, locale)
    context.close()
    assert not problems, "\n  ".join(problems)
