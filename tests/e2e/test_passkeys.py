"""Passkeys in Debian's chromium (issue 15 item 2) with a CDP virtual authenticator (CTAP2,
internal transport, resident keys, user verification): the page's own script
(/static/passkeys/passkeys.js) registers a passkey in the cabinet, completes a password login as
the second factor, signs in without a password, and a copy of the key whose counter went
backwards is refused.

WebAuthn needs a secure context and a registrable domain as RP ID: http://localhost is both (an IP
address such as 127.0.0.1 is never an RP ID), so the idp's issuer here is http://localhost:<port>.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.accounts.service import create_account
from idp.main import create_app
from idp.passkeys.models import Passkey
from idp.sessions.models import UserSession
from tests.conftest import idp_settings
from tests.idp.conftest import CITIZEN, PASSWORD
from tests.live import free_port, serve_in_thread

pytestmark = pytest.mark.e2e


@pytest.fixture
def idp(make_db: Callable[..., str]) -> Iterator[tuple[Any, str]]:
    port = free_port()
    base = f"http://localhost:{port}"
    app = create_app(idp_settings(make_db("idp"), issuer=base))
    with serve_in_thread(app, port):
        with app.state.session_factory() as session:
            create_account(session, app.state.field_cipher, CITIZEN)
            session.commit()
        yield app, base


def virtual_authenticator(page: Any) -> tuple[Any, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def password_login(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Телефон, почта или СНИЛС").fill(CITIZEN.email or "")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Выйти").click()


def last_session(app: Any) -> UserSession:
    with app.state.session_factory() as session:
        row = session.scalar(select(UserSession).order_by(UserSession.id.desc()))
        assert row is not None
        return row


def test_register_then_second_factor_then_passwordless_then_a_clone_is_refused(
    browser: Any, idp: tuple[Any, str]
) -> None:
    app, base = idp
    page = browser.new_page(locale="ru-RU")
    cdp, authenticator = virtual_authenticator(page)

    # registration in the cabinet (a fresh password login)
    password_login(page, base)
    assert page.locator("h1").inner_text() == "Мои данные"
    page.goto(f"{base}/account/passkeys")
    page.get_by_label("Название").fill("Ноутбук")
    page.get_by_role("button", name="Добавить ключ доступа").click()
    page.wait_for_url(f"{base}/account/passkeys?done=passkey_added")
    assert "Ключ доступа добавлен." in page.content() and "Ноутбук" in page.content()
    (stored,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert stored["isResidentCredential"] and stored["rpId"] == "localhost"
    page.get_by_label("Входить без пароля, только ключом доступа").check()
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(f"{base}/account/passkeys?done=passkey_passwordless_saved")

    # the second factor after the password
    with app.state.session_factory() as session:
        account = session.scalar(select(Account))
        assert account is not None
        account.phone_verified = True  # a new device must now prove a second factor
        session.commit()
    log_out(page)
    password_login(page, base)
    assert page.locator("h1").inner_text() == "Подтверждение входа"
    page.get_by_role("link", name="Войти с ключом доступа / биометрией").click()
    page.get_by_role("button", name="Войти с ключом доступа").click()
    page.wait_for_url(f"{base}/account")
    row = last_session(app)
    assert row.acr == "urn:idp:acr:mfa" and row.amr == ["pwd", "hwk", "user", "mfa"]

    # passwordless, from the login page
    log_out(page)
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Войти с ключом доступа / биометрией").click()
    page.get_by_role("button", name="Войти с ключом доступа").click()
    page.wait_for_url(f"{base}/account")
    row = last_session(app)
    assert row.amr in (["hwk", "user"], ["swk", "user"]) and row.acr == "urn:idp:acr:mfa"
    with app.state.session_factory() as session:
        counter = session.scalar(select(Passkey.sign_count))
    assert counter is not None and counter >= 2

    # a copy of the key: the same private key with its counter back at zero
    (current,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    cdp.send(
        "WebAuthn.removeCredential",
        {"authenticatorId": authenticator, "credentialId": current["credentialId"]},
    )
    cdp.send(
        "WebAuthn.addCredential",
        {"authenticatorId": authenticator, "credential": {**current, "signCount": 0}},
    )
    log_out(page)
    page.goto(f"{base}/login/passkey")
    page.get_by_role("button", name="Войти с ключом доступа").click()
    page.wait_for_load_state()
    assert "похож на копию" in page.get_by_role("alert").inner_text()
    page.close()


def test_without_javascript_the_pages_say_passkeys_need_it(browser: Any, idp: tuple[Any, str]) -> None:
    _, base = idp
    context = browser.new_context(java_script_enabled=False, locale="ru-RU")
    page = context.new_page()
    page.goto(f"{base}/login/passkey")
    assert "работают в браузере с включённым JavaScript" in page.content()
    assert not page.get_by_role("button", name="Войти с ключом доступа").is_visible()
    page.get_by_role("link", name="Войти с паролем").click()
    assert page.locator("h1").inner_text() == "Вход"
    context.close()
