"""``GET/PUT /api/v1/me/notification-settings`` (EGISZ.md §5 row 34; docs/rights.md): the same
choices the cabinet page edits, only for a patient token with ``notifications.rw``; bad input is a
422 problem, a missing scope a 403 ``insufficient_scope``, a staff token never reaches a patient's
settings."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from egisz_api.notifications import service as notifications
from tests.egisz_api.fhir.conftest import Issuer
from tests.egisz_api.notifications.test_notifications import _in_session, _patient

URL = "/api/v1/me/notification-settings"
PROBLEM = "application/problem+json"


def _token(issuer: Issuer, patient_id: str, scope: str = "openid notifications.rw") -> dict[str, str]:
    return issuer.headers(scope=scope, patient=patient_id)


async def test_the_defaults_then_a_saved_choice_the_cabinet_sees(
    client: httpx.AsyncClient, issuer: Issuer, notify_app: FastAPI
) -> None:
    pid = await _patient(client, issuer)
    first = await client.get(URL, headers=_token(issuer, pid))
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["saved"] is False and body["channels"] == ["email", "sms", "push"]
    assert sorted(body["events"]["consent_changed"]) == ["email", "sms"]
    wanted = {
        "events": {
            "new_result": ["push"],
            "record_accessed": [],
            "consent_changed": ["sms"],
            "request_processed": [],
            "certificate_issued": [],
        },
        "locale": "en",
    }
    saved = await client.put(URL, json=wanted, headers=_token(issuer, pid))
    assert saved.status_code == 200, saved.text
    assert saved.json()["events"] == wanted["events"] and saved.json()["saved"] is True
    prefs = _in_session(notify_app, lambda s: notifications.preferences(s, pid))
    assert prefs.choices == {("new_result", "push"), ("consent_changed", "sms")} and prefs.locale == "en"
    again = (await client.get(URL, headers=_token(issuer, pid))).json()
    assert again["events"] == wanted["events"] and again["locale"] == "en"


@pytest.mark.parametrize(
    "body",
    [
        {
            "events": {
                "new_result": ["fax"],
                "record_accessed": [],
                "consent_changed": [],
                "request_processed": [],
                "certificate_issued": [],
            }
        },
        {
            "events": {
                "new_result": [],
                "record_accessed": [],
                "consent_changed": [],
                "request_processed": [],
                "certificate_issued": [],
                "spam": ["email"],
            }
        },
        {
            "events": {
                "new_result": "email",
                "record_accessed": [],
                "consent_changed": [],
                "request_processed": [],
                "certificate_issued": [],
            }
        },
        {
            "events": {
                "new_result": [1],
                "record_accessed": [],
                "consent_changed": [],
                "request_processed": [],
                "certificate_issued": [],
            }
        },
        {"events": {"new_result": []}},
        {"events": [], "locale": "ru"},
        {
            "events": {
                "new_result": [],
                "record_accessed": [],
                "consent_changed": [],
                "request_processed": [],
                "certificate_issued": [],
            },
            "locale": "de",
        },
    ],
    ids=[
        "unknown-channel",
        "unknown-event",
        "string-not-list",
        "number",
        "missing-event",
        "wrong-type",
        "locale",
    ],
)
async def test_bad_input_is_a_problem_and_changes_nothing(
    client: httpx.AsyncClient, issuer: Issuer, notify_app: FastAPI, body: object
) -> None:
    pid = await _patient(client, issuer)
    response = await client.put(URL, json=body, headers=_token(issuer, pid))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "validation_failed"
    assert not _in_session(notify_app, lambda s: notifications.preferences(s, pid)).saved


async def test_malformed_json_is_a_400_problem(client: httpx.AsyncClient, issuer: Issuer) -> None:
    pid = await _patient(client, issuer)
    response = await client.put(
        URL, content=b"{not json", headers={**_token(issuer, pid), "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.headers["content-type"].startswith(PROBLEM)


async def test_without_the_scope_it_is_insufficient_scope(client: httpx.AsyncClient, issuer: Issuer) -> None:
    pid = await _patient(client, issuer)
    for method in ("GET", "PUT"):
        response = await client.request(
            method,
            URL,
            json={
                "events": {
                    "new_result": [],
                    "record_accessed": [],
                    "consent_changed": [],
                    "request_processed": [],
                    "certificate_issued": [],
                }
            },
            headers=_token(issuer, pid, scope="patient/*.rs"),
        )
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "insufficient_scope"
        assert 'scope="notifications.rw"' in response.headers["www-authenticate"]


async def test_without_a_token_it_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(URL)
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


async def test_a_staff_token_with_the_scope_never_reaches_a_patients_settings(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    pid = await _patient(client, issuer)
    staff = issuer.headers(scope="notifications.rw system/*.rs", roles=["registrar"], patient=pid)
    response = await client.put(
        URL,
        json={
            "events": {
                "new_result": [],
                "record_accessed": [],
                "consent_changed": [],
                "request_processed": [],
                "certificate_issued": [],
            }
        },
        headers=staff,
    )
    assert response.status_code == 403 and response.json()["code"] == "access_denied"


async def test_a_token_naming_no_patient_is_refused(client: httpx.AsyncClient, issuer: Issuer) -> None:
    response = await client.get(URL, headers=issuer.headers(scope="notifications.rw"))
    assert response.status_code == 403 and response.json()["code"] == "access_denied"


async def test_documented_in_openapi(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = document["paths"][URL]
    assert set(operations) >= {"get", "put"}
    assert "notifications.rw" in operations["put"]["description"]
