"""«Обращения» (R-EGZ-5): the patient files a correction or deletion request from the cabinet (a
FHIR Task, the same rules as over FHIR) and sees its status; errors come back as an error summary
in the page's language; CSRF and another patient's record (IDOR through the form) are refused."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.exports.conftest import Records


async def _csrf(client: httpx.AsyncClient, rights_app: FastAPI, patients: Records) -> str:
    person = log_in(client, rights_app, patient_id=patients.alice, snils="112-233-445 95")
    return person.csrf_token


async def test_a_correction_request_is_filed_and_listed_with_its_status(
    client: httpx.AsyncClient, rights_app: FastAPI, patients: Records
) -> None:
    token = await _csrf(client, rights_app, patients)
    page = await client.get("/cabinet/requests")
    focus = f"Observation/{patients.ids[patients.alice]['Observation']}"
    assert page.status_code == 200 and f'value="{focus}"' in page.text
    assert f"Observation/{patients.ids[patients.bob]['Observation']}" not in page.text
    response = await client.post(
        "/cabinet/requests",
        data={
            "csrf_token": token,
            "kind": "correction",
            "focus": focus,
            "text": "Гемоглобин был 138, не 135",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/cabinet/requests?sent=1"
    listed = await client.get("/cabinet/requests?sent=1")
    assert "Обращение отправлено" in listed.text
    assert (
        "Подано" in listed.text
        and "Гемоглобин был 138, не 135" in listed.text
        and "Исправить запись" in listed.text
    )
    from egisz_api.data_requests import service

    with rights_app.state.session_factory() as session:
        filed = service.list_requests(session, patients.alice)
    own_fixture_task = 1  # tests/egisz_api/fhir/resources.one_of_each has one Task
    assert len(filed) == own_fixture_task + 1 and filed[0].status == "requested" and filed[0].focus == focus
    from egisz_api.audit import service as audit

    rights_app.state.audit_sink.flush(5.0)
    with rights_app.state.session_factory() as session:
        events = audit.search(session, patient=patients.alice).resources()
    assert any(e.get("subtype", [{}])[0].get("code") == "create" for e in events)  # in «Кто смотрел»


async def test_an_empty_form_shows_an_error_summary_in_english(
    client: httpx.AsyncClient, rights_app: FastAPI, patients: Records
) -> None:
    token = await _csrf(client, rights_app, patients)
    response = await client.post(
        "/cabinet/requests?lang=en", data={"csrf_token": token, "kind": "correction", "text": " "}
    )
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    assert "Choose the record to correct" in response.text and "Describe what is wrong" in response.text
    assert 'href="#focus"' in response.text and 'href="#text"' in response.text


async def test_a_too_long_text_is_refused_and_kept(
    client: httpx.AsyncClient, rights_app: FastAPI, patients: Records
) -> None:
    token = await _csrf(client, rights_app, patients)
    text = "ж" * 2001
    response = await client.post(
        "/cabinet/requests", data={"csrf_token": token, "kind": "deletion", "text": text}
    )
    assert response.status_code == 400 and "до 2000 символов" in response.text and text in response.text


async def test_idor_a_request_about_another_patients_record_is_refused(
    client: httpx.AsyncClient, rights_app: FastAPI, patients: Records
) -> None:
    token = await _csrf(client, rights_app, patients)
    bobs = f"Observation/{patients.ids[patients.bob]['Observation']}"
    response = await client.post(
        "/cabinet/requests", data={"csrf_token": token, "kind": "correction", "focus": bobs, "text": "x"}
    )
    assert response.status_code == 400 and "Такой записи нет в вашей карте" in response.text
    from egisz_api.data_requests import service

    with rights_app.state.session_factory() as session:
        assert all(r.focus != bobs for r in service.list_requests(session, patients.alice))
        assert all(r.focus != bobs for r in service.list_requests(session, patients.bob))


async def test_a_request_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, rights_app: FastAPI, patients: Records
) -> None:
    await _csrf(client, rights_app, patients)
    response = await client.post(
        "/cabinet/requests", data={"kind": "deletion", "text": "удалите всё"}, headers={"Accept": "text/html"}
    )
    assert response.status_code in (400, 403)
    from egisz_api.data_requests import service

    with rights_app.state.session_factory() as session:
        assert all(r.text != "удалите всё" for r in service.list_requests(session, patients.alice))
