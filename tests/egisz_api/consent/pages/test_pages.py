"""The consent pages (seed 000: «Согласен(на)» + «Подтвердить»): first entry shows the text and
nothing else; every other cabinet page waits for it; the unchecked box, a missing or foreign CSRF
token, a stale text version; withdrawal with a confirmation step; the suspended page and the way
back; a new text version asks again; English throughout."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import PlainTextResponse

from egisz_api.cabinet.dependencies import CabinetPersonDep
from egisz_api.consent import documents, service
from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.consent.support import give_consent

PID = "p1"
SECTION = "/cabinet/test-section"
SNILS = "112-233-445 95"


def _form(person_csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": person_csrf, "version": "2026-1", "return_to": "", **fields}


@pytest.fixture(autouse=True)
def section(cabinet_app: FastAPI) -> None:
    """A cabinet section as other features write them (``CabinetPersonDep``)."""
    router = APIRouter()

    @router.get(SECTION)
    def records(person: CabinetPersonDep) -> PlainTextResponse:
        return PlainTextResponse(f"records of {person.patient_id}")

    cabinet_app.include_router(router)


def _state(app: FastAPI) -> service.ConsentState:
    with app.state.session_factory() as session:
        return service.state(session, PID)


async def test_first_entry_shows_the_text_and_nothing_else(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    response = await client.get(f"{SECTION}?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/cabinet/consent?return_to=%2Fcabinet%2Ftest-section%3Fx%3D1"
    assert (await client.get("/cabinet")).headers["location"] == "/cabinet/consent?return_to=%2Fcabinet"
    page = await client.get("/cabinet/consent")
    assert page.status_code == 200
    assert "Согласие на обработку персональных данных" in page.text
    assert "Редакция 2026-1" in page.text and "152-ФЗ" in page.text
    assert "Согласен(на)" in page.text and "Подтвердить" in page.text
    assert 'class="tabs"' not in page.text  # no way to the other sections yet
    assert "/cabinet/logout" in page.text  # but the person can always log out


async def test_the_unchecked_box_is_an_error_summary_and_nothing_is_stored(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    person = log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    page = await client.post("/cabinet/consent", data=_form(person.csrf_token))
    assert page.status_code == 400
    assert "error-summary" in page.text and 'href="#agree"' in page.text
    assert "Отметьте «Согласен(на)»" in page.text
    assert _state(cabinet_app).consent_id is None


async def test_giving_consent_opens_the_cabinet_and_returns_where_the_person_was_going(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    person = log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    form = _form(person.csrf_token, agree="yes", return_to=f"{SECTION}?x=1")
    response = await client.post("/cabinet/consent", data=form)
    assert response.status_code == 303 and response.headers["location"] == f"{SECTION}?x=1"
    state = _state(cabinet_app)
    assert state.accepted("2026-1") and state.given_at == cabinet_app.state.clock()
    assert (await client.get("/cabinet")).status_code == 200
    assert (await client.get(SECTION)).text == f"records of {PID}"
    page = await client.get("/cabinet/consent")
    assert "Согласие дано" in page.text and 'class="tabs"' in page.text
    assert 'href="/cabinet/consent/withdraw"' in page.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/cabinet",
        "/cabinet/../\\evil",
        "/elsewhere",
        "/cabinet/consent",
    ],
)
async def test_return_to_never_leaves_the_cabinet(
    client: httpx.AsyncClient, cabinet_app: FastAPI, target: str
) -> None:
    person = log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    response = await client.post(
        "/cabinet/consent", data=_form(person.csrf_token, agree="yes", return_to=target)
    )
    assert response.status_code == 303 and response.headers["location"] == "/cabinet/consent?done=given"


async def test_a_post_without_or_with_another_sessions_csrf_token_is_refused(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    other = log_in(client, cabinet_app, patient_id="p2", snils="123-456-789 64", oid="2")
    log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    for token in ("", other.csrf_token, "x" * 40):
        refused = await client.post("/cabinet/consent", data=_form(token, agree="yes"))
        assert refused.status_code == 403, token
    assert _state(cabinet_app).consent_id is None
    give_consent(cabinet_app, PID)
    refused = await client.post("/cabinet/consent/withdraw", data={"csrf_token": other.csrf_token})
    assert refused.status_code == 403 and _state(cabinet_app).given


async def test_a_text_that_changed_while_the_page_was_open_is_shown_again_not_accepted(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    person = log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    form = {**_form(person.csrf_token, agree="yes"), "version": "2025-1"}
    page = await client.post("/cabinet/consent", data=form)
    assert page.status_code == 409 and "текст согласия изменился" in page.text
    assert _state(cabinet_app).consent_id is None


async def test_withdrawal_asks_first_and_cancel_changes_nothing(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    give_consent(cabinet_app, PID)
    confirm = await client.get("/cabinet/consent/withdraw")
    assert confirm.status_code == 200
    assert "Отозвать согласие?" in confirm.text and "сразу перестанут получать" in confirm.text
    assert re.search(
        r'<a class="button button--secondary" href="/cabinet/consent"[^>]*>Отмена</a>', confirm.text
    )
    assert 'action="/cabinet/consent/withdraw"' in confirm.text and "button--warning" in confirm.text
    assert _state(cabinet_app).given  # looking at the question withdrew nothing


async def test_after_withdrawal_the_cabinet_shows_why_access_is_suspended_and_how_to_restore_it(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    person = log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    give_consent(cabinet_app, PID)
    response = await client.post("/cabinet/consent/withdraw", data={"csrf_token": person.csrf_token})
    assert response.status_code == 303 and response.headers["location"] == "/cabinet/consent?done=withdrawn"
    assert _state(cabinet_app).withdrawn
    assert (await client.get(SECTION)).headers["location"].startswith("/cabinet/consent?")
    page = await client.get("/cabinet/consent?done=withdrawn")
    assert "Согласие отозвано" in page.text
    assert "Доступ к вашим записям приостановлен" in page.text
    assert "Как восстановить доступ" in page.text and "Подтвердить" in page.text
    # a second withdrawal (another tab) is not an error
    again = await client.post("/cabinet/consent/withdraw", data={"csrf_token": person.csrf_token})
    assert again.status_code == 303 and again.headers["location"] == "/cabinet/consent"
    restored = await client.post("/cabinet/consent", data=_form(person.csrf_token, agree="yes"))
    assert restored.status_code == 303 and _state(cabinet_app).given
    assert (await client.get("/cabinet")).status_code == 200


async def test_the_pages_in_english(client: httpx.AsyncClient, cabinet_app: FastAPI) -> None:
    person = log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    page = await client.get("/cabinet/consent?lang=en")
    assert "Consent to the processing of personal data" in page.text
    assert "I agree" in page.text and "Confirm" in page.text and "Federal Law No. 152-FZ" in page.text
    error = await client.post("/cabinet/consent?lang=en", data=_form(person.csrf_token))
    assert "Tick “I agree”" in error.text
    give_consent(cabinet_app, PID)
    assert "Withdraw your consent?" in (await client.get("/cabinet/consent/withdraw?lang=en")).text
    await client.post("/cabinet/consent/withdraw", data={"csrf_token": person.csrf_token})
    suspended = await client.get("/cabinet/consent?lang=en")
    assert (
        "Access to your records is suspended" in suspended.text and "How to restore access" in suspended.text
    )


@pytest.fixture
def next_version() -> Iterator[str]:
    current = documents.TEXTS[documents.CURRENT_VERSION]
    documents.TEXTS["2099-1"] = documents.ConsentText("2099-1", "2099-01-01", current.title, current.body)
    yield "2099-1"
    del documents.TEXTS["2099-1"]


async def test_a_new_text_version_asks_again(
    client: httpx.AsyncClient, cabinet_app: FastAPI, next_version: str
) -> None:
    person = log_in(client, cabinet_app, patient_id=PID, snils=SNILS)
    give_consent(cabinet_app, PID)
    assert (await client.get("/cabinet")).status_code == 200
    cabinet_app.state.consent_version = next_version  # what EGISZ_CONSENT_VERSION does at start-up
    assert (await client.get("/cabinet")).headers["location"].startswith("/cabinet/consent?")
    page = await client.get("/cabinet/consent")
    assert "Текст согласия изменился" in page.text and "Редакция 2099-1" in page.text
    form = {**_form(person.csrf_token, agree="yes"), "version": next_version}
    assert (await client.post("/cabinet/consent", data=form)).status_code == 303
    assert _state(cabinet_app).accepted(next_version)
    assert (await client.get("/cabinet")).status_code == 200


async def test_a_person_without_a_health_record_is_not_asked(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    log_in(client, cabinet_app, patient_id=None, snils=SNILS)
    assert (await client.get("/cabinet")).status_code == 200
    page = await client.get("/cabinet/consent")
    assert page.status_code == 200 and "согласие пока не требуется" in page.text


async def test_the_consent_pages_need_a_login(client: httpx.AsyncClient) -> None:
    for method, path in (("GET", "/cabinet/consent"), ("GET", "/cabinet/consent/withdraw")):
        response = await client.request(method, path)
        assert response.status_code == 303 and response.headers["location"].startswith("/cabinet/login?")
    posted = await client.post("/cabinet/consent", data={"agree": "yes"})
    assert posted.status_code == 303 and posted.headers["location"].startswith("/cabinet/login?")
