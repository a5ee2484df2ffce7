"""The CapabilityStatement lists exactly what works: every interaction, search parameter,
``_include`` and operation it names is answered by the router, and every one it leaves out is
refused (404/405/400). The statement cannot drift from the code: this test asks the server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from egisz_api.audit.query import SEARCH_PARAMETERS
from egisz_api.records.parameters import DEFINITIONS
from egisz_api.terminology.schemas import SEARCH_PARAMETERS as TERMINOLOGY_PARAMETERS
from egisz_api.terminology.schemas import TYPES as TERMINOLOGY_TYPES
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import Issuer, World, valid

#: every type-level and instance-level interaction of FHIR R4 (restful-interaction)
ALL_INTERACTIONS = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)
SAMPLES = {"token": "x", "date": "ge2024-01-01", "string": "a", "uri": "urn:egisz:vs:icd-10"}
#: token parameters whose values are a closed set
NAMED_SAMPLES = {"action": "R", "outcome": "0", "type": "rest", "subtype": "read"}


def _mighty(issuer: Issuer) -> dict[str, str]:
    return issuer.headers(
        scope="system/*.cruds user/*.cruds",
        roles=["mis", "admin", "auditor", "registrar"],
        org=res.ORGANIZATION,
    )


async def _statement(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/fhir/metadata")
    statement = valid(response.content)
    (rest,) = statement["rest"]
    service = rest["security"]["service"][0]["coding"][0]
    assert service["code"] == "SMART-on-FHIR"
    return {entry["type"]: entry for entry in rest["resource"]}


async def _an_instance(client: httpx.AsyncClient, issuer: Issuer, world: World, type_: str) -> dict[str, Any]:
    if type_ == "Subscription":
        subscribed = await client.post(
            "/fhir/Subscription",
            json={
                "resourceType": "Subscription",
                "status": "requested",
                "reason": "capability check",
                "criteria": f"Immunization?patient={world.alice}",
                "channel": {"type": "rest-hook", "endpoint": "http://127.0.0.1:9/hook"},
            },
            headers={**_mighty(issuer), "Content-Type": "application/fhir+json"},
        )
        assert subscribed.status_code == 201, subscribed.text
        created: dict[str, Any] = subscribed.json()
        return created
    if type_ == "AuditEvent" or type_ in TERMINOLOGY_TYPES:
        found = await client.get(
            f"/fhir/{type_}?_count=1" if type_ == "AuditEvent" else f"/fhir/{type_}", headers=_mighty(issuer)
        )
        resource: dict[str, Any] = found.json()["entry"][0]["resource"]
        return resource
    rid = world.ids[world.alice][type_]
    response = await client.get(f"/fhir/{type_}/{rid}", headers=_mighty(issuer))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def _try(
    client: httpx.AsyncClient, issuer: Issuer, interaction: str, type_: str, resource: dict[str, Any]
) -> httpx.Response:
    rid = resource["id"]
    body = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    headers = {**_mighty(issuer), "Content-Type": "application/fhir+json"}
    method, path, content = {
        "read": ("GET", f"/fhir/{type_}/{rid}", None),
        "vread": ("GET", f"/fhir/{type_}/{rid}/_history/1", None),
        "update": ("PUT", f"/fhir/{type_}/{rid}", {**body, "id": rid}),
        "patch": ("PATCH", f"/fhir/{type_}/{rid}", []),
        "delete": ("DELETE", f"/fhir/{type_}/{rid}", None),
        "history-instance": ("GET", f"/fhir/{type_}/{rid}/_history", None),
        "history-type": ("GET", f"/fhir/{type_}/_history", None),
        "create": ("POST", f"/fhir/{type_}", body),
        "search-type": ("GET", f"/fhir/{type_}", None),
    }[interaction]
    return await client.request(
        method, path, headers=headers, content=None if content is None else json.dumps(content)
    )


#: the authorities' aggregates: checked against the statement in tests/egisz_api/reports/test_capability.py
REPORT_TYPES = ("Measure", "MeasureReport")


def _engine(served: dict[str, Any]) -> dict[str, Any]:
    return {t: e for t, e in served.items() if t not in REPORT_TYPES}


async def test_the_served_types_are_the_tables_types(client: httpx.AsyncClient) -> None:
    served = await _statement(client)
    assert set(served) == {*DEFINITIONS, "AuditEvent", "Subscription", *REPORT_TYPES, *TERMINOLOGY_TYPES}
    for type_, entry in _engine(served).items():
        names = {p["name"] for p in entry["searchParam"]}
        if type_ in TERMINOLOGY_TYPES:
            assert names == set(TERMINOLOGY_PARAMETERS), type_
            continue
        expected = (
            set(SEARCH_PARAMETERS)
            if type_ == "AuditEvent"
            else set()
            if type_ == "Subscription"
            else {"_id", "_lastUpdated", *DEFINITIONS[type_].parameters}
        )
        assert names == expected, type_


async def test_every_interaction_listed_works_and_every_other_is_refused(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    served = _engine(await _statement(client))
    for type_, entry in served.items():
        listed = {i["code"] for i in entry["interaction"]}
        assert listed <= set(ALL_INTERACTIONS)
        resource = await _an_instance(client, issuer, world, type_)
        for interaction in ALL_INTERACTIONS:
            response = await _try(client, issuer, interaction, type_, resource)
            if interaction in listed:
                assert response.status_code in (200, 201), (type_, interaction, response.text)
                valid(response.content)
            else:
                assert response.status_code in (404, 405), (type_, interaction, response.status_code)
                assert response.headers["content-type"].startswith("application/fhir+json")


async def test_every_search_parameter_listed_is_accepted_and_no_other(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    served = _engine(await _statement(client))
    for type_, entry in served.items():
        for param in entry["searchParam"]:
            name, kind = param["name"], param["type"]
            value = NAMED_SAMPLES.get(name) if type_ == "AuditEvent" else None
            value = value or (f"Patient/{world.alice}" if kind == "reference" else SAMPLES[kind])
            response = await client.get(f"/fhir/{type_}", params={name: value}, headers=_mighty(issuer))
            assert response.status_code == 200, (type_, name, response.text)
            valid(response.content)
        refused = await client.get(
            f"/fhir/{type_}", params={"no-such-parameter": "1"}, headers=_mighty(issuer)
        )
        assert refused.status_code == 400, type_
        for include in entry.get("searchInclude", []):
            response = await client.get(
                f"/fhir/{type_}", params={"_include": include}, headers=_mighty(issuer)
            )
            assert response.status_code == 200, (type_, include, response.text)
        unlisted = await client.get(
            f"/fhir/{type_}", params={"_include": f"{type_}:no-such-include"}, headers=_mighty(issuer)
        )
        assert unlisted.status_code == 400, type_


@pytest.mark.parametrize("type_", sorted(DEFINITIONS))
async def test_operations_are_exactly_the_listed_ones(
    client: httpx.AsyncClient, world: World, issuer: Issuer, type_: str
) -> None:
    served = await _statement(client)
    operations = {o["name"] for o in served[type_].get("operation", [])}
    rid = world.ids[world.alice][type_]
    response = await client.get(f"/fhir/{type_}/{rid}/$everything", headers=_mighty(issuer))
    if "everything" in operations:
        assert response.status_code == 200, response.text
        assert valid(response.content)["type"] == "searchset"
    else:
        assert response.status_code in (404, 405)
    response = await client.get(f"/fhir/{type_}/{rid}/$covid-certificate", headers=_mighty(issuer))
    if "covid-certificate" in operations:
        # world's patients have no completed COVID-19 dose of a known code: the operation answers so
        served_here = response.status_code == 200 or "no_completed_vaccination" in response.text
        assert served_here, response.text
    else:
        assert response.status_code in (404, 405)
        assert "no_completed_vaccination" not in response.text


#: a call of each terminology operation the statement may list, and what it must answer
TERMINOLOGY_CALLS = {
    ("CodeSystem", "lookup"): "/fhir/CodeSystem/$lookup?system=urn:oid:1.2.643.2.69.1.1.1.2&code=I10",
    ("ValueSet", "validate-code"): (
        "/fhir/ValueSet/$validate-code?url=urn:egisz:vs:icd-10&system=urn:oid:1.2.643.2.69.1.1.1.2&code=I10"
    ),
}


@pytest.mark.parametrize("type_", TERMINOLOGY_TYPES)
async def test_terminology_operations_are_exactly_the_listed_ones(
    client: httpx.AsyncClient, issuer: Issuer, type_: str
) -> None:
    served = await _statement(client)
    operations = {o["name"] for o in served[type_]["operation"]}
    for (owner, name), path in TERMINOLOGY_CALLS.items():
        if owner != type_:
            continue
        response = await client.get(path, headers=_mighty(issuer))
        if name in operations:
            assert response.status_code == 200, response.text
            assert valid(response.content)["resourceType"] == "Parameters"
        else:
            assert response.status_code in (404, 405)
    assert operations <= {name for owner, name in TERMINOLOGY_CALLS if owner == type_}
    everything = await client.get(f"/fhir/{type_}/icd-10/$everything", headers=_mighty(issuer))
    assert everything.status_code in (404, 405)
