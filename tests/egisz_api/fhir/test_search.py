"""Search (R4 search.html): every parameter of every type, date prefixes, tokens, paging, sort,
_include, total; each Bundle validates against the R4 models."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from egisz_api.records.parameters import DEFINITIONS
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import Issuer, World, create, valid

READER = {"scope": "system/*.rs"}


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], url: str) -> list[str]:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    bundle = valid(response.content)
    assert bundle["type"] == "searchset"
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


# (type, query with {alice}/{bob} placeholders, does alice's record of that type match?)
CASES: list[tuple[str, str, bool]] = [
    ("Patient", "identifier=urn:oid:1.2.643.2.69.1.1.1.6.223|11223344595", True),
    ("Patient", "identifier=urn:oid:1.2.643.100.3|112-233-445 95", True),  # the X.509 SNILS OID alias
    ("Patient", "identifier=https://fhir.ru/ig/core/systems/snils|11223344595", True),
    ("Patient", "identifier=urn:oid:1.2.643.2.69.1.1.1.6.228|1234567890123456", True),
    ("Patient", "identifier=urn:oid:1.2.643.2.69.1.1.1.6.223|00000000000", False),
    # the managing organisation (the organisation restriction's index: test_organization_restriction.py)
    ("Patient", "organization=Organization/mo-1", True),
    ("Patient", "organization=Organization/mo-2", False),
    ("Patient", "organization-identifier=urn:oid:1.2.643.100.1|1027700999017", False),
    # business identifiers (conditional create; matches: tests/egisz_api/bundles/)
    ("Observation", "identifier=urn:lab|no-such-number", False),
    ("DiagnosticReport", "identifier=urn:lab|no-such-number", False),
    ("Immunization", "identifier=urn:lab|no-such-number", False),
    ("Encounter", "identifier=urn:lab|no-such-number", False),
    ("Patient", "family=иван", True),
    ("Patient", "family=ИВАНОВ", True),
    ("Patient", "given=Ива", True),
    ("Patient", "name=петро", False),
    ("Patient", "birthdate=1985", True),
    ("Patient", "birthdate=1985-04-12", True),
    ("Patient", "birthdate=lt1985-04-12", False),
    ("Patient", "gender=male", True),
    ("Patient", "_id={alice}", True),
    ("Encounter", "patient={alice}", True),
    ("Encounter", "subject=Patient/{alice}", True),
    ("Encounter", "date=2024-03-05", True),
    ("Encounter", "date=gt2024-03-06", False),
    ("Encounter", "status=finished", True),
    ("Encounter", "class=http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB", True),
    ("Encounter", "class=IMP", False),
    ("Encounter", "type=urn:oid:1.2.643.2.69.1.1.1.35|1", True),
    ("Encounter", "service-provider=Organization/mo-1", True),
    ("Encounter", "participant=Practitioner/doc-1", True),
    ("Condition", "patient={alice}&subject={alice}&encounter=enc-x", True),
    ("Condition", "category=encounter-diagnosis", True),
    ("Condition", "verification-status=entered-in-error", False),
    ("Provenance", "patient={alice}&agent=Practitioner/doc-1", True),
    (
        "Provenance",
        "recorded=gt2020-01-01&signature-type=urn:iso-astm:E1762-95:2013|1.2.840.10065.1.12.1.1",
        True,
    ),
    ("Provenance", "target=DocumentReference/none", False),
    ("Observation", "subject=Patient/{alice}&encounter=Encounter/none", False),
    ("Observation", "encounter=none", False),
    ("DiagnosticReport", "subject={alice}", True),
    ("ServiceRequest", "patient={alice}&subject={alice}&category=103693007", True),
    ("ServiceRequest", "requester=Practitioner/doc-1&performer=Organization/mo-2", True),
    ("MedicationRequest", "patient={alice}&subject={alice}&encounter=enc-x", True),
    ("Appointment", "practitioner=doc-1&location=Location/room-12", True),
    ("DocumentReference", "patient={alice}&subject={alice}&category=1", True),
    ("DocumentReference", "identifier=urn:oid:1.2.643.5.1.13.13.17.1|UNRZ-0001", True),
    ("Consent", "period=le2024-06&actor=Organization/mo-1", True),
    ("Consent", "period=2026", False),
    ("Consent", "period=2024", False),  # eq: the consent runs into 2025
    ("Condition", "code=urn:oid:1.2.643.2.69.1.1.1.2|J06.9", True),
    ("Condition", "code=J06.9,I10", True),
    ("Condition", "clinical-status=active", True),
    ("Condition", "onset-date=2024-03", True),
    ("Condition", "onset-date=le2024-02-29", False),
    ("Observation", "patient={alice}&code=http://loinc.org|718-7", True),
    ("Observation", "code=http://loinc.org|", True),
    ("Observation", "code=|718-7", False),  # the coding has a system
    ("Observation", "category=laboratory", True),
    ("Observation", "category=vital-signs", False),
    ("Observation", "status=final", True),
    ("Observation", "date=2024", True),
    ("Observation", "date=eq2024-03-05", True),
    ("Observation", "date=ge2024-03-05T10:00:00Z&date=lt2024-03-05T10:00:01Z", True),
    ("Observation", "date=lt2024-03-05", False),
    ("Observation", "date=gt2024-03-05", False),
    ("Observation", "date=le2024-03-05", True),
    ("Observation", "date=ge2024-03-06", False),
    ("Observation", "date=2024-03-05T13:00:00+03:00", True),  # the same second as 10:00:00Z
    ("Observation", "date=2024-03-05T13:00:01+03:00", False),  # a second later
    ("Observation", "date=2024-03-05T13:00+03:00", True),  # minute precision: [10:00Z, 10:01Z)
    ("Observation", "_lastUpdated=gt2000-01-01", True),
    ("Observation", "_lastUpdated=lt2000-01-01", False),
    ("DiagnosticReport", "category=LAB&code=58410-2&status=final&date=2024-03-05", True),
    ("DiagnosticReport", "patient={bob}", False),
    ("ServiceRequest", "status=active&intent=order&authored=2024-03-05", True),
    ("ServiceRequest", "code=A04.16.001", True),
    (
        "MedicationRequest",
        "status=active&intent=order&authoredon=ge2024-01-01&code=amoxicillin-500-caps",
        True,
    ),
    ("MedicationRequest", "authoredon=lt2024-01-01", False),
    ("Appointment", "patient={alice}&date=2024-04-01&status=booked", True),
    ("Appointment", "actor=Patient/{alice}", True),
    ("Appointment", "practitioner=nobody", False),
    ("Immunization", "patient={alice}&date=2024-01&status=completed&vaccine-code=sputnik-v", True),
    ("Immunization", "lot-number=xk-04", True),
    ("Immunization", "target-disease=U07.1", True),
    ("DocumentReference", "type=urn:oid:1.2.643.5.1.13.13.11.1520|341&date=2024-03-05&status=current", True),
    ("Consent", "patient={alice}&status=active&scope=patient-privacy&category=59284-0&date=2024", True),
    ("Consent", "status=inactive", False),
    ("Task", "patient={alice}&status=requested&code=urn:egisz:task|correction&intent=order", True),
    ("Task", "subject=Patient/{alice}&authored-on=ge2026-12-01", True),
    ("Task", "authored-on=lt2026-12-01", False),
    ("Task", "code=urn:egisz:task|deletion", False),
    ("Task", "focus=Observation/none", False),
]


@pytest.mark.parametrize(("type_", "query", "matches"), CASES)
async def test_search_parameter(
    client: httpx.AsyncClient, world: World, issuer: Issuer, type_: str, query: str, matches: bool
) -> None:
    url = f"/fhir/{type_}?" + query.format(alice=world.alice, bob=world.bob).replace("+", "%2B")
    found = await _ids(client, issuer.headers(**READER), url)
    assert (world.ids[world.alice][type_] in found) is matches
    if "patient={alice}" in query:
        assert world.ids[world.bob][type_] not in found


def test_every_parameter_of_every_type_has_a_case() -> None:
    covered = {(t, part.split("=")[0].split(":")[0]) for t, q, _ in CASES for part in q.split("&")}
    missing = {
        (t, p)
        for t, d in DEFINITIONS.items()
        for p in d.parameters
        if (t, p) not in covered and p not in ("based-on", "result")  # test_reference_parameters_...
    }
    assert not missing, missing


async def test_reference_parameters_match_by_target(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = issuer.headers(**READER)
    obs = await create(client, world.writer, res.observation(world.alice))
    report = res.diagnostic_report(world.alice, obs)
    report["basedOn"] = [{"reference": f"ServiceRequest/{world.ids[world.alice]['ServiceRequest']}"}]
    rid = await create(client, world.writer, report)
    assert await _ids(client, headers, f"/fhir/DiagnosticReport?result=Observation/{obs}") == [rid]
    sr = world.ids[world.alice]["ServiceRequest"]
    assert await _ids(client, headers, f"/fhir/DiagnosticReport?based-on={sr}") == [rid]
    assert (
        await _ids(
            client, headers, f"/fhir/DiagnosticReport?subject:Patient={world.bob}&result=Observation/{obs}"
        )
        == []
    )


async def test_include_adds_the_report_results(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    obs = await create(client, world.writer, res.observation(world.alice, code="2345-7"))
    rid = await create(client, world.writer, res.diagnostic_report(world.alice, obs))
    response = await client.get(
        f"/fhir/DiagnosticReport?_id={rid}&_include=DiagnosticReport:result", headers=issuer.headers(**READER)
    )
    bundle = valid(response.content)
    modes = [
        (e["resource"]["resourceType"], e["resource"]["id"], e["search"]["mode"]) for e in bundle["entry"]
    ]
    assert modes == [("DiagnosticReport", rid, "match"), ("Observation", obs, "include")]
    assert bundle["total"] == 1
    # a caller without Observation access gets the report but not its results
    only_reports = issuer.headers(scope="system/DiagnosticReport.rs")
    response = await client.get(
        f"/fhir/DiagnosticReport?_id={rid}&_include=DiagnosticReport:result", headers=only_reports
    )
    assert [e["search"]["mode"] for e in response.json()["entry"]] == ["match"]


async def _walk(client: httpx.AsyncClient, headers: dict[str, str], url: str) -> list[dict[str, Any]]:
    pages = []
    next_url: str | None = url
    while next_url:
        bundle = valid((await client.get(next_url, headers=headers)).content)
        pages.append(bundle)
        next_url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    return pages


async def test_count_is_clamped_to_100_and_total_is_given(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    response = await client.get("/fhir/Observation?_count=5000", headers=issuer.headers(**READER))
    bundle = valid(response.content)
    assert "_count=100" in bundle["link"][0]["url"]
    assert bundle["total"] == 2
    zero = valid((await client.get("/fhir/Observation?_count=0", headers=issuer.headers(**READER))).content)
    assert zero["total"] == 2 and "entry" not in zero


@pytest.mark.parametrize(
    "sort", ["", "&_sort=date", "&_sort=-date", "&_sort=_lastUpdated", "&_sort=-_lastUpdated"]
)
async def test_paging_is_stable_while_records_are_inserted(
    client: httpx.AsyncClient, world: World, issuer: Issuer, sort: str
) -> None:
    """Keyset paging: records inserted between pages never make a page repeat or skip one that
    was there when the search began."""
    headers = issuer.headers(**READER)
    before = []
    for day in range(1, 8):
        before.append(
            await create(client, world.writer, res.observation(world.alice, date=f"2023-05-{day:02d}"))
        )
    url = f"/fhir/Observation?patient={world.alice}&_count=3{sort}"
    first = valid((await client.get(url, headers=headers)).content)
    seen = [e["resource"]["id"] for e in first["entry"]]
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    # inserted after the first page: dated before, between and after what was paged
    for date in ("2020-01-01", "2023-05-04T12:00:00Z", "2030-01-01"):
        await create(client, world.writer, res.observation(world.alice, date=date))
    for page in await _walk(client, headers, next_url):
        seen.extend(e["resource"]["id"] for e in page.get("entry", []))
    assert len(seen) == len(set(seen)), "a record was served twice"
    assert set(before) | {world.ids[world.alice]["Observation"]} <= set(seen), "a record was skipped"


async def test_sort_by_date(client: httpx.AsyncClient, world: World, issuer: Issuer) -> None:
    headers = issuer.headers(**READER)
    for date in ("2022-01-01", "2025-01-01", "2021-06-01"):
        await create(client, world.writer, res.observation(world.bob, date=date))
    dates = []
    for page in await _walk(client, headers, f"/fhir/Observation?patient={world.bob}&_sort=-date&_count=2"):
        dates.extend(e["resource"]["effectiveDateTime"] for e in page.get("entry", []))
    assert dates == sorted(dates, reverse=True) and len(dates) == 4
    ascending = await _ids(client, headers, f"/fhir/Observation?patient={world.bob}&_sort=date")
    assert len(ascending) == 4


async def test_a_comma_is_or_and_a_repeated_parameter_is_and(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = issuer.headers(**READER)
    both = await _ids(client, headers, f"/fhir/Observation?patient={world.alice},{world.bob}")
    assert len(both) == 2
    none = await _ids(client, headers, f"/fhir/Observation?patient={world.alice}&patient={world.bob}")
    assert none == []


async def test_string_search_escapes_like_wildcards(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    assert await _ids(client, issuer.headers(**READER), "/fhir/Patient?family=" + quote("%")) == []
    assert await _ids(client, issuer.headers(**READER), "/fhir/Patient?family=" + quote("_")) == []
