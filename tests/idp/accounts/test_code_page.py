"""The second-factor page says exactly what happened to the last request for a code, and what the
person can do (issue 9: after the notifier failed it showed «Не удалось отправить код…» and «Мы
отправили код на почту…» together; within the resend cooldown it said a code was sent when none
was). Each state is read from the rendered page, in Russian and in English."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from idp.notifications.client import NotifierClient
from idp.second_factor.models import OneTimeCode
from tests.idp.accounts.conftest import (
    PASSWORD,
    World,
    csrf,
    form_values,
    handle_of,
    login,
    notifier_replaced,
    submit_code,
)
from tests.live import free_port

EMAIL = "maria@example.test"
PHONE = "+79167778899"
MASKED_PHONE = "+7 ••• •••-••-99"
SENT_CLAIMS = ("Код отправлен", "Мы отправили", "The code was sent", "We sent")


def codes(world: World) -> list[OneTimeCode]:
    with world.idp_app.state.session_factory() as session:
        return list(session.scalars(select(OneTimeCode).order_by(OneTimeCode.id)))


def until(row: OneTimeCode) -> str:
    """Local time of the default zone (Moscow, UTC+3 all year) with its name, never UTC."""
    moment = row.expires_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Europe/Moscow"))
    return f"{moment:%H:%M} MSK"


@contextmanager
def notifier_down(world: World) -> Iterator[None]:
    """The idp's notifier client pointed at a closed loopback port."""
    closed = NotifierClient(f"http://127.0.0.1:{free_port()}", lambda: "token", retries=0)
    with notifier_replaced(world.idp_app.state, closed):
        yield


async def resend(browser: httpx.AsyncClient, location: str, channel: str) -> httpx.Response:
    page = await browser.get(location)
    answer = await browser.post(
        "/login/code/resend",
        data={"p": handle_of(location), "channel": channel, "csrf_token": csrf(page.text)},
    )
    assert answer.status_code == 303
    return answer


async def test_code_sent_says_where_and_until_when(world: World) -> None:
    world.idp_app.state.settings.code_resend_cooldown_seconds = 60
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        page = (await browser.get(first.headers["location"])).text
        english = (await browser.get(first.headers["location"] + "&lang=en")).text
    [row] = codes(world)
    assert f"Код отправлен в SMS на номер {MASKED_PHONE}. Он действует до {until(row)}." in page
    assert re.search(r"Отправить код ещё раз можно через \d+ сек\.", page)
    assert "не отправлен" not in page and 'role="alert"' not in page
    assert f"The code was sent by SMS to {MASKED_PHONE}. It works until {until(row)}." in english


async def test_notifier_down_says_not_sent_and_never_that_it_was(world: World) -> None:
    world.make_account()  # the world's cooldown is 0: the person may try again at once
    async with world.client() as browser:
        with notifier_down(world):
            first = await login(browser, EMAIL, PASSWORD)
        location = first.headers["location"]
        assert "problem=notifier" in location
        page = (await browser.get(location)).text
        english = (await browser.get(location + "&lang=en")).text
    assert "Код не отправлен: служба доставки сообщений не ответила." in page
    assert "Попробуйте ещё раз или выберите другой способ." in page
    assert "Действующего кода сейчас нет: запросите новый." in page
    assert not any(claim in page for claim in SENT_CLAIMS), page
    assert (
        "The code was not sent: the message service did not answer. Try again, or choose another way."
        in english
    )
    assert not any(claim in english for claim in SENT_CLAIMS)
    # the code that could not be handed over is withdrawn: it cannot work if it arrives after all
    [row] = codes(world)
    assert row.invalidated_at is not None


async def test_notifier_down_within_the_cooldown_says_when_to_try_again(world: World) -> None:
    world.idp_app.state.settings.code_resend_cooldown_seconds = 60
    world.make_account()
    async with world.client() as browser:
        with notifier_down(world):
            first = await login(browser, EMAIL, PASSWORD)
        page = (await browser.get(first.headers["location"])).text
    assert re.search(
        r"Код не отправлен: служба доставки сообщений не ответила\. "
        r"Запросить код снова можно через \d+ сек\.",
        page,
    )
    assert not any(claim in page for claim in SENT_CLAIMS)


