"""R4 subscription.html rest-hook (EGISZ.md §5 row 34): integrator systems subscribe to one
patient's Observations, DiagnosticReports or Immunizations; each matching write queues a
notification in its own transaction; the dispatcher POSTs it to a real loopback receiver, retries,
and sets status=error after N failures; a withdrawn consent stops notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from egisz_api.subscriptions.errors import InvalidSubscriptionError
from egisz_api.subscriptions.rules import PAYLOAD_CONTENT, check_channel
from tests.conftest import running
from tests.egisz_api.bundles.conftest import lab_result, valid_response
from tests.egisz_api.consent.support import give_consent, withdraw_consent
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, fhir_settings, outcome, valid
from tests.live import serve_in_thread

SIG = "urn:idp:acr:sig"


@dataclass
class Receiver:
    base: str
    got: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver on a loopback port: /ok answers 204, /broken 500."""
    box = Receiver("")

    async def hook(request: Request) -> Response:
        box.got.append((request.url.path, dict(request.headers), await request.body()))
        return Response(status_code=500 if request.url.path == "/broken" else 204)

    app = Starlette(routes=[Route("/ok", hook, methods=["POST"]), Route("/broken", hook, methods=["POST"])])
    with serve_in_thread(app) as base:
        box.base = base
        yield box


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Setup:
    app: FastAPI
    client: httpx.AsyncClient
    clock: Clock
    alice: str
    bob: str
    system: dict[str, str]
    writer: dict[str, str]


@pytest.fixture
async def setup(make_db: Callable[..., str], issuer: Issuer, receiver: Receiver) -> AsyncIterator[Setup]:
    from egisz_api.main import create_app

    receiver.got.clear()
    clock = Clock()
    # the dispatcher's loop is off: the test runs its passes itself (no waiting on a timer)
    settings = fhir_settings(
        make_db("egisz_api"), issuer, notifications_enabled=False, subscription_max_attempts=2
    )
    app = create_app(settings, clock=clock)
    async with running(app) as client:
        system = {**issuer.headers(scope="system/*.cruds", client_id="lis-1"), "Content-Type": FHIR_JSON}
        writer = {
            **issuer.headers(
                scope="user/*.cruds", roles=["lab", "practitioner"], acr=SIG, org=res.ORGANIZATION
            ),
            "Content-Type": FHIR_JSON,
        }
        ids = []
        for snils, family in (("112-233-445 95", "Иванов"), ("123-456-789 64", "Петрова")):
            created = await client.post("/fhir/Patient", json=res.patient(snils, family), headers=system)
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        yield Setup(app, client, clock, ids[0], ids[1], system, writer)


def subscription(criteria: str, endpoint: str, **channel: Any) -> dict[str, Any]:
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "ЛИС: новые результаты",
        "criteria": criteria,
        "channel": {"type": "rest-hook", "endpoint": endpoint, **channel},
    }


async def subscribe(s: Setup, body: dict[str, Any]) -> dict[str, Any]:
    response = await s.client.post("/fhir/Subscription", json=body, headers=s.system)
    assert response.status_code == 201, response.text
    data = valid(response.content)
    assert response.headers["location"].endswith(f"/fhir/Subscription/{data['id']}")
    return data


def dispatch(s: Setup) -> int:
    tried: int = s.app.state.subscriptions.send_due()
    return tried


async def test_a_matching_write_notifies_with_an_empty_body_and_the_channel_headers(
    setup: Setup, receiver: Receiver
) -> None:
    s = setup
    sub = await subscribe(
        s,
        subscription(
            f"Observation?patient={s.alice}&category=laboratory",
            f"{receiver.base}/ok",
            header=["Authorization: Bearer hook-secret"],
        ),
    )
    assert sub["status"] == "active"
    lab = await s.client.post("/fhir/Observation", json=lab_result(s.alice, "1"), headers=s.writer)
    assert lab.status_code == 201
    # not matching: another category, another patient
    vital = lab_result(s.alice, "2", category="vital-signs")
    assert (await s.client.post("/fhir/Observation", json=vital, headers=s.writer)).status_code == 201
    assert (
        await s.client.post("/fhir/Observation", json=lab_result(s.bob, "3"), headers=s.writer)
    ).status_code == 201
    assert dispatch(s) == 1
    ((path, headers, body),) = receiver.got
    assert path == "/ok"
    assert body == b""
    assert headers["authorization"] == "Bearer hook-secret"
    # an update of the matching resource notifies again
    changed = {**lab.json(), "status": "amended"}
    updated = await s.client.put(f"/fhir/Observation/{changed['id']}", json=changed, headers=s.writer)
    assert updated.status_code == 200, updated.text
    assert dispatch(s) == 1
    assert len(receiver.got) == 2
    assert dispatch(s) == 0  # each once


