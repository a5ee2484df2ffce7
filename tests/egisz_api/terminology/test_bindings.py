"""Write-time code bindings: a clinical resource whose coded element is outside its value set is
refused with 422 ``code-invalid`` naming the element, and nothing is written (attacks: a made-up
ICD-10 code, a wrong code beside a right one, a code smuggled in the federal alias, an element
with no coding of its value set at all)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from egisz_api.terminology import service as terminology
from shared.db import make_engine
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, outcome

ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
ICD10_FEDERAL = "urn:oid:1.2.643.5.1.13.13.11.1005"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def _writer(issuer: Issuer) -> dict[str, str]:
    return {**issuer.headers(scope="system/*.cruds", roles=["mis"]), "Content-Type": FHIR_JSON}


async def _patient(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post(
        "/fhir/Patient", json=res.patient("112-233-445 95", "Иванов"), headers=headers
    )
    assert response.status_code == 201, response.text
    pid: str = response.json()["id"]
    return pid


def _refused(response: httpx.Response) -> tuple[list[str], str]:
    """The named elements of a 422 code-invalid OperationOutcome, and all its text."""
    data = outcome(response, 422)
    first, *issues = data["issue"]
    assert first["code"] == "code-invalid"
    assert first["details"]["coding"][0]["code"] == "code_not_in_value_set"
    assert all(i["code"] == "code-invalid" for i in issues)
    return [e for i in issues for e in i["expression"]], response.text


def _condition(pid: str, *codings: dict[str, str]) -> dict[str, Any]:
    body = res.condition(pid)
    body["code"] = {"coding": list(codings)}
    return body


async def test_a_condition_outside_icd10_is_refused_with_the_element_named_and_nothing_written(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    headers = _writer(issuer)
    pid = await _patient(client, headers)
    made_up = await client.post(
        "/fhir/Condition", json=_condition(pid, {"system": ICD10, "code": "X99.9"}), headers=headers
    )
    named, text = _refused(made_up)
    assert named == ["Condition.code.coding[0]"]
    assert "X99.9" not in text  # a diagnosis is medical data: never echoed
    # a wrong ICD-10 code beside a right one, and a wrong one under the federal OID (an alias)
    beside = _condition(pid, {"system": ICD10, "code": "I10"}, {"system": ICD10_FEDERAL, "code": "ZZZ"})
    assert _refused(await client.post("/fhir/Condition", json=beside, headers=headers))[0] == [
        "Condition.code.coding[1]"
    ]
    # no ICD-10 coding at all (a required binding): the element itself is named
    # a SNOMED CT disorder the value set does not hold; no coding of its systems at all
    not_held = _condition(pid, {"system": SNOMED, "code": "73211009"})
    assert _refused(await client.post("/fhir/Condition", json=not_held, headers=headers))[0] == [
        "Condition.code.coding[0]"
    ]
    local_only = _condition(pid, {"system": "urn:example:local-diagnoses", "code": "I10"})
    assert _refused(await client.post("/fhir/Condition", json=local_only, headers=headers))[0] == [
        "Condition.code"
    ]
    written = (await client.get("/fhir/Condition", params={"patient": pid}, headers=headers)).json()
    assert written["total"] == 0
    # the federal alias with a real code, and ICD-10 beside a SNOMED translation, pass
    for good in (
        _condition(pid, {"system": ICD10_FEDERAL, "code": "U07.1"}),
        _condition(pid, {"system": ICD10, "code": "E11.9"}, {"system": SNOMED, "code": "44054006"}),
    ):
        created = await client.post("/fhir/Condition", json=good, headers=headers)
        assert created.status_code == 201, created.text
    # an update to a code outside the value set is refused too; the stored version stays
    rid = created.json()["id"]
    changed = {**_condition(pid, {"system": ICD10, "code": "NOPE"}), "id": rid}
    named, _ = _refused(await client.put(f"/fhir/Condition/{rid}", json=changed, headers=headers))
    assert named == ["Condition.code.coding[0]"]
    current = await client.get(f"/fhir/Condition/{rid}", headers=headers)
    assert current.headers["etag"] == 'W/"1"'
    history = (await client.get(f"/fhir/Condition/{rid}/_history", headers=headers)).json()
    assert len(history["entry"]) == 1


def _bad_immunization(pid: str) -> dict[str, Any]:
    body = res.immunization(pid)
    body["vaccineCode"] = {"coding": [{"system": "urn:egisz:cs:vaccine", "code": "moderna"}]}
    return body


def _bad_encounter(pid: str) -> dict[str, Any]:
    body = res.encounter(pid)
    body["class"] = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "XYZ"}
    return body


def _bad_medication(pid: str) -> dict[str, Any]:
    body = res.medication_request(pid)
    body["medicationCodeableConcept"] = {
        "coding": [{"system": "urn:egisz:cs:medication", "code": "aspirin-9000"}]
    }
    return body


def _bad_service(pid: str) -> dict[str, Any]:
    body = res.service_request(pid)
    body["code"] = {"coding": [{"system": "urn:oid:1.2.643.5.1.13.13.11.1070", "code": "Z99.999"}]}
    return body


def _bad_lab(pid: str) -> dict[str, Any]:
    return res.observation(pid, code="8867-4")  # a heart rate is no lab test


def _bad_covid_result(pid: str) -> dict[str, Any]:
    body = res.observation(pid, code="94500-6")
    del body["valueQuantity"], body["referenceRange"]
    body["valueCodeableConcept"] = {
        "coding": [{"system": SNOMED, "code": "52101004"}]
    }  # "present": not a result here
    return body


def _bad_category(pid: str) -> dict[str, Any]:
    body = res.observation(pid)
    body["category"].append(
        {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "lab"}]}
    )
    return body


@pytest.mark.parametrize(
    ("build", "element"),
    [
        (_bad_immunization, "Immunization.vaccineCode.coding[0]"),
        (_bad_encounter, "Encounter.class"),
        (_bad_medication, "MedicationRequest.medicationCodeableConcept.coding[0]"),
        (_bad_service, "ServiceRequest.code.coding[0]"),
        (_bad_lab, "Observation.code.coding[0]"),
        (_bad_covid_result, "Observation.valueCodeableConcept.coding[0]"),
        (_bad_category, "Observation.category[1].coding[0]"),
    ],
)
async def test_each_bound_element_is_checked_and_named(
    client: httpx.AsyncClient, issuer: Issuer, build: Callable[[str], dict[str, Any]], element: str
) -> None:
    headers = _writer(issuer)
    pid = await _patient(client, headers)
    body = build(pid)
    named, _ = _refused(await client.post(f"/fhir/{body['resourceType']}", json=body, headers=headers))
    assert named == [element]


async def test_codes_in_their_value_sets_are_written(client: httpx.AsyncClient, issuer: Issuer) -> None:
    headers = _writer(issuer)
    pid = await _patient(client, headers)
    covid = res.observation(pid, code="94558-4")
    del covid["valueQuantity"], covid["referenceRange"]
    covid["valueCodeableConcept"] = {"coding": [{"system": SNOMED, "code": "260385009"}]}
    vitals = res.observation(pid, category="vital-signs", code="8867-4")  # not a lab test: unbound code
    translated = copy.deepcopy(res.observation(pid))
    translated["code"]["coding"].insert(0, {"system": "urn:oid:1.2.643.5.1.13.13.11.1080", "code": "1015900"})
    for body in (*res.one_of_each(pid), covid, vitals, translated):
        response = await client.post(f"/fhir/{body['resourceType']}", json=body, headers=headers)
        assert response.status_code == 201, (body["resourceType"], response.text)


def test_the_check_reads_each_value_set_once_per_process(make_db: Callable[..., str]) -> None:
    """Performance: after the first write of a type, the binding check runs no SQL at all (the
    value set's expansion is read once by its unique index, then a set lookup)."""
    engine = make_engine(make_db("egisz_api"))
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    condition = _condition("p1", {"system": ICD10, "code": "I10"})
    try:
        with Session(engine) as session:
            terminology.check_bindings(session, condition)
            assert statements  # the aliases and the ICD-10 expansion
            statements.clear()
            for _ in range(100):
                terminology.check_bindings(session, condition)
            with pytest.raises(Exception, match="not in the value set"):
                terminology.check_bindings(session, _condition("p1", {"system": ICD10, "code": "X"}))
            assert statements == []
    finally:
        engine.dispose()
