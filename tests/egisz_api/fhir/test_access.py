"""Authorization, EGISZ.md §5 (A): SMART v2 scopes, roles, the patient compartment (IDOR attacks on
every type), granular scopes, patient writes and the consent gate."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy.orm import Session

from egisz_api.access.scopes import parse_scope
from egisz_api.access.service import Caller
from egisz_api.records.parameters import DEFINITIONS
from tests.conftest import running
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, create, fhir_settings, outcome, valid

TYPES = sorted(DEFINITIONS)
JSON_HEADERS = {"Content-Type": FHIR_JSON}


def test_scope_grammar() -> None:
    scope = parse_scope("patient/Observation.rs")
    assert scope is not None and scope.permissions == {"r", "s"} and scope.context == "patient"
    assert parse_scope("user/*.cruds") is not None
    v1 = parse_scope("patient/*.read")
    assert v1 is not None and v1.permissions == {"r", "s"}
    write = parse_scope("user/Observation.write")
    assert write is not None and write.permissions == {"c", "u", "d"}
    granular = parse_scope("patient/Observation.rs?category=http://x|laboratory")
    assert granular is not None and granular.restrictions == (("category", "http://x|laboratory"),)
    for bad in (
        "patient/Observation.sr",
        "patient/Observation.",
        "doctor/Observation.rs",
        "openid",
        "patient/observation.rs",
        "patient/Observation.rs?",
        "patient/Observation.rs?category=",
    ):
        assert parse_scope(bad) is None, bad


@pytest.mark.parametrize("type_", TYPES)
async def test_a_patient_never_reaches_another_patients_record(
    client: httpx.AsyncClient, world: World, issuer: Issuer, type_: str
) -> None:
    """IDOR: Alice's token against Bob's ids, by read, vread, history, search and $everything."""
    alice = issuer.headers(scope="patient/*.rs", patient=world.alice, roles=["patient"])
    own, others = world.ids[world.alice][type_], world.ids[world.bob][type_]
    assert (await client.get(f"/fhir/{type_}/{own}", headers=alice)).status_code == 200
    outcome(await client.get(f"/fhir/{type_}/{others}", headers=alice), 404)
    outcome(await client.get(f"/fhir/{type_}/{others}/_history/1", headers=alice), 404)
    outcome(await client.get(f"/fhir/{type_}/{others}/_history", headers=alice), 404)
    found = valid((await client.get(f"/fhir/{type_}?_id={others}", headers=alice)).content)
    assert found["total"] == 0
    if type_ != "Patient":
        by_patient = valid((await client.get(f"/fhir/{type_}?patient={world.bob}", headers=alice)).content)
        assert by_patient["total"] == 0
    everything = valid((await client.get(f"/fhir/{type_}", headers=alice)).content)
    assert {e["resource"]["id"] for e in everything["entry"]} == {own}


async def test_a_patient_token_maps_to_its_patient_by_snils(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    token = issuer.headers(scope="patient/*.rs", roles=["patient"], snils="112-233-445 95")
    assert (await client.get(f"/fhir/Patient/{world.alice}", headers=token)).status_code == 200
    outcome(await client.get(f"/fhir/Patient/{world.bob}", headers=token), 404)
    unknown = issuer.headers(scope="patient/*.rs", roles=["patient"], snils="999-999-999 99")
    response = await client.get(f"/fhir/Patient/{world.alice}", headers=unknown)
    assert "names no Patient" in outcome(response, 403)["issue"][0]["diagnostics"]


async def test_a_granular_scope_limits_reads_and_searches(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    vital = await create(
        client, world.writer, res.observation(world.alice, category="vital-signs", code="8867-4")
    )
    lab = world.ids[world.alice]["Observation"]
    scope = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
    headers = issuer.headers(scope=scope, patient=world.alice)
    assert (await client.get(f"/fhir/Observation/{lab}", headers=headers)).status_code == 200
    outcome(await client.get(f"/fhir/Observation/{vital}", headers=headers), 404)
    bundle = valid((await client.get("/fhir/Observation", headers=headers)).content)
    assert [e["resource"]["id"] for e in bundle["entry"]] == [lab] and bundle["total"] == 1
    outcome(await client.get(f"/fhir/Patient/{world.alice}", headers=headers), 403)


async def test_a_write_scope_does_not_grant_reading(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = issuer.headers(
        scope="system/Observation.c system/Observation.write", roles=["lab"], org=res.ORGANIZATION
    )
    outcome(
        await client.get(f"/fhir/Observation/{world.ids[world.alice]['Observation']}", headers=headers), 403
    )
    created = await client.post(
        "/fhir/Observation", json=res.observation(world.alice), headers={**headers, **JSON_HEADERS}
    )
    assert created.status_code == 201


async def test_a_patient_books_an_appointment_only_for_themselves(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = {
        **issuer.headers(scope="patient/Appointment.cu patient/Observation.c", patient=world.alice),
        **JSON_HEADERS,
    }
    own = await client.post("/fhir/Appointment", json=res.appointment(world.alice), headers=headers)
    assert own.status_code == 201, own.text
    for_bob = await client.post("/fhir/Appointment", json=res.appointment(world.bob), headers=headers)
    outcome(for_bob, 403)
    observation = await client.post("/fhir/Observation", json=res.observation(world.alice), headers=headers)
    assert "may not create Observation" in outcome(observation, 403)["issue"][0]["diagnostics"]
    # moving Bob's appointment, or taking it over, is as invisible as reading it
    bobs = world.ids[world.bob]["Appointment"]
    body = res.appointment(world.alice)
    body["id"] = bobs
    outcome(await client.put(f"/fhir/Appointment/{bobs}", json=body, headers=headers), 404)


@pytest.mark.parametrize(
    ("roles", "status"),
    [([], 403), (["patient_relative"], 403), (["practitioner"], 200), (["nurse"], 200), (["mis"], 200)],
)
async def test_user_scopes_need_a_staff_role(
    client: httpx.AsyncClient, world: World, issuer: Issuer, roles: list[str], status: int
) -> None:
    headers = issuer.headers(scope="user/*.rs", roles=roles)
    response = await client.get(f"/fhir/Observation/{world.ids[world.bob]['Observation']}", headers=headers)
    assert response.status_code == status
    if status == 403:
        assert outcome(response, 403)["issue"][0]["details"]["coding"][0]["code"] == "access_denied"


@pytest.mark.parametrize(
    ("type_", "status"), [("Observation", 201), ("Immunization", 201), ("Condition", 403)]
)
async def test_a_nurse_writes_vitals_and_vaccinations_but_not_diagnoses(
    client: httpx.AsyncClient, world: World, issuer: Issuer, type_: str, status: int
) -> None:
    headers = {**issuer.headers(scope="user/*.cu", roles=["nurse"], org=res.ORGANIZATION), **JSON_HEADERS}
    body = next(r for r in res.one_of_each(world.alice) if r["resourceType"] == type_)
    response = await client.post(f"/fhir/{type_}", json=body, headers=headers)
    assert response.status_code == status, response.text


async def test_create_without_update_permission_cannot_update(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = {**issuer.headers(scope="system/Observation.c"), **JSON_HEADERS}
    oid = world.ids[world.alice]["Observation"]
    body = res.observation(world.alice)
    body["id"] = oid
    outcome(await client.put(f"/fhir/Observation/{oid}", json=body, headers=headers), 403)


class RefuseFor:
    """A consent gate that refuses one patient's records to every non-patient caller."""

    def __init__(self) -> None:
        self.refused: set[str] = set()
        self.asked: list[tuple[str, str]] = []

    def allows(self, session: Session, caller: Caller, patient_id: str) -> bool:
        self.asked.append((caller.subject, patient_id))
        return patient_id not in self.refused


