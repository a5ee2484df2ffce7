"""Staff processing of a patient's correction and deletion requests (issue 14 item 6; EGISZ.md §5
row 33; docs/rights.md "Processing"): each transition with its reason, a correction completed by a
normal write the Task's output names, a deletion that restricts (hidden from staff, still the
patient's) and never erases a clinical record, the notice queued. Attacks: a final status moved
again, the patient's words rewritten, an output of another patient or from before the request, a
hard DELETE of a clinical record, a role that may not process."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from egisz_api.notifications.models import NotificationOutboxRow
from tests.egisz_api.consent.support import give_consent, withdraw_consent
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, outcome, valid

JSON = {"Content-Type": FHIR_JSON}


def _patient(issuer: Issuer, pid: str) -> dict[str, str]:
    return {**issuer.headers(scope="patient/Task.crs patient/*.rs", patient=pid, roles=["patient"]), **JSON}


def _staff(issuer: Issuer, role: str = "registrar", scope: str = "user/Task.rus user/*.rs") -> dict[str, str]:
    return {**issuer.headers(scope=scope, roles=[role], sub=f"{role}-1"), **JSON}


async def _file(client: httpx.AsyncClient, issuer: Issuer, pid: str, **task: Any) -> dict[str, Any]:
    response = await client.post("/fhir/Task", json=res.task(pid, **task), headers=_patient(issuer, pid))
    assert response.status_code == 201, response.text
    return valid(response.content)


async def _move(
    client: httpx.AsyncClient, headers: dict[str, str], task: dict[str, Any], status: str, **changes: Any
) -> httpx.Response:
    body = {k: v for k, v in task.items() if k != "meta"}
    body.update(status=status, **changes)
    return await client.put(f"/fhir/Task/{task['id']}", json=body, headers=headers)


def _reason(text: str) -> dict[str, str]:
    return {"text": text}


def _notices(app: FastAPI, pid: str) -> list[dict[str, Any]]:
    with app.state.session_factory() as session:
        rows = session.scalars(
            select(NotificationOutboxRow).where(
                NotificationOutboxRow.patient_id == pid, NotificationOutboxRow.event == "request_processed"
            )
        )
        return [{"channel": r.channel, **json.loads(r.params)} for r in rows]


async def test_a_correction_is_accepted_then_completed_by_a_normal_write_the_output_names(
    client: httpx.AsyncClient, world: World, issuer: Issuer, fhir_app: FastAPI
) -> None:
    obs_id = world.ids[world.alice]["Observation"]
    task = await _file(client, issuer, world.alice, focus=f"Observation/{obs_id}")
    staff = _staff(issuer)
    accepted = await _move(client, staff, task, "accepted", statusReason=_reason("Проверяем запись"))
    assert accepted.status_code == 200, accepted.text
    task = valid(accepted.content)
    # the correction itself: the ordinary update path (with whatever it requires)
    observation = valid((await client.get(f"/fhir/Observation/{obs_id}", headers=world.writer)).content)
    observation["valueQuantity"] = {**observation.get("valueQuantity", {}), "value": 5.1}
    observation.pop("meta")
    corrected = await client.put(
        f"/fhir/Observation/{obs_id}", json=observation, headers={**world.writer, **JSON}
    )
    assert corrected.status_code == 200, corrected.text
    version = valid(corrected.content)["meta"]["versionId"]
    output = [
        {
            "type": {"coding": [{"system": "urn:egisz:task", "code": "new-version"}]},
            "valueReference": {"reference": f"Observation/{obs_id}/_history/{version}"},
        }
    ]
    done = await _move(
        client,
        staff,
        task,
        "completed",
        statusReason=_reason("Значение исправлено"),
        businessStatus={"coding": [{"system": "urn:egisz:task", "code": "corrected"}]},
        output=output,
    )
    assert done.status_code == 200, done.text
    seen = valid(
        (await client.get(f"/fhir/Task/{task['id']}", headers=_patient(issuer, world.alice))).content
    )
    assert seen["status"] == "completed" and seen["output"] == output
    assert seen["statusReason"]["text"] == "Значение исправлено"
    notices = _notices(fhir_app, world.alice)
    assert {(n["outcome"], n["kind"]) for n in notices} == {
        ("accepted", "correction"),
        ("completed", "correction"),
    }
    assert all("Значение" not in json.dumps(n, ensure_ascii=False) for n in notices)  # no reason text


async def test_a_request_is_rejected_with_a_reason_and_stays_rejected(
    client: httpx.AsyncClient, world: World, issuer: Issuer, fhir_app: FastAPI
) -> None:
    task = await _file(client, issuer, world.alice, focus=f"Encounter/{world.ids[world.alice]['Encounter']}")
    staff = _staff(issuer, "practitioner")
    no_reason = outcome(await _move(client, staff, task, "rejected"), 422)
    assert "statusReason" in no_reason["issue"][0]["diagnostics"]
    rejected = await _move(client, staff, task, "rejected", statusReason=_reason("Запись верна"))
    assert rejected.status_code == 200, rejected.text
    task = valid(rejected.content)
    for status in ("completed", "accepted", "requested"):
        outcome(await _move(client, staff, task, status, statusReason=_reason("снова")), 422)
    assert [n["outcome"] for n in _notices(fhir_app, world.alice)] == ["rejected"]


@pytest.mark.parametrize(
    "change",
    [
        {
            "input": [
                {"type": {"coding": [{"system": "urn:egisz:task", "code": "text"}]}, "valueString": "другое"}
            ]
        },
        {"code": {"coding": [{"system": "urn:egisz:task", "code": "deletion"}]}},
        {"authoredOn": "2020-01-01T00:00:00Z"},
    ],
    ids=["input", "code", "authoredOn"],
)
async def test_staff_cannot_rewrite_the_patients_request(
    client: httpx.AsyncClient, world: World, issuer: Issuer, change: dict[str, Any]
) -> None:
    task = await _file(client, issuer, world.alice, focus=f"Condition/{world.ids[world.alice]['Condition']}")
    response = await _move(client, _staff(issuer), task, "accepted", **change)
    outcome(response, 422)


async def test_a_completed_correction_must_name_a_new_version_of_the_own_record(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    obs_id = world.ids[world.alice]["Observation"]
    task = await _file(client, issuer, world.alice, focus=f"Observation/{obs_id}")
    staff = _staff(issuer)

    def done(reference: str) -> dict[str, Any]:
        return {
            "statusReason": _reason("Исправлено"),
            "businessStatus": {"coding": [{"system": "urn:egisz:task", "code": "corrected"}]},
            "output": [
                {
                    "type": {"coding": [{"system": "urn:egisz:task", "code": "new-version"}]},
                    "valueReference": {"reference": reference},
                }
            ],
        }

    # the version from before the request, another record, another patient's record, no output
    outcome(await _move(client, staff, task, "completed", **done(f"Observation/{obs_id}/_history/1")), 422)
    bobs = world.ids[world.bob]["Observation"]
    outcome(await _move(client, staff, task, "completed", **done(f"Observation/{bobs}/_history/1")), 422)
    outcome(await _move(client, staff, task, "completed", **done(f"Observation/{obs_id}/_history/9")), 422)
    outcome(
        await _move(
            client,
            staff,
            task,
            "completed",
            statusReason=_reason("Исправлено"),
            businessStatus={"coding": [{"system": "urn:egisz:task", "code": "corrected"}]},
        ),
        422,
    )


async def test_a_deletion_restricts_the_record_staff_lose_it_the_patient_keeps_it(
    client: httpx.AsyncClient, world: World, issuer: Issuer, fhir_app: FastAPI
) -> None:
    obs_id = world.ids[world.alice]["Observation"]
    task = await _file(client, issuer, world.alice, kind="deletion", focus=f"Observation/{obs_id}")
    staff = _staff(issuer, "auditor")
    done = await _move(
        client,
        staff,
        task,
        "completed",
        statusReason=_reason("Доступ к записи ограничен: удалить её запрещает закон о хранении"),
        businessStatus={"coding": [{"system": "urn:egisz:task", "code": "restricted"}]},
    )
    assert done.status_code == 200, done.text
    assert (
        valid(done.content)["output"][0]["valueReference"]["reference"] == f"Observation/{obs_id}/_history/2"
    )
    # staff and systems: hidden as if it did not exist (read, search, $everything)
    outcome(await client.get(f"/fhir/Observation/{obs_id}", headers=world.writer), 404)
    found = valid(
        (await client.get(f"/fhir/Observation?patient={world.alice}", headers=world.writer)).content
    )
    assert obs_id not in {e["resource"]["id"] for e in found.get("entry", [])}
    everything = valid(
        (await client.get(f"/fhir/Patient/{world.alice}/$everything", headers=world.writer)).content
    )
    assert obs_id not in {e["resource"]["id"] for e in everything.get("entry", [])}
    # the patient still reads it, labelled; nothing was deleted
    own = valid(
        (await client.get(f"/fhir/Observation/{obs_id}", headers=_patient(issuer, world.alice))).content
    )
    assert {
        "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
        "code": "R",
        "display": "restricted",
    } in own["meta"]["security"]
    assert [n["outcome"] for n in _notices(fhir_app, world.alice)] == ["completed"]


async def test_a_clinical_record_is_never_erased(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    obs_id = world.ids[world.alice]["Observation"]
    task = await _file(client, issuer, world.alice, kind="deletion", focus=f"Observation/{obs_id}")
    response = await _move(
        client,
        _staff(issuer),
        task,
        "completed",
        statusReason=_reason("Удалено"),
        businessStatus={"coding": [{"system": "urn:egisz:task", "code": "erased"}]},
        output=[
            {
                "type": {"coding": [{"system": "urn:egisz:task", "code": "new-version"}]},
                "valueReference": {"reference": f"Observation/{obs_id}/_history/1"},
            }
        ],
    )
    assert "never erased" in outcome(response, 422)["issue"][0]["diagnostics"]


async def test_contact_data_is_erased_by_a_normal_write_of_the_patient(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    task = await _file(
        client,
        issuer,
        world.alice,
        kind="deletion",
        focus=f"Patient/{world.alice}",
        text="Удалите мой e-mail",
    )
    patient = valid((await client.get(f"/fhir/Patient/{world.alice}", headers=world.writer)).content)
    patient.pop("meta")
    patient.pop("telecom", None)
    written = await client.put(f"/fhir/Patient/{world.alice}", json=patient, headers={**world.writer, **JSON})
    assert written.status_code == 200, written.text
    version = valid(written.content)["meta"]["versionId"]
    response = await _move(
        client,
        _staff(issuer),
        task,
        "completed",
        statusReason=_reason("Контактные данные удалены"),
        businessStatus={"coding": [{"system": "urn:egisz:task", "code": "erased"}]},
        output=[
            {
                "type": {"coding": [{"system": "urn:egisz:task", "code": "new-version"}]},
                "valueReference": {"reference": f"Patient/{world.alice}/_history/{version}"},
            }
        ],
    )
    assert response.status_code == 200, response.text


async def test_a_clinical_record_is_never_hard_deleted(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    obs_id = world.ids[world.alice]["Observation"]
    refused = await client.delete(f"/fhir/Observation/{obs_id}", headers=world.writer)
    assert refused.status_code in (403, 405), refused.text
    assert refused.headers["content-type"].startswith(FHIR_JSON)
    # an admin's DELETE only marks it entered-in-error (docs/fhir.md «Signed writes»): a new version
    admin = issuer.headers(scope="system/*.cruds", roles=["admin"])
    marked = await client.delete(f"/fhir/Observation/{obs_id}", headers=admin)
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "entered-in-error"
    first = await client.get(f"/fhir/Observation/{obs_id}/_history/1", headers=world.writer)
    assert first.status_code == 200 and first.json()["status"] == "final"


async def test_a_role_that_may_not_process_is_refused(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    task = await _file(
        client, issuer, world.alice, focus=f"Observation/{world.ids[world.alice]['Observation']}"
    )
    nurse = _staff(issuer, "nurse")
    outcome(await _move(client, nurse, task, "accepted", statusReason=_reason("ok")), 403)
    without_scope = _staff(issuer, "registrar", scope="user/*.rs")
    outcome(await _move(client, without_scope, task, "accepted", statusReason=_reason("ok")), 403)


async def test_staff_find_open_requests_by_code_and_status(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    task = await _file(
        client, issuer, world.alice, focus=f"Observation/{world.ids[world.alice]['Observation']}"
    )
    await _file(client, issuer, world.bob, kind="deletion", text="Удалите всё")
    found = valid(
        (
            await client.get(
                "/fhir/Task?code=urn:egisz:task|correction&status=requested", headers=_staff(issuer)
            )
        ).content
    )
    resources = [e["resource"] for e in found["entry"]]
    assert task["id"] in {r["id"] for r in resources}
    assert all(
        r["status"] == "requested" and r["code"]["coding"][0]["code"] == "correction" for r in resources
    )


async def test_a_withdrawn_consent_does_not_stop_processing_but_still_guards_the_record(
    client: httpx.AsyncClient, world: World, issuer: Issuer, fhir_app: FastAPI
) -> None:
    """EGISZ.md §5 row 33: the request has no consent gate (the patient's right), while the
    suspended record itself stays refused to staff (403 consent_revoked)."""
    obs_id = world.ids[world.alice]["Observation"]
    task = await _file(client, issuer, world.alice, kind="deletion", focus=f"Observation/{obs_id}")
    give_consent(fhir_app, world.alice)
    withdraw_consent(fhir_app, world.alice)
    staff = _staff(issuer)
    listed = valid((await client.get(f"/fhir/Task?patient={world.alice}", headers=staff)).content)
    assert task["id"] in {e["resource"]["id"] for e in listed["entry"]}
    answered = await _move(client, staff, task, "accepted", statusReason=_reason("Рассматриваем"))
    assert answered.status_code == 200, answered.text
    refused = outcome(await client.get(f"/fhir/Observation/{obs_id}", headers=staff), 403)
    assert "отозвал согласие" in refused["issue"][0]["diagnostics"]
