"""The cabinet session: cookie → person, idle timeout and lifetime («Сессия истекла»), the level gate
(«Недостаточно прав»), logout, and attacks on the cookie."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from egisz_api.cabinet.models import CabinetSession
from tests.egisz_api.cabinet.conftest import MovableClock
from tests.egisz_api.cabinet.support import log_in, open_session

SNILS = "11223344595"


async def test_without_a_session_the_cabinet_sends_the_browser_to_the_login(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/cabinet?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/cabinet/login?return_to=%2Fcabinet%3Fx%3D1"


async def test_the_overview_shows_the_person_and_the_found_record(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS, name="Иванова Анна Петровна")
    page = await client.get("/cabinet")
    assert page.status_code == 200
    assert "Иванова Анна Петровна" in page.text
    assert "112-233-445 95" in page.text
    assert "Ваша медицинская карта найдена" in page.text
    assert 'href="/cabinet/records"' in page.text and 'href="/cabinet/access-log"' in page.text
    assert "Cache-Control" in page.headers and page.headers["Cache-Control"] == "no-store"


async def test_no_matching_record_is_a_page_saying_what_to_do_not_an_error(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    log_in(client, cabinet_app, patient_id=None, snils=SNILS)
    page = await client.get("/cabinet?lang=en")
    assert page.status_code == 200
    assert "No medical record found" in page.text
    assert "112-233-445 95" in page.text and "clinic" in page.text


async def test_a_simplified_account_is_told_its_record_needs_a_standard_account(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    log_in(client, cabinet_app, patient_id=None, snils=SNILS, level="simplified")
    page = await client.get("/cabinet")
    assert "Нужна стандартная учётная запись" in page.text
    assert 'href="http://idp.invalid/account"' in page.text


async def test_an_account_without_snils_is_told_to_add_it_at_the_idp(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    log_in(client, cabinet_app, patient_id=None, snils=None, level="standard")
    page = await client.get("/cabinet")
    assert "нет СНИЛС" in page.text
    assert 'href="http://idp.invalid/account"' in page.text


async def test_an_idle_session_expires_after_15_minutes_and_says_so(
    client: httpx.AsyncClient, cabinet_app: FastAPI, clock: MovableClock
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS)
    clock.advance(minutes=14)
    assert (await client.get("/cabinet")).status_code == 200  # the idle timer restarts here
    clock.advance(minutes=14, seconds=59)
    assert (await client.get("/cabinet")).status_code == 200
    clock.advance(minutes=15)
    page = await client.get("/cabinet?tab=1")
    assert page.status_code == 200
    assert "Сессия истекла" in page.text and "15 минут" in page.text
    assert 'href="/cabinet/login?return_to=%2Fcabinet%3Ftab%3D1"' in page.text
    assert "Войти снова" in page.text
    assert 'egisz_cabinet=""' in page.headers["set-cookie"]  # the browser drops the cookie
    assert "Max-Age=0" in page.headers["set-cookie"]


async def test_the_expired_page_in_english(
    client: httpx.AsyncClient, cabinet_app: FastAPI, clock: MovableClock
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS)
    clock.advance(minutes=16)
    page = await client.get("/cabinet?lang=en")
    assert "Your session has expired" in page.text and "Log in again" in page.text


async def test_a_session_ends_at_its_absolute_lifetime_however_active(
    client: httpx.AsyncClient, cabinet_app: FastAPI, clock: MovableClock
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS)
    for _ in range(8 * 6 - 1):  # a request every 10 minutes for 7 h 50 min
        clock.advance(minutes=10)
        assert (await client.get("/cabinet")).status_code == 200
    clock.advance(minutes=10)
    page = await client.get("/cabinet")
    assert "Сессия истекла" in page.text and "дольше допустимого" in page.text


async def test_the_cookie_is_httponly_lax_and_the_table_holds_no_token_and_no_plain_personal_data(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    token, _person = open_session(cabinet_app, patient_id="p1", snils=SNILS, name="Сидоров Пётр")
    with cabinet_app.state.session_factory() as db:
        row = db.scalars(select(CabinetSession)).one()
    stored = " ".join(str(v) for v in vars(row).values())
    assert token not in stored
    assert "Сидоров" not in stored and SNILS not in stored and "112-233-445" not in stored


async def test_a_forged_or_foreign_cookie_opens_nothing(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    mine = log_in(client, cabinet_app, patient_id="p1", snils=SNILS, oid="1", name="Первый")
    other_token, _ = open_session(cabinet_app, patient_id="p2", snils="12345678964", oid="2", name="Второй")
    assert mine.patient_id == "p1"
    client.cookies.set("egisz_cabinet", other_token[:-2] + "xx")
    assert (await client.get("/cabinet")).status_code == 303
    # a cookie is the session it names and nothing else: another person's cookie shows that person,
    # never a mix (the row is found by the token's hash and its data opens only with that token)
    client.cookies.set("egisz_cabinet", other_token)
    page = await client.get("/cabinet")
    assert "Второй" in page.text and "Первый" not in page.text


@pytest.mark.parametrize("level", ["simplified", "standard"])
async def test_a_page_above_the_account_level_says_not_enough_rights_and_how_to_raise_it(
    cabinet_app: FastAPI, client: httpx.AsyncClient, level: str
) -> None:
    from fastapi import APIRouter, Depends
    from fastapi.responses import PlainTextResponse

    from egisz_api.cabinet.dependencies import require_level

    router = APIRouter()

    @router.get("/cabinet/test-confirmed", dependencies=[Depends(require_level("confirmed"))])
    def confirmed_only() -> PlainTextResponse:
        return PlainTextResponse("secret")

    cabinet_app.include_router(router)
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS, level=level)
    page = await client.get("/cabinet/test-confirmed")
    assert page.status_code == 403
    assert "Недостаточно прав" in page.text and "secret" not in page.text
    assert "подтверждённой" in page.text
    assert 'href="http://idp.invalid/account"' in page.text
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS, level="confirmed")
    assert (await client.get("/cabinet/test-confirmed")).text == "secret"


async def test_logout_ends_the_session_and_goes_to_the_idp_logout(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    person = log_in(client, cabinet_app, patient_id="p1", snils=SNILS)
    token = client.cookies["egisz_cabinet"]
    response = await client.post("/cabinet/logout", data={"csrf_token": person.csrf_token})
    assert response.status_code == 303
    assert response.headers["location"] == (
        "http://idp.invalid/idp/ext/Logout?client_id=EGISZ&redirect_url=http%3A%2F%2Ftestserver%2F"
    )
    client.cookies.set("egisz_cabinet", token)  # the old cookie no longer opens anything
    page = await client.get("/cabinet")
    assert page.status_code == 200 and "Сессия истекла" in page.text


async def test_logout_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS)
    response = await client.post("/cabinet/logout", data={"csrf_token": "0" * 64})
    assert response.status_code == 403
    assert "Форма устарела" in response.text
    assert (await client.get("/cabinet")).status_code == 200  # still logged in
