"""A person logs in to the demo relying party through the idp's pages in a real browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from idp.seed import DEMO_CITIZEN, seed
from tests.conftest import idp_settings
from tests.live import free_port, serve_in_thread

pytestmark = pytest.mark.e2e


@pytest.fixture
def idp_url(make_db: Callable[..., str]) -> Iterator[str]:
    from idp.main import create_app

    port = free_port()
    settings = idp_settings(make_db("idp"), issuer=f"http://127.0.0.1:{port}", demo_relying_party=True)
    seed(settings)
    with serve_in_thread(create_app(settings), port) as base:
        yield base


def test_login_consent_userinfo_and_logout_in_chromium(browser: Any, idp_url: str) -> None:
    page = browser.new_page(locale="ru-RU")
    page.goto(f"{idp_url}/demo-rp")
    page.get_by_role("link", name="Войти через IdP").click()
    assert page.locator("h1").inner_text() == "Вход"
    # the labels are real labels: a screen reader (and Playwright) finds the inputs by them
    page.get_by_label("Телефон, почта или СНИЛС").fill(DEMO_CITIZEN.email or "")
    page.get_by_label("Пароль").fill("wrong password")
    page.get_by_role("button", name="Войти").click()
    assert page.get_by_role("alert").inner_text() == "Неверный логин или пароль"
    page.get_by_label("Пароль").fill(DEMO_CITIZEN.password)
    page.get_by_role("button", name="Войти").click()
    assert "Демо-приложение" in page.content()
    assert page.get_by_text("СНИЛС").is_visible()
    page.get_by_role("button", name="Разрешить").click()
    assert "Вход выполнен" in page.content()
    assert "Иванов" in page.content() and "112-233-445 95" in page.content()
    page.get_by_role("link", name="Выйти").click()
    assert page.url == f"{idp_url}/demo-rp"
    page.goto(f"{idp_url}/")
    assert "Вы не вошли" in page.content()
    page.close()


def test_the_login_page_cannot_be_framed(browser: Any, idp_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{idp_url}/login")
    framing = page.evaluate(
        """async (url) => {
            const frame = document.createElement('iframe');
            frame.src = url;
            document.body.appendChild(frame);
            await new Promise(r => setTimeout(r, 1500));
            try { return frame.contentDocument && frame.contentDocument.body ? 'readable' : 'blocked'; }
            catch (e) { return 'blocked'; }
        }""",
        f"{idp_url}/login",
    )
    # same origin, so only X-Frame-Options / frame-ancestors can stop it
    assert framing == "blocked"
    page.close()


def test_english_switch(browser: Any, idp_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{idp_url}/login")
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Sign in"
    assert page.locator("html").get_attribute("lang") == "en"
    page.close()
