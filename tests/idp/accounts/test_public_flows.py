"""Registration, confirmation, lockout and recovery pages as a person walks through them (issue 10
walk-through defects), with the real notifier delivering codes to a local SMS gateway and SMTP."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import httpx

from idp.accounts.models import Account
from tests.idp.accounts.conftest import PASSWORD, World, csrf, handle_of, login, registration_form
from tests.idp.test_public_pages import field_error, input_value, summary_links

EMAIL = "maria@example.test"
PHONE = "+79167778899"


async def _register(world: World, http: httpx.AsyncClient, **overrides: str) -> httpx.Response:
    form = await http.get("/register")
    data = {**registration_form(**overrides), "csrf_token": csrf(form.text)}
    return await http.post("/register", data=data)


# --- registration form -----------------------------------------------------------------------------
async def test_phone_and_email_inputs_are_styled_fields_of_the_right_type(world: World) -> None:
    async with world.client() as http:
        page = await http.get("/register")
    assert re.search(r'<input class="input input--m" id="phone" name="phone" type="tel"', page.text)
    assert re.search(r'<input class="input" id="email" name="email" type="email"', page.text)
    assert 'for="phone"' in page.text and 'for="email"' in page.text


async def test_birth_date_is_typed_as_day_month_year(world: World) -> None:
    async with world.client() as http:
        page = await http.get("/register")
    for part in ("day", "month", "year"):
        assert f'id="birth_date-{part}" name="birth_date-{part}"' in page.text
        assert f'autocomplete="bday-{part}"' in page.text
    assert "ГГГГ-ММ-ДД" not in page.text


async def test_31_february_says_no_such_date_not_wrong_format(world: World) -> None:
    async with world.client() as http:
        response = await _register(
            world, http, birth_date="2020-02-31"
        )  # day 31, month 02, as typed in the boxes
    assert response.status_code == 422
    message = field_error(response.text, "birth_date") or ""
    assert "Такой даты нет" in message and "Неверный формат" not in message
    # what was typed stays in the boxes
    assert input_value(response.text, "birth_date-day") == "31"
    assert input_value(response.text, "birth_date-month") == "02"
    assert "birth_date-day" in summary_links(response.text)


async def test_a_date_that_is_not_numbers_says_what_format_is_expected(world: World) -> None:
    async with world.client() as http:
        form = await http.get("/register")
        data = {**registration_form(), "csrf_token": csrf(form.text)}
        data["passport_issue_date-month"] = "окт"
        response = await http.post("/register", data=data)
    assert response.status_code == 422
    assert "цифрами: день, месяц и год" in (field_error(response.text, "passport_issue_date") or "")


async def test_a_10kb_value_says_too_long_with_the_limit_and_is_kept(world: World) -> None:
    huge_issuer = "ОВД " * 2500  # 10 000 characters
    huge_name = "Ж" * 10_000
    async with world.client() as http:
        response = await _register(world, http, passport_issuer=huge_issuer, first_name=huge_name)
    assert response.status_code == 422
    issuer_error = field_error(response.text, "passport_issuer") or ""
    assert "200" in issuer_error and "Заполните" not in issuer_error
    name_error = field_error(response.text, "first_name") or ""
    assert "60" in name_error and "Заполните" not in name_error
    assert input_value(response.text, "passport_issuer") == huge_issuer
    assert input_value(response.text, "first_name") == huge_name
    assert summary_links(response.text) == ["first_name", "passport_issuer"]


async def test_markup_in_a_name_says_which_characters_are_allowed(world: World) -> None:
    async with world.client() as http:
        response = await _register(world, http, last_name="<script>alert(1)</script>")
    message = field_error(response.text, "last_name") or ""
    assert "Цифры" not in message and "«1»" not in message and "&lt;" not in message
    assert "буквы" in message and "дефис" in message and "апостроф" in message
    assert "<script>alert(1)</script>" not in response.text


async def test_every_field_error_is_linked_from_the_summary_and_shown_above_its_input(world: World) -> None:
    async with world.client() as http:
        response = await _register(world, http, snils="1", passport_number="12", birth_date="2020-02-31")
    assert summary_links(response.text) == ["birth_date-day", "snils", "passport_number"]
    html = response.text
    assert html.index('id="error-summary-title"') < html.index('<form method="post" action="/register"')
    for field in ("snils", "passport_number"):
        assert html.index(f'id="{field}-error"') < html.index(f'id="{field}" name="{field}"')


# --- after registration ----------------------------------------------------------------------------
async def test_after_registration_the_page_says_the_code_was_sent_and_asks_for_it_first(
    world: World,
) -> None:
    async with world.client() as http:
        registered = await _register(world, http)
        assert registered.status_code == 303 and registered.headers["location"] == "/register/phone"
        page = await http.get("/register/phone")
        assert page.status_code == 200
        assert "Мы отправили код в SMS на номер +7 ••• •••-••-33" in page.text
        assert "UTC" not in page.text and "MSK" in page.text
        assert "пусто — подтвердить текущий" not in page.text
        # the code field comes first; changing the number is secondary, after it
        assert page.text.index('id="code"') < page.text.index('href="/account/contacts/phone"')
        wrong = await http.post("/register/phone", data={"code": "000000", "csrf_token": csrf(page.text)})
        assert wrong.status_code == 400 and field_error(wrong.text, "code")
        code = await world.sms_code("+79165554433")
        confirmed = await http.post("/register/phone", data={"code": code, "csrf_token": csrf(page.text)})
        assert confirmed.status_code == 303
        assert confirmed.headers["location"] == "/account?done=contact_confirmed"


async def test_e_mail_confirmed_page_leads_to_the_cabinet(world: World) -> None:
    async with world.client() as http:
        await _register(world, http)
        mail = await world.mail("sidorov@example.test")
        link = re.search(r"https?://\S+/confirm-email\?token=[\w.\-]+", mail.part("plain"))
        assert link
        page = await http.get(link.group(0).replace(world.idp_url, ""))
    assert page.status_code == 200 and "подтверждён" in page.text
    assert re.search(r'href="/account"[^>]*>Перейти в личный кабинет</a>', page.text)


# --- lockout and recovery --------------------------------------------------------------------------
async def test_lockout_time_is_local_with_its_zone_never_utc(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        for _ in range(5):
            locked = await login(browser, EMAIL, "Wrong-Password-1")
    with world.idp_app.state.session_factory() as session:
        account = session.query(Account).filter_by(email=EMAIL).one()
        until = account.locked_until.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Europe/Moscow"))
    assert f"заблокирована до {until:%d.%m.%Y %H:%M} MSK" in locked.text
    assert "UTC" not in locked.text


async def test_recovery_mismatched_repeat_is_flagged_on_the_repeat_field_and_done_leads_to_sign_in(
    world: World,
) -> None:
    world.make_account(email_verified=False)  # the code goes by SMS
    async with world.client() as browser:
        form = await browser.get("/recover")
        sent = await browser.post("/recover", data={"login": EMAIL, "csrf_token": csrf(form.text)})
        location = sent.headers["location"]
        code = await world.sms_code(PHONE)
        page = await browser.get(location)
        data = {"p": handle_of(location), "code": code, "csrf_token": csrf(page.text)}
        differ = await browser.post(
            "/recover/code",
            data={**data, "new_password": "Brand-New-Pass-42", "repeat_password": "Brand-New-Pass-43"},
        )
        assert differ.status_code == 400
        assert field_error(differ.text, "repeat_password") == "Ошибка: Пароли не совпадают."
        assert field_error(differ.text, "code") is None
        assert summary_links(differ.text) == ["repeat_password"]
        done = await browser.post(
            "/recover/code",
            data={**data, "new_password": "Brand-New-Pass-42", "repeat_password": "Brand-New-Pass-42"},
        )
        assert done.status_code == 200 and "Войдите с новым паролем" in done.text
        assert re.search(r'href="/login"[^>]*>Войти</a>', done.text)
        relogin = await login(browser, EMAIL, "Brand-New-Pass-42")
        assert relogin.status_code == 303


async def test_code_page_says_why_the_app_code_is_not_offered(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        page = await browser.get(first.headers["location"])
    assert "подключите приложение в личном кабинете" in page.text
    assert "UTC" not in page.text