async def test_an_id_only_payload_names_the_resource_and_never_carries_it(
    setup: Setup, receiver: Receiver
) -> None:
    s = setup
    body = subscription(
        f"DiagnosticReport?patient={s.alice}",
        f"{receiver.base}/ok",
        payload="application/fhir+json",
        _payload={"extension": [{"url": PAYLOAD_CONTENT, "valueCode": "id-only"}]},
    )
    await subscribe(s, body)
    report = await s.client.post(
        "/fhir/DiagnosticReport", json=res.diagnostic_report(s.alice), headers=s.writer
    )
    assert report.status_code == 201
    assert dispatch(s) == 1
    ((_, _, sent),) = receiver.got
    bundle = valid_response(sent)
    (entry,) = bundle["entry"]
    assert entry["fullUrl"].endswith(f"/fhir/DiagnosticReport/{report.json()['id']}")
    assert "resource" not in entry


async def test_failures_are_retried_then_the_subscription_is_in_error(
    setup: Setup, receiver: Receiver
) -> None:
    s = setup
    sub = await subscribe(s, subscription(f"Immunization?patient={s.alice}", f"{receiver.base}/broken"))
    created = await s.client.post("/fhir/Immunization", json=res.immunization(s.alice), headers=s.writer)
    assert created.status_code == 201, created.text
    assert dispatch(s) == 1
    assert dispatch(s) == 0  # the retry waits for its backoff
    s.clock.now += dt.timedelta(hours=2)
    assert dispatch(s) == 1
    assert len(receiver.got) == 2
    read = await s.client.get(f"/fhir/Subscription/{sub['id']}", headers=s.system)
    assert read.json()["status"] == "error"
    assert "HTTP 500" in read.json()["error"]
    # an errored subscription queues nothing more
    assert (
        await s.client.post("/fhir/Immunization", json=res.immunization(s.alice), headers=s.writer)
    ).status_code == 201
    s.clock.now += dt.timedelta(hours=2)
    assert dispatch(s) == 0


async def test_a_withdrawn_consent_sends_nothing_to_systems(setup: Setup, receiver: Receiver) -> None:
    s = setup
    await subscribe(s, subscription(f"Observation?patient={s.alice}", f"{receiver.base}/ok"))
    assert (
        await s.client.post("/fhir/Observation", json=lab_result(s.alice, "w"), headers=s.writer)
    ).status_code == 201
    give_consent(s.app, s.alice)
    withdraw_consent(s.app, s.alice)
    assert dispatch(s) == 0
    assert receiver.got == []
    # and a new subscription to that patient is refused like any access
    refused = await s.client.post(
        "/fhir/Subscription",
        json=subscription(f"Observation?patient={s.alice}", f"{receiver.base}/ok"),
        headers=s.system,
    )
    outcome(refused, 403)


async def test_unsupported_criteria_and_channels_are_400(setup: Setup, receiver: Receiver) -> None:
    s = setup
    ok = f"{receiver.base}/ok"
    for criteria in (
        f"Patient?_id={s.alice}",
        "Observation?category=laboratory",  # no patient: every patient's results
        f"Observation?patient={s.alice},{s.bob}",
        f"Observation?patient={s.alice}&_count=5",
        f"Observation?patient={s.alice}&no-such=1",
        "Observation",
        "Observation?patient=unknown-patient",
    ):
        outcome(
            await s.client.post("/fhir/Subscription", json=subscription(criteria, ok), headers=s.system), 400
        )
    for channel in ({"type": "websocket"}, {"type": "rest-hook", "endpoint": "not a url"}):
        body = {**subscription(f"Observation?patient={s.alice}", ok), "channel": channel}
        outcome(await s.client.post("/fhir/Subscription", json=body, headers=s.system), 400)
    full = subscription(f"Observation?patient={s.alice}", ok, payload="application/fhir+json")
    outcome(await s.client.post("/fhir/Subscription", json=full, headers=s.system), 400)
    injected = subscription(f"Observation?patient={s.alice}", ok, header=["X-A: 1\r\nX-B: 2"])
    outcome(await s.client.post("/fhir/Subscription", json=injected, headers=s.system), 400)


