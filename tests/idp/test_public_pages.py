"""The idp's pages outside the cabinet (issue 10, walk-through defects): every page has a next
step, forms flag each field with an error summary at the top, too-long values are field errors,
and protocol errors speak to people first. Real HTTP through the app."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from fastapi import FastAPI

from idp.accounts.service import NewAccount, create_account
from tests.idp.conftest import CITIZEN, PASSWORD, Provider, _csrf

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def field_error(html: str, field: str) -> str | None:
    """The error message shown for ``field`` (the component's ``<id>-error`` paragraph)."""
    match = re.search(rf'<p class="field__error" id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


def summary_links(html: str) -> list[str]:
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.findall(r'href="#([^"]+)"', block.group(0)) if block else []


def input_value(html: str, field: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bid="{re.escape(field)}"[^>]*>', html, re.S)
    assert tag, field
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


async def sign_in(provider: Provider) -> None:
    page = await provider.http.get("/login")
    response = await provider.http.post(
        "/login",
        data={"login": CITIZEN.email or "", "password": PASSWORD, "csrf_token": _csrf(page.text)},
    )
    assert response.status_code == 303, response.text


# --- next steps ------------------------------------------------------------------------------------
async def test_home_page_signed_out_offers_sign_in_and_registration(
    idp: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = idp
    page = await client.get("/")
    assert page.status_code == 200
    assert re.search(r'<a class="button"[^>]*href="/login"[^>]*>Войти</a>', page.text)
    assert re.search(r'href="/register"[^>]*>Зарегистрироваться</a>', page.text)


async def test_home_page_signed_in_names_the_person_and_leads_to_the_cabinet_and_sign_out(
    provider: Provider,
) -> None:
    await sign_in(provider)
    page = await provider.http.get("/")
    assert "Вы вошли как Анна Петрова" in page.text
    assert re.search(r'href="/account"[^>]*>Личный кабинет</a>', page.text)
    assert re.search(r'<form[^>]*method="post" action="/logout">.*?Выйти</button>', page.text, re.S)


async def test_signed_out_page_offers_signing_in_again(provider: Provider) -> None:
    await sign_in(provider)
    page = await provider.http.get("/logout")
    assert page.status_code == 200 and "Вы вышли из системы." in page.text
    assert re.search(r'href="/login"[^>]*>Войти снова</a>', page.text)


# --- login and recovery forms ----------------------------------------------------------------------
async def test_empty_login_form_flags_each_field_with_a_summary(provider: Provider) -> None:
    page = await provider.http.get("/login")
    response = await provider.http.post(
        "/login", data={"login": "", "password": "", "csrf_token": _csrf(page.text)}
    )
    assert response.status_code == 400
    assert summary_links(response.text) == ["login", "password"]
    assert field_error(response.text, "login") == "Ошибка: Введите телефон, почту или СНИЛС"
    assert field_error(response.text, "password") == "Ошибка: Введите пароль"
    # the message stands above its input
    assert response.text.index('id="login-error"') < response.text.index('id="login" name="login"')


async def test_too_long_login_is_a_field_error_and_keeps_the_value(provider: Provider) -> None:
    page = await provider.http.get("/login")
    typed = "x" * 300
    response = await provider.http.post(
        "/login",
        data={"login": typed, "password": "p" * 2000, "csrf_token": _csrf(page.text)},
        headers={"Accept": BROWSER},
    )
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert field_error(response.text, "login") == "Ошибка: Слишком длинное значение: не больше 254 символов"
    assert (
        field_error(response.text, "password") == "Ошибка: Слишком длинное значение: не больше 1024 символов"
    )
    assert input_value(response.text, "login") == typed
    assert input_value(response.text, "password") is None  # a password is never echoed
    assert "p" * 2000 not in response.text


async def test_empty_recovery_form_asks_for_the_login_not_a_password(provider: Provider) -> None:
    page = await provider.http.get("/recover")
    response = await provider.http.post("/recover", data={"login": " ", "csrf_token": _csrf(page.text)})
    assert response.status_code == 400
    assert "пароль" not in (field_error(response.text, "login") or "").lower()
    assert field_error(response.text, "login") == "Ошибка: Введите телефон, почту или СНИЛС"
    assert summary_links(response.text) == ["login"]


async def test_too_long_recovery_login_is_a_field_error_and_keeps_the_value(provider: Provider) -> None:
    page = await provider.http.get("/recover")
    typed = "г" * 10_000
    response = await provider.http.post(
        "/recover", data={"login": typed, "csrf_token": _csrf(page.text)}, headers={"Accept": BROWSER}
    )
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "не больше 254 символов" in (field_error(response.text, "login") or "")
    assert input_value(response.text, "login") == typed


# --- consent ---------------------------------------------------------------------------------------
async def test_consent_page_names_the_granting_account_and_offers_another(provider: Provider) -> None:
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(scope="openid profile offline_access")
    )
    login_page = await provider.http.get(response.headers["location"])
    handle = re.search(r'name="interaction" value="([^"]+)"', login_page.text)
    assert handle
    sent = await provider.http.post(
        "/login",
        data={
            "login": CITIZEN.email or "",
            "password": PASSWORD,
            "csrf_token": _csrf(login_page.text),
            "interaction": handle.group(1),
        },
    )
    resumed = await provider.http.get(sent.headers["location"])
    assert resumed.headers["location"].startswith("/consent?")
    consent = await provider.http.get(resumed.headers["location"])
    assert consent.status_code == 200
    assert "Вы вошли как Анна Петрова (anna@example.test)." in consent.text
    assert re.search(rf'href="/login\?i={handle.group(1)}"[^>]*>Это не я', consent.text)
    items = re.search(r'<ul class="list">(.*?)</ul>', consent.text, re.S)
    assert items and items.group(1).count("<li>") == 3
    assert "Доступ без вашего участия — пока вы его не отзовёте" in items.group(1)
    assert "не в сети" not in consent.text


# --- protocol errors -------------------------------------------------------------------------------
async def test_unknown_client_error_page_speaks_to_people_and_keeps_the_code_in_small_print(
    provider: Provider,
) -> None:
    page = await provider.http.get("/authorize", params=provider.auth_params(client_id="nobody"))
    assert page.status_code == 400
    assert "Приложение, с которого вы пришли, не зарегистрировано" in page.text
    small = re.search(r'<div class="small-print">(.*?)</div>', page.text, re.S)
    assert small and "Для разработчиков" in small.group(1) and "invalid_client" in small.group(1)
    assert page.text.count("invalid_client") == 1  # nowhere but in the small print


async def test_unknown_client_error_page_in_english(provider: Provider) -> None:
    page = await provider.http.get(
        "/authorize", params=provider.auth_params(client_id="nobody", ui_locales="en")
    )
    assert "The application you came from is not registered" in page.text
    assert "For developers" in page.text


async def test_bad_logout_request_keeps_the_protocol_words_in_small_print(provider: Provider) -> None:
    page = await provider.http.get("/logout", params={"id_token_hint": "not-a-token"})
    assert page.status_code == 400
    small = re.search(r'<div class="small-print">(.*?)</div>', page.text, re.S)
    assert small and "id_token_hint" in small.group(1)
    assert page.text.count("id_token_hint") == 1


async def test_not_me_on_the_consent_page_grants_as_the_other_account(provider: Provider) -> None:
    other = NewAccount(
        last_name="Орлов",
        first_name="Игорь",
        birth_date=dt.date(1985, 4, 12),
        email="igor@example.test",
        phone="+79161110000",
        password=PASSWORD,
    )
    with provider.app.state.session_factory() as session:
        create_account(session, provider.app.state.field_cipher, other)
        session.commit()
    first = await provider.login(provider.auth_params(), consent=False)  # denied: no grant remembered
    assert first.status_code in (302, 303)
    response = await provider.http.get("/authorize", params=provider.auth_params())
    consent = await provider.http.get(response.headers["location"])
    assert "Анна Петрова" in consent.text
    switch = re.search(r'href="(/login\?i=[^"]+)"[^>]*>Это не я', consent.text)
    assert switch
    login_page = await provider.http.get(switch.group(1))
    handle = re.search(r'name="interaction" value="([^"]+)"', login_page.text)
    assert handle
    signed = await provider.http.post(
        "/login",
        data={
            "login": "igor@example.test",
            "password": PASSWORD,
            "csrf_token": _csrf(login_page.text),
            "interaction": handle.group(1),
        },
    )
    resumed = await provider.http.get(signed.headers["location"])
    again = await provider.http.get(resumed.headers["location"])
    assert "Вы вошли как Игорь Орлов (igor@example.test)." in again.text
    assert "Анна Петрова" not in again.text


async def test_esia_face_refusal_page_speaks_to_people_and_keeps_the_esia_code_in_small_print(
    idp: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = idp
    page = await client.get("/aas/oauth2/v2/ac", headers={"Accept": BROWSER})
    assert page.status_code == 400 and '<html lang="ru"' in page.text
    assert "Приложение прислало неверный запрос на вход" in page.text
    small = re.search(r'<div class="small-print">(.*?)</div>', page.text, re.S)
    assert small and "Для разработчиков" in small.group(1) and "ESIA-0070" in small.group(1)
    assert page.text.count("ESIA-0070") == 1  # nowhere but in the small print
    english = await client.get("/aas/oauth2/v2/ac?lang=en", headers={"Accept": BROWSER})
    assert '<html lang="en"' in english.text and "For developers" in english.text
