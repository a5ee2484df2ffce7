"""R4 RESTful interactions (http.html): read, vread, history, create, update, capabilities."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI

from egisz_api.records.parameters import DEFINITIONS
from egisz_api.signatures.rules import is_deletable
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, outcome, valid

JSON_HEADERS = {"Content-Type": FHIR_JSON}


async def test_metadata_lists_exactly_the_served_types_and_parameters(client: httpx.AsyncClient) -> None:
    response = await client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    statement = valid(response.content)
    assert statement["fhirVersion"] == "4.0.1"
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    served_types = {
        *DEFINITIONS,
        "AuditEvent",
        "Subscription",
        "Measure",
        "MeasureReport",
        "CodeSystem",
        "ValueSet",
    }
    assert set(served) == served_types
    for read_only in ("AuditEvent", "CodeSystem", "ValueSet"):
        assert {i["code"] for i in served.pop(read_only)["interaction"]} == {"read", "search-type"}
    assert {i["code"] for i in served.pop("Subscription")["interaction"]} == {
        "create",
        "read",
        "search-type",
        "delete",
    }
    # the authorities' aggregates (docs/reports.md; tests/egisz_api/reports/test_capability.py)
    assert {i["code"] for i in served.pop("Measure")["interaction"]} == {"read", "search-type"}
    assert {i["code"] for i in served.pop("MeasureReport")["interaction"]} == {"search-type"}
    for type_, entry in served.items():
        names = {p["name"] for p in entry["searchParam"]}
        assert names == {"_id", "_lastUpdated", *DEFINITIONS[type_].parameters}
        reads = {"read", "vread", "history-instance", "search-type"}
        writes = set() if type_ == "Provenance" else {"create", "update"}
        # clinical records: DELETE marks them entered-in-error (EGISZ.md §5 (C))
        deletes = {"delete"} if is_deletable(type_) else set()
        assert {i["code"] for i in entry["interaction"]} == reads | writes | deletes, type_
    assert served["DiagnosticReport"]["searchInclude"] == ["DiagnosticReport:result"]


async def test_smart_configuration_points_at_the_idp(client: httpx.AsyncClient, issuer: Issuer) -> None:
    response = await client.get("/fhir/.well-known/smart-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    config = response.json()
    assert config["issuer"] == issuer.url
    assert config["authorization_endpoint"] == f"{issuer.url}/authorize"
    assert config["token_endpoint"] == f"{issuer.url}/token"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert {"permission-v2", "permission-patient", "permission-user"} <= set(config["capabilities"])
    # issue 13 item 4: a SMART app's standalone patient launch against the idp
    assert {
        "launch-standalone",
        "client-public",
        "client-confidential-symmetric",
        "client-confidential-asymmetric",
        "context-standalone-patient",
        "sso-openid-connect",
    } <= set(config["capabilities"])
    assert "launch-ehr" not in config["capabilities"]  # no EHR hands over a context here
    assert {"launch/patient", "fhirUser", "patient/*.rs", "openid"} <= set(config["scopes_supported"])


async def test_create_assigns_id_and_version_and_read_serves_the_stored_bytes(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    sent = res.observation(world.alice)
    sent["id"] = "client-chosen"
    created = await client.post("/fhir/Observation", json=sent, headers={**world.writer, **JSON_HEADERS})
    assert created.status_code == 201
    body = valid(created.content)
    assert body["id"] != "client-chosen"
    assert body["meta"]["versionId"] == "1"
    assert created.headers["etag"] == 'W/"1"'
    assert created.headers["location"].endswith(f"/fhir/Observation/{body['id']}/_history/1")
    read = await client.get(f"/fhir/Observation/{body['id']}", headers=issuer.headers(scope="system/*.rs"))
    assert read.status_code == 200
    assert read.content == created.content  # the stored bytes, not a re-serialisation
    assert read.headers["etag"] == 'W/"1"'
    assert read.headers["last-modified"].endswith("GMT")
    assert json.loads(read.content)["code"]["text"] == "Гемоглобин"


async def test_if_none_match_with_the_current_etag_is_304(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    url = f"/fhir/Patient/{world.alice}"
    headers = issuer.headers(scope="system/*.rs")
    assert (await client.get(url, headers={**headers, "If-None-Match": 'W/"1"'})).status_code == 304
    assert (await client.get(url, headers={**headers, "If-None-Match": 'W/"7"'})).status_code == 200


async def test_update_makes_a_new_version_and_vread_and_history_keep_the_old(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    oid = world.ids[world.alice]["Observation"]
    reader = issuer.headers(scope="system/*.rs")
    current = (await client.get(f"/fhir/Observation/{oid}", headers=reader)).json()
    current["status"] = "amended"
    updated = await client.put(
        f"/fhir/Observation/{oid}",
        json=current,
        headers={**world.writer, **JSON_HEADERS, "If-Match": 'W/"1"'},
    )
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] == 'W/"2"'
    assert valid(updated.content)["meta"]["versionId"] == "2"
    first = await client.get(f"/fhir/Observation/{oid}/_history/1", headers=reader)
    assert first.status_code == 200 and first.json()["status"] == "final"
    second = await client.get(f"/fhir/Observation/{oid}/_history/2", headers=reader)
    assert second.json()["status"] == "amended"
    outcome(await client.get(f"/fhir/Observation/{oid}/_history/3", headers=reader), 404)
    outcome(await client.get(f"/fhir/Observation/{oid}/_history/x", headers=reader), 404)
    history = valid((await client.get(f"/fhir/Observation/{oid}/_history", headers=reader)).content)
    assert history["type"] == "history"
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    assert [e["request"]["method"] for e in history["entry"]] == ["PUT", "POST"]
    paged = valid((await client.get(f"/fhir/Observation/{oid}/_history?_count=1", headers=reader)).content)
    assert len(paged["entry"]) == 1
    next_url = next(link["url"] for link in paged["link"] if link["relation"] == "next")
    rest = valid((await client.get(next_url, headers=reader)).content)
    assert [e["resource"]["meta"]["versionId"] for e in rest["entry"]] == ["1"]


async def test_if_match_on_another_version_is_412(client: httpx.AsyncClient, world: World) -> None:
    oid = world.ids[world.alice]["Observation"]
    body = res.observation(world.alice)
    body["id"] = oid
    response = await client.put(
        f"/fhir/Observation/{oid}", json=body, headers={**world.writer, **JSON_HEADERS, "If-Match": 'W/"5"'}
    )
    assert "current version is 1" in outcome(response, 412)["issue"][0]["diagnostics"]
    bad = await client.put(
        f"/fhir/Observation/{oid}", json=body, headers={**world.writer, **JSON_HEADERS, "If-Match": "soon"}
    )
    outcome(bad, 400)


async def test_update_based_on_an_old_version_is_409(client: httpx.AsyncClient, world: World) -> None:
    oid = world.ids[world.alice]["Observation"]
    body = res.observation(world.alice)
    body.update(id=oid, meta={"versionId": "1"})
    ok = await client.put(f"/fhir/Observation/{oid}", json=body, headers={**world.writer, **JSON_HEADERS})
    assert ok.status_code == 200
    stale = await client.put(f"/fhir/Observation/{oid}", json=body, headers={**world.writer, **JSON_HEADERS})
    assert "based on version 1" in outcome(stale, 409)["issue"][0]["diagnostics"]


async def test_put_to_a_new_id_creates_it_and_a_mismatched_id_is_400(
    client: httpx.AsyncClient, world: World
) -> None:
    body = res.encounter(world.alice)
    body["id"] = "enc-chosen-1"
    created = await client.put(
        "/fhir/Encounter/enc-chosen-1", json=body, headers={**world.writer, **JSON_HEADERS}
    )
    assert created.status_code == 201 and created.json()["id"] == "enc-chosen-1"
    body["id"] = "other"
    mismatch = await client.put(
        "/fhir/Encounter/enc-chosen-1", json=body, headers={**world.writer, **JSON_HEADERS}
    )
    assert "does not match" in outcome(mismatch, 400)["issue"][0]["diagnostics"]


async def test_everything_returns_the_compartment_paged(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = issuer.headers(scope="patient/*.rs", patient=world.alice)
    seen: list[str] = []
    url: str | None = f"/fhir/Patient/{world.alice}/$everything?_count=4"
    while url:
        page = valid((await client.get(url, headers=headers)).content)
        assert len(page.get("entry", [])) <= 4
        seen.extend(f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in page.get("entry", []))
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    expected = {f"{t}/{i}" for t, i in world.ids[world.alice].items()}
    assert set(seen) == expected and len(seen) == len(expected)
    other = await client.get(f"/fhir/Patient/{world.bob}/$everything", headers=headers)
    outcome(other, 404)


async def test_an_access_is_recorded_for_granted_and_denied_reads(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    """Both reads reach the durable BALP trail («Кто смотрел мою карту»), the denied one too."""
    import json

    from egisz_api.audit import service as audit_service

    headers = issuer.headers(scope="patient/*.rs", patient=world.alice, sub="alice-sub")
    assert (
        await client.get(f"/fhir/Observation/{world.ids[world.alice]['Observation']}", headers=headers)
    ).status_code == 200
    assert (
        await client.get(f"/fhir/Observation/{world.ids[world.bob]['Observation']}", headers=headers)
    ).status_code == 404
    assert fhir_app.state.audit_sink.flush(30)
    with fhir_app.state.session_factory() as session:
        page = audit_service.search(session, count=100, newest_first=False)
    mine = [event for event in page.resources() if "alice-sub" in json.dumps(event)]
    assert [(e["subtype"][0]["code"], e["outcome"]) for e in mine] == [("read", "0"), ("read", "4")]
    assert f"Patient/{world.alice}" in json.dumps(mine[0])
    assert mine[1]["outcomeDesc"] == "not_found"


async def test_a_search_by_snils_is_recorded_in_that_patients_trail(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    """The idp's SMART launch lookup (docs/smart.md) is ``Patient?identifier=<SNILS>`` with a
    system token: the person sees it in «Кто смотрел мою карту», though no ``patient`` was searched."""
    from egisz_api.audit import service as audit_service

    headers = issuer.headers(scope="system/Patient.rs", sub="idp", client_id="idp")
    found = await client.get(
        "/fhir/Patient",
        params={"identifier": "urn:oid:1.2.643.2.69.1.1.1.6.223|11223344595"},
        headers=headers,
    )
    assert [e["resource"]["id"] for e in found.json()["entry"]] == [world.alice]
    both = await client.get("/fhir/Patient", params={"_count": "10"}, headers=headers)
    assert len(both.json()["entry"]) == 2
    assert fhir_app.state.audit_sink.flush(30)
    with fhir_app.state.session_factory() as session:
        alices = audit_service.search(session, patient=world.alice, agent="idp", count=100).resources()
        bobs = audit_service.search(session, patient=world.bob, agent="idp", count=100).resources()
    assert [e["subtype"][0]["code"] for e in alices] == ["search-type"]
    assert bobs == []  # a search over two patients is linked to neither
