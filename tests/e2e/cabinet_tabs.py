"""What the EGISZ cabinet's page suites share: a served egisz_api on its own database, browser tabs
signed into a cabinet session, and the accessibility check of tests/e2e/test_pages_accessibility.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from egisz_api.cabinet.dependencies import COOKIE
from tests.conftest import Templates, create_database, drop_database
from tests.e2e.test_pages_accessibility import LOCALES, WIDTHS, _problems
from tests.live import serve_in_thread


@contextmanager
def served_egisz(
    tmp: Path, name: str, db_templates: Templates, **settings: Any
) -> Iterator[tuple[FastAPI, str]]:
    """egisz_api in dev mode on a fresh database from the migrated template, served on loopback; the
    idp is never called (the sessions are opened through the cabinet's service)."""
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    url = create_database(tmp, name, template=db_templates.url("egisz_api"))
    app = create_app(
        EgiszSettings(
            database_url=url,
            dev_mode=True,
            audit_journal_dir=tmp / "journal",
            esia_url="http://idp.invalid",
            idp_account_url="http://idp.invalid/account",
            **settings,
        )
    )
    with serve_in_thread(app) as base:
        yield app, base
    drop_database(url)


@contextmanager
def cabinet_tabs(
    browser: Any, axe_js: Path, base: str, session_token: Callable[[], str]
) -> Iterator[Callable[[str, int], Any]]:
    """``tab(locale, width)`` → a page of a fresh browser context holding the cabinet cookie that
    ``session_token()`` opens; every context is closed at the end."""
    contexts: list[Any] = []

    def tab(locale: str, width: int) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": WIDTHS[width]}, locale=LOCALES[locale], bypass_csp=True
        )
        context.add_init_script(path=str(axe_js))
        context.add_cookies([{"name": COOKIE, "value": session_token(), "url": base}])
        contexts.append(context)
        return context.new_page()

    try:
        yield tab
    finally:
        for context in contexts:
            context.close()


def check(page: Any, locale: str, what: str) -> None:
    """No serious or critical axe violation, the page's language, nothing wider than the screen."""
    problems = _problems(page, locale)
    assert not problems, f"{what}: " + "\n".join(problems)