@pytest.fixture
async def gated(
    make_db: Callable[..., str], issuer: Issuer
) -> AsyncIterator[tuple[httpx.AsyncClient, RefuseFor]]:
    from egisz_api.main import create_app

    gate = RefuseFor()
    async with running(create_app(fhir_settings(make_db("egisz_api"), issuer), consent_gate=gate)) as c:
        yield c, gate


async def test_the_consent_gate_withholds_records_from_staff_not_from_the_patient(
    gated: tuple[httpx.AsyncClient, RefuseFor], issuer: Issuer
) -> None:
    client, gate = gated
    writer = issuer.headers(scope="system/*.cruds")
    alice = await create(client, writer, res.patient("112-233-445 95", "Иванов"))
    bob = await create(client, writer, res.patient("123-456-789 64", "Петрова"))
    bobs_obs = await create(client, writer, res.observation(bob))
    await create(client, writer, res.observation(alice))
    gate.refused.add(bob)
    doctor = issuer.headers(scope="user/*.rs", roles=["practitioner"], sub="doctor")
    response = await client.get(f"/fhir/Observation/{bobs_obs}", headers=doctor)
    assert "consent" in outcome(response, 403)["issue"][0]["diagnostics"]
    bundle = valid((await client.get("/fhir/Observation", headers=doctor)).content)
    assert {e["resource"]["subject"]["reference"] for e in bundle["entry"]} == {f"Patient/{alice}"}
    own = issuer.headers(scope="patient/*.rs", patient=bob, sub="bob")
    assert (await client.get(f"/fhir/Observation/{bobs_obs}", headers=own)).status_code == 200
    assert ("bob", bob) not in gate.asked and ("doctor", bob) in gate.asked
