"""Notification settings and events (R-EGZ-6; docs/rights.md): choices with defaults, «new result»
from a FHIR create, «consent change» from the consent feature's call, «access to my record» from
the audit trail (one notice per accessor per day, never for the patient's own access), and the
outbox's sending: no address, retry with backoff, dead, sent exactly once per occurrence."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from egisz_api.notifications import service as notifications
from egisz_api.notifications.client import NotifierClient
from egisz_api.notifications.events import DEFAULTS
from egisz_api.notifications.models import NotificationOutboxRow
from egisz_api.notifications.outbox import Dispatcher
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, create
from tests.egisz_api.notifications.conftest import Clock

JSON_HEADERS = {"Content-Type": FHIR_JSON}


def _writer(issuer: Issuer) -> dict[str, str]:
    return {**issuer.headers(scope="system/*.cruds", roles=["mis"]), **JSON_HEADERS}


async def _patient(client: httpx.AsyncClient, issuer: Issuer, *, telecom: bool = True) -> str:
    body = res.patient("112-233-445 95", "Иванов")
    if telecom:
        body["telecom"] = [
            {"system": "email", "value": "ivanov@example.test"},
            {"system": "phone", "value": "8 (916) 123-45-67", "use": "mobile"},
        ]
    return await create(client, _writer(issuer), body)


def _outbox(app: FastAPI) -> list[NotificationOutboxRow]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(NotificationOutboxRow).order_by(NotificationOutboxRow.id)))


def _in_session(app: FastAPI, work: Any) -> Any:
    with app.state.session_factory() as session:
        value = work(session)
        session.commit()
        return value


async def test_defaults_until_the_patient_saves_a_choice(notify_app: FastAPI, clock: Clock) -> None:
    prefs = _in_session(notify_app, lambda s: notifications.preferences(s, "p1"))
    assert prefs.choices == DEFAULTS and not prefs.saved
    _in_session(
        notify_app,
        lambda s: notifications.save_preferences(
            s,
            "p1",
            [("new_result", "sms"), ("bogus", "email")],
            locale="en",
            clock=clock,  # type: ignore[list-item]
        ),
    )
    prefs = _in_session(notify_app, lambda s: notifications.preferences(s, "p1"))
    assert prefs.choices == {("new_result", "sms")} and prefs.locale == "en" and prefs.saved
    _in_session(notify_app, lambda s: notifications.save_preferences(s, "p1", [], locale="ru", clock=clock))
    assert _in_session(notify_app, lambda s: notifications.preferences(s, "p1")).choices == frozenset()


async def test_a_new_result_queues_one_notice_per_hour_without_medical_content(
    client: httpx.AsyncClient, notify_app: FastAPI, issuer: Issuer, clock: Clock
) -> None:
    pid = await _patient(client, issuer)
    lab = {
        **issuer.headers(
            scope="system/Observation.c system/DiagnosticReport.c", roles=["lab"], org=res.ORGANIZATION
        ),
        **JSON_HEADERS,
    }
    for code in ("718-7", "6690-2", "777-3"):
        await create(client, lab, res.observation(pid, code=code))
    rows = _outbox(notify_app)
    assert [(r.event, r.channel) for r in rows] == [("new_result", "email")]
    assert set(json.loads(rows[0].params)) == {"at", "timezone"}  # never which result, nor its value
    clock.advance(hours=1)
    await create(client, lab, res.observation(pid))
    assert len(_outbox(notify_app)) == 2
    # a created Encounter is not a result
    await create(client, _writer(issuer), res.encounter(pid))
    assert len(_outbox(notify_app)) == 2


async def test_a_consent_change_goes_out_by_email_and_sms_by_default(
    notify_app: FastAPI, clock: Clock
) -> None:
    def change(session: Any) -> int:
        return notifications.consent_changed(
            session, "p1", action="withdrawn", party="ЕГИСЗ", consent_id="c1", now=clock()
        )

    assert _in_session(notify_app, change) == 2
    assert _in_session(notify_app, change) == 0  # the same occurrence is queued once
    assert {r.channel for r in _outbox(notify_app)} == {"email", "sms"}


async def _scan(app: FastAPI) -> int:
    app.state.audit_sink.flush(5.0)
    dispatcher: Dispatcher = app.state.notifications
    return await asyncio.to_thread(dispatcher.scan)


async def test_twenty_integrator_searches_make_one_access_notice_and_the_patients_own_none(
    client: httpx.AsyncClient, notify_app: FastAPI, issuer: Issuer, clock: Clock
) -> None:
    pid = await _patient(client, issuer)
    await _scan(notify_app)  # the first pass starts the reader at the end of the trail
    integrator = issuer.headers(scope="system/*.rs", roles=["mis"], sub="mis-7", client_id="mis-7")
    for _ in range(20):
        assert (await client.get(f"/fhir/Observation?patient={pid}", headers=integrator)).status_code == 200
    own = issuer.headers(scope="patient/*.rs", patient=pid, roles=["patient"], sub="ivanov")
    assert (await client.get(f"/fhir/Patient/{pid}", headers=own)).status_code == 200
    # a denied access (no scope for the type) is in the trail, but nobody saw anything
    other = issuer.headers(scope="system/Encounter.rs", roles=["mis"], sub="mis-8", client_id="mis-8")
    assert (await client.get(f"/fhir/Observation?patient={pid}", headers=other)).status_code == 403
    await _scan(notify_app)
    accessed = [r for r in _outbox(notify_app) if r.event == "record_accessed"]
    assert [(r.patient_id, r.channel) for r in accessed] == [(pid, "email")]
    assert json.loads(accessed[0].params)["organization"] == "mis-7"
    # the same accessor the next Moscow day is a new notice
    clock.advance(days=1)
    await client.get(f"/fhir/Patient/{pid}", headers=integrator)
    await _scan(notify_app)
    assert len([r for r in _outbox(notify_app) if r.event == "record_accessed"]) == 2


def _notifier(answers: list[int], seen: list[httpx.Request]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "svc-token", "expires_in": 300})
        status = answers.pop(0) if answers else 202
        if status == 202:
            return httpx.Response(202, json={"id": f"m{len(seen)}", "status": "queued"})
        return httpx.Response(status, json={"code": "boom"})

    return httpx.Client(transport=httpx.MockTransport(handle))


def _dispatcher(app: FastAPI, http: httpx.Client, clock: Clock, max_attempts: int = 3) -> Dispatcher:
    from egisz_api.notifications.client import ServiceTokens

    tokens = ServiceTokens("http://idp.test/token", "egisz-api", "s3cr3t-value-of-the-test", http=http)
    client = NotifierClient("http://notifier.test", tokens, http=http)
    return Dispatcher(app.state.session_factory, client, clock=clock, max_attempts=max_attempts)


async def test_the_dispatcher_sends_with_an_idempotency_key_and_closes_channels_without_an_address(
    client: httpx.AsyncClient, notify_app: FastAPI, issuer: Issuer, clock: Clock
) -> None:
    pid = await _patient(client, issuer)
    _in_session(
        notify_app,
        lambda s: notifications.save_preferences(
            s, pid, [("consent_changed", c) for c in ("email", "sms", "push")], locale="ru", clock=clock
        ),
    )
    _in_session(
        notify_app,
        lambda s: notifications.consent_changed(
            s, pid, action="given", party="ЕГИСЗ", consent_id="c1", now=clock()
        ),
    )
    seen: list[httpx.Request] = []
    dispatcher = _dispatcher(notify_app, _notifier([], seen), clock)
    assert await asyncio.to_thread(dispatcher.send_due) == 2
    status = {r.channel: r.status for r in _outbox(notify_app)}
    assert status == {"email": "sent", "sms": "sent", "push": "no_address"}
    sends = [json.loads(r.content) for r in seen if r.url.path == "/v1/messages"]
    assert {s["recipient"].get("phone") for s in sends} == {None, "+79161234567"}
    keys = {r.headers["Idempotency-Key"] for r in seen if r.url.path == "/v1/messages"}
    assert len(keys) == 2 and all(k.startswith("egisz:consent_changed:") for k in keys)
    assert all(r.headers["Authorization"] == "Bearer svc-token" for r in seen if r.url.path == "/v1/messages")
    assert sum(1 for r in seen if r.url.path == "/token") == 1  # the service token is reused
    assert await asyncio.to_thread(dispatcher.send_due) == 0  # nothing is sent twice


async def test_a_failing_notifier_is_retried_with_backoff_then_the_notice_is_dead(
    client: httpx.AsyncClient, notify_app: FastAPI, issuer: Issuer, clock: Clock
) -> None:
    pid = await _patient(client, issuer)
    _in_session(
        notify_app,
        lambda s: notifications.save_preferences(
            s, pid, [("consent_changed", "email")], locale="ru", clock=clock
        ),
    )
    _in_session(
        notify_app,
        lambda s: notifications.consent_changed(
            s, pid, action="given", party="X", consent_id="c1", now=clock()
        ),
    )
    seen: list[httpx.Request] = []
    dispatcher = _dispatcher(notify_app, _notifier([503, 503, 503], seen), clock)
    assert await asyncio.to_thread(dispatcher.send_due) == 1
    row = _outbox(notify_app)[0]
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > clock()
    assert await asyncio.to_thread(dispatcher.send_due) == 0  # not due yet: no busy retry
    for _ in range(2):
        clock.advance(hours=2)
        await asyncio.to_thread(dispatcher.send_due)
    row = _outbox(notify_app)[0]
    assert row.status == "dead" and row.attempts == 3 and "503" in (row.last_error or "")


async def test_a_refused_notice_is_not_retried(
    client: httpx.AsyncClient, notify_app: FastAPI, issuer: Issuer, clock: Clock
) -> None:
    pid = await _patient(client, issuer)
    _in_session(
        notify_app,
        lambda s: notifications.consent_changed(
            s, pid, action="given", party="X", consent_id="c1", now=clock()
        ),
    )
    dispatcher = _dispatcher(notify_app, _notifier([422, 422], []), clock)
    await asyncio.to_thread(dispatcher.send_due)
    assert {r.status for r in _outbox(notify_app)} == {"dead"}


async def test_the_consent_features_listener_queues_the_notice(notify_app: FastAPI, clock: Clock) -> None:
    from dataclasses import dataclass

    @dataclass
    class Changed:  # the shape of egisz_api.consent's ConsentChanged
        patient_id: str
        change: str
        consent_id: str
        at: Any

    _in_session(
        notify_app, lambda s: notifications.on_consent_changed(s, Changed("p1", "withdrawn", "c9", clock()))
    )
    rows = _outbox(notify_app)
    assert {r.channel for r in rows} == {"email", "sms"}
    assert (
        json.loads(rows[0].params)["action"] == "withdrawn" and json.loads(rows[0].params)["party"] == "ЕГИСЗ"
    )