def test_outside_dev_mode_the_endpoint_must_be_https() -> None:
    with pytest.raises(InvalidSubscriptionError):
        check_channel({"type": "rest-hook", "endpoint": "http://lis.example/hook"}, dev_mode=False)
    assert check_channel({"type": "rest-hook", "endpoint": "https://lis.example/hook"}, dev_mode=False)


async def test_only_integrator_systems_subscribe_and_see_only_their_own(
    setup: Setup, receiver: Receiver, issuer: Issuer
) -> None:
    s = setup
    body = subscription(f"Observation?patient={s.alice}", f"{receiver.base}/ok")
    person = {
        **issuer.headers(scope="user/*.cruds", roles=["practitioner"], org="mo-1", acr=SIG),
        "Content-Type": FHIR_JSON,
    }
    outcome(await s.client.post("/fhir/Subscription", json=body, headers=person), 403)
    patient = {**issuer.headers(scope="patient/*.cruds", patient=s.alice), "Content-Type": FHIR_JSON}
    outcome(await s.client.post("/fhir/Subscription", json=body, headers=patient), 403)
    read_only = {**issuer.headers(scope="system/Subscription.rs"), "Content-Type": FHIR_JSON}
    outcome(await s.client.post("/fhir/Subscription", json=body, headers=read_only), 403)
    sub = await subscribe(s, body)
    other = issuer.headers(scope="system/*.cruds", client_id="another-mis")
    outcome(await s.client.get(f"/fhir/Subscription/{sub['id']}", headers=other), 404)
    outcome(await s.client.delete(f"/fhir/Subscription/{sub['id']}", headers=other), 404)
    assert (await s.client.get("/fhir/Subscription", headers=other)).json()["total"] == 0
    mine = await s.client.get("/fhir/Subscription", headers=s.system)
    assert [e["resource"]["id"] for e in valid(mine.content)["entry"]] == [sub["id"]]


async def test_a_deleted_subscription_is_gone_and_notifies_no_more(setup: Setup, receiver: Receiver) -> None:
    s = setup
    sub = await subscribe(s, subscription(f"Observation?patient={s.alice}", f"{receiver.base}/ok"))
    assert (
        await s.client.post("/fhir/Observation", json=lab_result(s.alice, "d1"), headers=s.writer)
    ).status_code == 201
    deleted = await s.client.delete(f"/fhir/Subscription/{sub['id']}", headers=s.system)
    assert deleted.status_code == 200, deleted.text
    valid(deleted.content)
    outcome(await s.client.get(f"/fhir/Subscription/{sub['id']}", headers=s.system), 404)
    assert (
        await s.client.post("/fhir/Observation", json=lab_result(s.alice, "d2"), headers=s.writer)
    ).status_code == 201
    assert dispatch(s) == 0  # the pending one is skipped, the later write queued nothing
    assert receiver.got == []


async def test_a_bound_system_hears_only_of_its_organisations_patients(
    setup: Setup, receiver: Receiver, issuer: Issuer
) -> None:
    """A Subscription remembers its subscriber's organisation: once the patient is another
    organisation's (managingOrganization changed), new results are not sent to the old one."""
    s = setup
    bound = {
        **issuer.headers(scope="system/*.cruds", client_id="lis-a", roles=["mis"], org=res.ORGANIZATION),
        "Content-Type": FHIR_JSON,
    }
    created = await s.client.post(
        "/fhir/Subscription",
        json=subscription(f"Observation?patient={s.alice}", f"{receiver.base}/ok"),
        headers=bound,
    )
    assert created.status_code == 201, created.text
    assert (
        await s.client.post("/fhir/Observation", json=lab_result(s.alice, "b-1"), headers=s.writer)
    ).status_code == 201
    assert dispatch(s) == 1 and len(receiver.got) == 1
    # the patient moves to another organisation (the loader, bound to none, writes it)
    moved = res.patient("112-233-445 95", "Иванов")
    moved["managingOrganization"] = {"reference": "Organization/mo-2"}
    assert (
        await s.client.put(f"/fhir/Patient/{s.alice}", json={**moved, "id": s.alice}, headers=s.system)
    ).status_code == 200
    writer_2 = {
        **issuer.headers(scope="user/*.cruds", roles=["lab"], acr=SIG, org="mo-2"),
        "Content-Type": FHIR_JSON,
    }
    assert (
        await s.client.post("/fhir/Observation", json=lab_result(s.alice, "b-2"), headers=writer_2)
    ).status_code == 201
    assert dispatch(s) == 0 and len(receiver.got) == 1
