"""«Уведомления» (R-EGZ-6): the event × channel grid shows the defaults, saves the patient's
choice (CSRF-checked), shows where notices go (masked) and what was sent."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from egisz_api.notifications import service as notifications
from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.exports.conftest import Records

PATH = "/cabinet/settings/notifications"


async def test_the_grid_shows_the_defaults_and_the_masked_address(
    client: httpx.AsyncClient,
    rights_app: FastAPI,
    patients: Records,
) -> None:
    log_in(client, rights_app, patient_id=patients.alice, snils="112-233-445 95")
    page = (await client.get(PATH)).text
    assert 'value="new_result:email" checked' in page and 'value="consent_changed:sms" checked' in page
    assert 'value="new_result:sms">' in page  # not chosen by default
    assert "ив•••@example.test" in page and "иванов@example.test" not in page
    assert "нет зарегистрированного устройства" in page and "Сейчас действуют настройки по умолчанию" in page


async def test_the_patient_saves_a_choice(
    client: httpx.AsyncClient,
    rights_app: FastAPI,
    patients: Records,
) -> None:
    person = log_in(client, rights_app, patient_id=patients.alice, snils="112-233-445 95")
    response = await client.post(
        PATH + "?lang=en",
        data={
            "csrf_token": person.csrf_token,
            "choice": ["new_result:sms", "record_accessed:push", "bogus:x"],
        },
    )
    assert response.status_code == 303 and response.headers["location"] == PATH + "?saved=1"
    with rights_app.state.session_factory() as session:
        prefs = notifications.preferences(session, patients.alice)
    assert prefs.choices == {("new_result", "sms"), ("record_accessed", "push")} and prefs.locale == "en"
    page = (await client.get(PATH + "?saved=1&lang=en")).text
    assert "Settings saved." in page and 'value="new_result:email">' in page


async def test_nothing_chosen_means_no_notices(
    client: httpx.AsyncClient,
    rights_app: FastAPI,
    patients: Records,
) -> None:
    person = log_in(client, rights_app, patient_id=patients.alice, snils="112-233-445 95")
    await client.post(PATH, data={"csrf_token": person.csrf_token})
    with rights_app.state.session_factory() as session:
        assert notifications.preferences(session, patients.alice).choices == frozenset()


async def test_a_change_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient,
    rights_app: FastAPI,
    patients: Records,
) -> None:
    log_in(client, rights_app, patient_id=patients.alice, snils="112-233-445 95")
    response = await client.post(PATH, data={"choice": ["new_result:sms"]}, headers={"Accept": "text/html"})
    assert response.status_code in (400, 403)
    with rights_app.state.session_factory() as session:
        assert not notifications.preferences(session, patients.alice).saved
