"""A person logs in to the demo relying party through the idp's pages in a real browser, reading
the SMS code in the notifier's dev outbox like a person running `make run` would."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

from idp.seed import DEMO_CITIZEN, seed
from tests.conftest import idp_settings
from tests.live import free_port, serve_in_thread

pytestmark = pytest.mark.e2e


@pytest.fixture
def system(make_db: Callable[..., str]) -> Iterator[dict[str, str]]:
    from idp.main import create_app as create_idp
    from notifier.main import create_app as create_notifier
    from notifier.settings import NotifierSettings

    idp_port, notifier_port = free_port(), free_port()
    idp_url, notifier_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{notifier_port}"
    settings = idp_settings(
        make_db("idp"), issuer=idp_url, notifier_url=notifier_url, demo_relying_party=True
    )
    seed(settings)
    notifier = create_notifier(
        NotifierSettings(
            database_url=make_db("notifier"),
            dev_mode=True,
            dev_outbox=True,
            idp_issuer=idp_url,
            idp_jwks_url=f"{idp_url}/.well-known/jwks.json",
            dispatcher_poll_seconds=0.05,
        )
    )
    with serve_in_thread(create_idp(settings), idp_port), serve_in_thread(notifier, notifier_port):
        yield {"idp": idp_url, "outbox": f"{notifier_url}/dev/outbox"}


def _code_from_outbox(browser: Any, outbox: str, phone: str) -> str:
    page = browser.new_page()
    for _ in range(50):
        page.goto(f"{outbox}?address={quote(phone)}")
        match = re.search(
            r"(?<![0-9])([0-9]{6})(?![0-9])",
            page.locator("pre").first.inner_text() if page.locator("pre").count() else "",
        )
        if match:
            page.close()
            return match.group(1)
        page.wait_for_timeout(200)
    raise AssertionError("no code in the dev outbox")


def test_login_second_factor_consent_userinfo_and_logout_in_chromium(
    browser: Any, system: dict[str, str]
) -> None:
    idp = system["idp"]
    page = browser.new_page(locale="ru-RU")
    page.goto(f"{idp}/demo-rp")
    page.get_by_role("link", name="Войти через IdP").click()
    assert page.locator("h1").inner_text() == "Вход"
    # the labels are real labels: a screen reader (and Playwright) finds the inputs by them
    page.get_by_label("Телефон, почта или СНИЛС").fill(DEMO_CITIZEN.email or "")
    page.get_by_label("Пароль").fill("wrong password")
    page.get_by_role("button", name="Войти").click()
    assert page.get_by_role("alert").inner_text() == "Неверный логин или пароль"
    page.get_by_label("Пароль").fill(DEMO_CITIZEN.password)
    page.get_by_role("button", name="Войти").click()
    # a new browser: the second factor by SMS
    assert page.locator("h1").inner_text() == "Подтверждение входа"
    page.get_by_label("Код").fill(_code_from_outbox(browser, system["outbox"], DEMO_CITIZEN.phone or ""))
    page.get_by_label("Доверять этому устройству 30 дней").check()
    page.get_by_role("button", name="Подтвердить").click()
    assert page.get_by_text("СНИЛС").is_visible()
    page.get_by_role("button", name="Разрешить").click()
    assert "Вход выполнен" in page.content()
    assert "Иванов" in page.content() and "112-233-445 95" in page.content()
    page.get_by_role("link", name="Выйти").click()
    assert page.url == f"{idp}/demo-rp"
    page.goto(f"{idp}/")
    assert "Вы не вошли" in page.content()
    page.close()


def test_cabinet_is_reachable_after_login_and_lists_the_session(browser: Any, system: dict[str, str]) -> None:
    idp = system["idp"]
    page = browser.new_page(locale="ru-RU")  # pages follow Accept-Language; Chromium's default is en-US
    page.goto(f"{idp}/account")
    assert "/login" in page.url
    page.get_by_label("Телефон, почта или СНИЛС").fill(DEMO_CITIZEN.snils or "")
    page.get_by_label("Пароль").fill(DEMO_CITIZEN.password)
    page.get_by_role("button", name="Войти").click()
    page.get_by_label("Код").fill(_code_from_outbox(browser, system["outbox"], DEMO_CITIZEN.phone or ""))
    page.get_by_role("button", name="Подтвердить").click()
    assert page.locator("h1").inner_text() == "Мои данные"
    assert "Стандартная" in page.content()
    page.get_by_role("link", name="Безопасность").click()
    assert "этот сеанс" in page.content()
    page.close()


def test_the_login_page_cannot_be_framed(browser: Any, system: dict[str, str]) -> None:
    idp = system["idp"]
    page = browser.new_page()
    page.goto(f"{idp}/login")
    framing = page.evaluate(
        """async (url) => {
            const frame = document.createElement('iframe');
            frame.src = url;
            document.body.appendChild(frame);
            await new Promise(r => setTimeout(r, 1500));
            try { return frame.contentDocument && frame.contentDocument.body ? 'readable' : 'blocked'; }
            catch (e) { return 'blocked'; }
        }""",
        f"{idp}/login",
    )
    # same origin, so only X-Frame-Options / frame-ancestors can stop it
    assert framing == "blocked"
    page.close()


def test_english_switch(browser: Any, system: dict[str, str]) -> None:
    page = browser.new_page(locale="ru-RU")  # a Russian browser, switching to English by hand
    page.goto(f"{system['idp']}/login")
    page.locator("header").get_by_role("link", name="English").click()  # the footer has one too
    assert page.locator("h1").inner_text() == "Sign in"
    assert page.locator("html").get_attribute("lang") == "en"
    page.close()
