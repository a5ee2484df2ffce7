"""``/fhir/AuditEvent`` («Кто смотрел мою карту» over FHIR): a patient sees only the events about
their own record, the search parameters of EGISZ.md §5 row 30 with stable paging, reading them is
itself audited, and nothing writes, changes or deletes one. Every answer validates against R4B."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.egisz_api.fhir.conftest import Issuer, World, outcome, valid

AUDITOR = {"scope": "user/AuditEvent.rs", "roles": ["auditor"], "sub": "dpo-1"}


def _patient(world: World, pid: str) -> dict[str, Any]:
    return {"scope": "patient/*.rs", "patient": pid, "sub": f"citizen-{pid}", "roles": ["patient"]}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def _search(
    client: httpx.AsyncClient, issuer: Issuer, claims: dict[str, Any], query: str = ""
) -> dict[str, Any]:
    response = await client.get(f"/fhir/AuditEvent?{query}", headers=issuer.headers(**claims))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = valid(response.content)
    assert bundle["type"] == "searchset"
    return bundle


def _events(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def _patients_of(event: dict[str, Any]) -> set[str]:
    return {
        e["what"]["reference"]
        for e in event.get("entity", [])
        if e.get("role", {}).get("code") == "1" and "what" in e
    }


def _touched(event: dict[str, Any]) -> set[str]:
    return {e["what"].get("reference", "") for e in event.get("entity", []) if "what" in e}


async def test_a_patient_sees_who_read_their_record_and_only_that(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    alice_obs = world.ids[world.alice]["Observation"]
    bob_obs = world.ids[world.bob]["Observation"]
    doctor = issuer.headers(
        scope="user/*.rs", roles=["practitioner"], sub="doctor-7", fhirUser="Practitioner/7"
    )
    assert (await client.get(f"/fhir/Observation/{alice_obs}", headers=doctor)).status_code == 200
    assert (await client.get(f"/fhir/Observation/{bob_obs}", headers=doctor)).status_code == 200

    bundle = await _search(client, issuer, _patient(world, world.alice), "_sort=-date")
    events = _events(bundle)
    assert events, "the doctor's read is in Alice's log"
    assert all(_patients_of(e) == {f"Patient/{world.alice}"} for e in events)
    doctor_reads = [e for e in events if f"Observation/{alice_obs}" in _touched(e)]
    assert len(doctor_reads) == 1
    (read,) = doctor_reads
    assert read["action"] == "R" and read["outcome"] == "0"
    assert read["subtype"][0]["code"] == "read"
    assert any(a.get("who", {}).get("reference") == "Practitioner/7" for a in read["agent"])
    assert not any(f"Observation/{bob_obs}" in _touched(e) for e in events)
    for entry in bundle["entry"]:
        assert entry["fullUrl"].endswith(f"/fhir/AuditEvent/{entry['resource']['id']}")

    # the read by id serves the same stored event
    one = await client.get(
        f"/fhir/AuditEvent/{read['id']}", headers=issuer.headers(**_patient(world, world.alice))
    )
    assert one.status_code == 200
    assert valid(one.content) == read


async def test_a_patient_cannot_reach_another_patients_events(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    bob_obs = world.ids[world.bob]["Observation"]
    assert (await client.get(f"/fhir/Observation/{bob_obs}", headers=world.writer)).status_code == 200
    bobs = _events(await _search(client, issuer, AUDITOR, f"patient=Patient/{world.bob}&subtype=read"))
    assert bobs
    target = bobs[0]["id"]
    alice = _patient(world, world.alice)

    for query in (f"patient=Patient/{world.bob}", f"patient={world.bob}", f"entity=Patient/{world.bob}"):
        events = _events(await _search(client, issuer, alice, query))
        assert all(_patients_of(e) <= {f"Patient/{world.alice}"} for e in events), query
        assert target not in {e["id"] for e in events}
    assert not _events(await _search(client, issuer, alice, f"patient=Patient/{world.bob}"))

    data = outcome(await client.get(f"/fhir/AuditEvent/{target}", headers=issuer.headers(**alice)), 404)
    assert data["issue"][0]["code"] == "not-found"
    # the attempt is in Bob's log (it touched his record), refused, naming the event it aimed at
    attempts = _events(
        await _search(client, issuer, AUDITOR, f"patient=Patient/{world.bob}&entity=AuditEvent/{target}")
    )
    assert [(e["outcome"], e["subtype"][0]["code"]) for e in attempts] == [("4", "read")]
    # and a token whose patient claim is missing but whose SNILS is Alice's is bound to Alice too
    by_snils = {
        "scope": "patient/AuditEvent.rs",
        "snils": "11223344595",
        "sub": "citizen-x",
        "roles": ["patient"],
    }
    outcome(await client.get(f"/fhir/AuditEvent/{target}", headers=issuer.headers(**by_snils)), 404)
    events = _events(await _search(client, issuer, by_snils))
    assert events and all(_patients_of(e) == {f"Patient/{world.alice}"} for e in events)


@pytest.mark.parametrize(
    "claims",
    [
        {"scope": "patient/Observation.rs", "roles": ["patient"]},  # no AuditEvent scope
        {"scope": "user/AuditEvent.rs", "roles": ["practitioner"]},  # not a reviewer
        {"scope": "patient/AuditEvent.rs", "roles": ["patient"], "snils": "000-000-000 00"},  # no Patient
    ],
)
async def test_who_may_not_read_audit_events(
    client: httpx.AsyncClient, world: World, issuer: Issuer, claims: dict[str, Any]
) -> None:
    outcome(await client.get("/fhir/AuditEvent", headers=issuer.headers(**claims)), 403)
    outcome(await client.get("/fhir/AuditEvent/anything", headers=issuer.headers(**claims)), 403)
    outcome(await client.get("/fhir/AuditEvent"), 401)


async def test_no_interaction_writes_an_audit_event(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    mighty = issuer.headers(scope="system/*.cruds user/*.cruds", roles=["admin", "auditor", "mis"])
    (event,) = _events(await _search(client, issuer, AUDITOR, "_count=1"))
    body = {**event, "outcome": "0", "outcomeDesc": "rewritten"}
    for method, path in (
        ("POST", "/fhir/AuditEvent"),
        ("PUT", f"/fhir/AuditEvent/{event['id']}"),
        ("PATCH", f"/fhir/AuditEvent/{event['id']}"),
        ("DELETE", f"/fhir/AuditEvent/{event['id']}"),
        ("DELETE", "/fhir/AuditEvent"),
        ("PUT", "/fhir/AuditEvent/new-one"),
    ):
        response = await client.request(
            method, path, json=body, headers={**mighty, "Content-Type": "application/fhir+json"}
        )
        data = outcome(response, 405)
        assert response.headers["allow"] == "GET", (method, path)
        assert data["issue"][0]["code"] == "not-supported"
    again = await client.get(f"/fhir/AuditEvent/{event['id']}", headers=issuer.headers(**AUDITOR))
    assert valid(again.content) == event
    assert (
        await client.get("/fhir/AuditEvent/new-one", headers=issuer.headers(**AUDITOR))
    ).status_code == 404


async def test_search_parameters(client: httpx.AsyncClient, world: World, issuer: Issuer) -> None:
    alice_obs = world.ids[world.alice]["Observation"]
    doctor = issuer.headers(
        scope="user/*.rs", roles=["practitioner"], sub="doctor-9", fhirUser="Practitioner/9"
    )
    await client.get(f"/fhir/Observation/{alice_obs}", headers=doctor)
    await client.get(
        f"/fhir/Observation/{world.ids[world.bob]['Observation']}", headers=doctor
    )  # Bob: not hers
    await client.get(f"/fhir/Observation?patient={world.alice}", headers=doctor)
    nurse = issuer.headers(scope="patient/Observation.rs", roles=["nurse"], patient=world.bob, sub="nurse")
    outcome(await client.get(f"/fhir/Observation/{alice_obs}", headers=nurse), 404)  # refused: outcome 4
    today = dt.datetime.now(dt.UTC).date()
    me = f"patient=Patient/{world.alice}"

    async def ids(query: str) -> list[str]:
        return [e["id"] for e in _events(await _search(client, issuer, AUDITOR, f"{me}&_count=100&{query}"))]

    # each of these searches is itself one more (successful) event in Alice's log: compare the
    # answers on the events that were there before they started
    everything = await ids("")

    async def among(query: str) -> list[str]:
        return [i for i in await ids(query) if i in everything]

    by_doctor = await ids("agent=Practitioner/9")
    assert len(by_doctor) == 2 and set(by_doctor) <= set(everything)
    assert len(await ids("agent=Practitioner/9&action=R")) == 1
    assert len(await ids("agent=Practitioner/9&action=E")) == 1
    assert len(await ids("agent=Practitioner/9&subtype=search-type")) == 1
    assert len(await ids("agent=Practitioner/9&subtype=http://hl7.org/fhir/restful-interaction|read")) == 1
    assert len(await ids(f"entity=Observation/{alice_obs}&agent=Practitioner/9")) == 1
    refused = await ids("outcome=4")
    assert refused and set(refused) < set(everything)
    assert set(await among("outcome=0,4")) == set(everything)
    assert set(await among("type=rest")) == set(everything)
    assert set(await among("type=http://terminology.hl7.org/CodeSystem/audit-event-type|rest")) == set(
        everything
    )
    assert await ids("type=other") == []
    assert set(await among(f"date=ge{today.isoformat()}")) == set(everything)
    assert set(await among(f"date={today.isoformat()}")) == set(everything)
    assert await ids("date=lt2000-01-01") == []
    assert await ids(f"date=gt{today.isoformat()}") == []
    newest_first = await among("_sort=-date")
    oldest_first = await among("_sort=date")
    assert newest_first == list(reversed(oldest_first)) and len(newest_first) == len(everything)


@pytest.mark.parametrize(
    "query",
    ["date=yesterday", "date=ne2024", "_count=ten", "_sort=agent", "outcome=x|0", "entity=12", "_cursor=zz"],
)
async def test_bad_values_are_400(
    client: httpx.AsyncClient, world: World, issuer: Issuer, query: str
) -> None:
    outcome(await client.get(f"/fhir/AuditEvent?{query}", headers=issuer.headers(**AUDITOR)), 400)


async def test_unknown_parameters_are_400_unless_lenient(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    alice = _patient(world, world.alice)
    data = outcome(
        await client.get("/fhir/AuditEvent?foo=bar&_count=5", headers=issuer.headers(**alice)), 400
    )
    assert "foo" in data["issue"][0]["diagnostics"]
    response = await client.get(
        "/fhir/AuditEvent?foo=bar&_count=5", headers={**issuer.headers(**alice), "Prefer": "handling=lenient"}
    )
    assert response.status_code == 200
    self_link = valid(response.content)["link"][0]["url"]
    assert "foo" not in self_link and "_count=5" in self_link


async def test_paging_is_stable_while_the_log_grows(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    alice_obs = world.ids[world.alice]["Observation"]
    for _ in range(7):
        await client.get(f"/fhir/Observation/{alice_obs}", headers=world.writer)
    alice = _patient(world, world.alice)
    url = "/fhir/AuditEvent?_count=3&_sort=-date"
    seen: list[str] = []
    pages = 0
    while url:
        bundle = await _search(client, issuer, alice, url.split("?", 1)[1])
        seen += [e["id"] for e in _events(bundle)]
        # every page fetched is one more event in this very log: never seen on a later page
        await client.get(f"/fhir/Observation/{alice_obs}", headers=world.writer)
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        url = _path(links["next"]) if "next" in links else ""
        pages += 1
    assert len(seen) == len(set(seen)) >= 7
    assert pages >= 3


async def test_reading_the_log_is_itself_in_the_log(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    alice = _patient(world, world.alice)
    await _search(client, issuer, alice, "action=R")
    events = _events(await _search(client, issuer, alice, "subtype=search-type&_sort=-date"))
    own = [
        e
        for e in events
        if any(a.get("who", {}).get("identifier", {}).get("value") == alice["sub"] for a in e["agent"])
    ]
    assert own, "Alice's earlier search of her log is in it"
    query = [e for e in own[0]["entity"] if e.get("role", {}).get("code") == "24"]
    assert base64.b64decode(query[0]["query"]).decode() == "action=R"
    assert own[0]["purposeOfEvent"][0]["coding"][0]["code"] == "PATRQT"