async def test_resend_within_the_cooldown_says_none_sent_and_the_earlier_code_works(world: World) -> None:
    world.idp_app.state.settings.code_resend_cooldown_seconds = 60
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        location = first.headers["location"]
        code = await world.sms_code(PHONE)
        again = await resend(browser, location, "sms")
        page = (await browser.get(again.headers["location"])).text
        english = (await browser.get(again.headers["location"] + "&lang=en")).text
        [row] = codes(world)  # nothing new was issued
        assert re.search(
            r"Новый код не отправлен: код запрашивали меньше 60 сек\. назад\. "
            r"Запросить код снова можно через \d+ сек\.",
            page,
        )
        assert f"Прежний код, отправленный в SMS на номер {MASKED_PHONE}, действует до {until(row)}." in page
        assert not any(claim in page for claim in SENT_CLAIMS), page
        assert f"The earlier code, sent by SMS to {MASKED_PHONE}, still works until {until(row)}." in english
        done = await submit_code(browser, again.headers["location"], code)  # and it does work
    assert done.status_code == 303 and done.headers["location"] == "/account"


async def test_switching_channel_within_the_cooldown_names_the_channel_the_code_went_to(world: World) -> None:
    world.idp_app.state.settings.code_resend_cooldown_seconds = 60
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        switched = await resend(browser, first.headers["location"], "email")
        page = (await browser.get(switched.headers["location"])).text
    assert "Новый код не отправлен" in page
    assert f"Прежний код, отправленный в SMS на номер {MASKED_PHONE}" in page
    assert "на почту" not in page.split("</form>")[0]


async def test_hourly_limit_says_none_sent_and_in_how_many_minutes(world: World) -> None:
    world.idp_app.state.settings.code_max_sends_per_hour = 1
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        again = await resend(browser, first.headers["location"], "sms")
        page = (await browser.get(again.headers["location"])).text
    assert re.search(
        r"Новый код не отправлен: за последний час отправлено слишком много кодов\. "
        r"Запросить код снова можно через \d+ мин\.",
        page,
    )
    assert "Прежний код, отправленный в SMS" in page
    assert not any(claim in page for claim in SENT_CLAIMS)


async def test_resend_that_went_out_says_a_new_code_was_sent(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        again = await resend(browser, first.headers["location"], "email")
        page = (await browser.get(again.headers["location"])).text
    old, new = codes(world)
    assert old.invalidated_at is not None and new.channel == "email"
    assert "Мы отправили новый код." in page
    assert f"Код отправлен на почту m•••@example.test. Он действует до {until(new)}." in page
    assert "не отправлен" not in page


async def test_key_data_code_page_with_the_notifier_down_never_says_sent(world: World) -> None:
    """The cabinet's key-data confirmation showed «Код отправлен…» above «Не удалось отправить код»;
    it now says what the login code page says: not sent, and that no code works yet."""
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        code = await world.sms_code(PHONE)
        await submit_code(browser, first.headers["location"], code)
        form = await browser.get("/account/key-data")
        values = form_values(form.text)
        values["first_name"] = "Марина"
        values.update(
            passport_issue_date="2015-07-01",
            passport_issuer="ОВД Хамовники",
            passport_division_code="770-001",
        )
        with notifier_down(world):
            sent = await browser.post("/account/key-data", data={**values, "csrf_token": csrf(form.text)})
        assert sent.status_code == 303 and "problem=notifier" in sent.headers["location"]
        page = (await browser.get(sent.headers["location"])).text
    assert "Код не отправлен: служба доставки сообщений не ответила." in page
    assert "Действующего кода сейчас нет: запросите новый." in page
    assert not any(claim in page for claim in SENT_CLAIMS), page


async def test_the_code_page_answers_while_another_writer_holds_the_write_lock(world: World) -> None:
    """The code page only reads, so it takes no write lock (issue 9: every login queued behind
    it). SQLite, whose write lock is one for the whole file: another connection holds it while the
    page is asked for; a page that wanted it would wait out the busy timeout and fail."""
    url = make_url(world.idp_app.state.settings.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        writer = sqlite3.connect(str(url.database), isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        try:
            page = await browser.get(first.headers["location"])
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    assert page.status_code == 200, page.status_code
    assert "Код отправлен" in page.text and MASKED_PHONE in page.text
