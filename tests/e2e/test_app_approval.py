"""Confirmation in the app in Chromium (issue 15 item 1): the login page shows the number, the
simulated app page (another browser context, the phone) is tapped, and the login page — its poll
script on — goes on by itself without a reload or a «Проверить» click."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from idp.accounts.models import Account
from idp.accounts.service import create_account
from idp.app_approval import devices as app_approval
from idp.login.flow import Client
from tests.conftest import idp_settings
from tests.e2e import test_pages_accessibility as a11y
from tests.idp.conftest import CITIZEN, PASSWORD
from tests.live import free_port, serve_in_thread

pytestmark = pytest.mark.e2e


@pytest.fixture
def axe_js() -> Path:
    """axe-core as the accessibility suite finds it (skipped without Node, failed without the package)."""
    if a11y.AXE_JS.is_file():
        return a11y.AXE_JS
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: axe-core comes from npm (make e2e-deps)")
    pytest.fail("tests/e2e/axe/node_modules is missing: run `make e2e-deps`")


@pytest.fixture
def system(make_db: Callable[..., str]) -> Iterator[dict[str, str]]:
    from idp.main import create_app

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # the notifier is an address where nothing listens: the app page is opened from the cabinet's link
    app = create_app(idp_settings(make_db("idp"), issuer=url, notifier_url="http://127.0.0.1:9"))
    ctx = app.state.login_context
    with app.state.write_session_factory() as session:
        account = create_account(session, app.state.field_cipher, CITIZEN)
        added = app_approval.register_device(
            ctx, session, account, name="Мой телефон", password=PASSWORD, who=Client("127.0.0.1", "e2e")
        )
        assert added is not None
        link = app_approval.app_page_link(ctx, added.device)
        stored = session.get(Account, account.id)
        assert stored is not None and link
        stored.phone_verified = True  # the login asks for a second factor
        session.commit()
    with serve_in_thread(app, port):
        yield {"idp": url, "app_page": link}


def test_the_login_page_goes_on_by_itself_once_the_app_approves(
    browser: Any, system: dict[str, str], axe_js: Path
) -> None:
    """Both pages also pass the accessibility suite's checks (axe-core, no sideways scrolling)."""
    login_context = browser.new_context(locale="ru-RU")
    login_context.add_init_script(path=str(axe_js))
    page = login_context.new_page()
    page.goto(f"{system['idp']}/login")
    page.get_by_label("Телефон, почта или СНИЛС").fill(CITIZEN.email or "")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("button", name="Подтвердить в приложении").click()
    number = page.locator(".secret code").inner_text()
    assert len(number) == 2 and number.isdigit()
    assert a11y._problems(page, "ru") == []

    phone_context = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844})
    phone_context.add_init_script(path=str(axe_js))
    phone = phone_context.new_page()
    phone.goto(system["app_page"])
    assert a11y._problems(phone, "ru") == []
    assert phone.get_by_role("button", name=number).count() == 1
    assert phone.locator("button[name=number]").count() == 3
    phone.get_by_role("button", name=number).click()
    assert phone.get_by_text("Вход подтверждён.").count() == 1

    # no click on «Проверить»: the poll sees the answer and submits the form (a bounded wait)
    page.wait_for_url(f"{system['idp']}/account", timeout=30_000)
    assert "/account" in page.url
