"""The AuditEvent of an access has the IHE BALP shape (EGISZ.md §2.4) and is valid FHIR R4 (R4B models)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent

from egisz_api.audit.balp import (
    ACTIONS,
    AccessRecord,
    AuditRow,
    Outcome,
    build_audit_event,
    to_row,
)
from tests.egisz_api.audit.conftest import T0, access


def _build(record: AccessRecord) -> dict[str, Any]:
    event = build_audit_event(record, observer="egisz-test")
    AuditEvent.model_validate(event)  # raises on anything R4 does not allow
    return event


def _agent(event: dict[str, Any], code: str) -> dict[str, Any]:
    (agent,) = [a for a in event["agent"] if a["type"]["coding"][0]["code"] == code]
    return agent


def _entity(event: dict[str, Any], role: str) -> dict[str, Any]:
    (entity,) = [e for e in event["entity"] if e.get("role", {}).get("code") == role]
    return entity


def test_a_practitioner_reading_an_observation_is_a_balp_patient_read() -> None:
    event = _build(access())
    assert event["type"] == {
        "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
        "code": "rest",
        "display": "Restful Operation",
    }
    assert event["subtype"] == [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}]
    assert event["action"] == "R" and event["outcome"] == "0"
    assert event["recorded"] == "2026-11-30T09:00:00.000Z"
    assert event["purposeOfEvent"][0]["coding"][0]["code"] == "TREAT"
    client = _agent(event, "110153")
    assert client["who"]["identifier"]["value"] == "mis-1"
    assert client["network"] == {"address": "10.0.0.5", "type": "2"}
    assert client["requestor"] is False
    server = _agent(event, "110152")
    assert server["who"]["identifier"]["value"] == "egisz-test" and server["requestor"] is False
    person = _agent(event, "IRCP")
    assert person["requestor"] is True
    assert person["who"]["reference"] == "Practitioner/7"
    assert person["who"]["identifier"]["value"] == "doctor-7"
    assert person["who"]["display"] == "Иванов Иван Иванович"
    assert person["policy"] == ["jti-1"] and person["role"] == [{"text": "practitioner"}]
    assert event["source"]["type"][0]["code"] == "4"
    patient = _entity(event, "1")
    assert patient["what"] == {"reference": "Patient/p1"} and patient["type"]["code"] == "1"
    resource = _entity(event, "4")
    assert resource["what"] == {"reference": "Observation/obs-1"} and resource["type"]["code"] == "2"
    (request_id,) = [e for e in event["entity"] if e["type"]["code"] == "XrequestId"]
    assert request_id["what"]["identifier"]["value"] == "req-1"


@pytest.mark.parametrize(("interaction", "action"), sorted(ACTIONS.items()))
def test_each_interaction_has_its_balp_action(interaction: str, action: str) -> None:
    event = _build(access(interaction=interaction))
    assert event["action"] == action
    assert event["subtype"][0]["code"] == interaction


def test_a_search_records_its_query_base64_and_no_resource_entity() -> None:
    query = "patient=p1&code=http://loinc.org|94500-6&_count=10"
    event = _build(access(interaction="search-type", resource_id=None, query=query))
    assert event["action"] == "E"
    assert base64.b64decode(_entity(event, "24")["query"]).decode() == query
    assert [e["role"]["code"] for e in event["entity"] if "role" in e] == ["1", "24"]


def test_a_denial_is_a_minor_failure_with_the_reason() -> None:
    event = _build(access(outcome=Outcome.MINOR_FAILURE, detail="consent revoked"))
    assert event["outcome"] == "4" and event["outcomeDesc"] == "consent revoked"


def test_a_system_token_has_no_person_and_the_client_is_the_requestor() -> None:
    event = _build(access(subject=None, subject_name=None, who=None, roles=(), token_id=None))
    assert {a["type"]["coding"][0]["code"] for a in event["agent"]} == {"110153", "110152"}
    assert _agent(event, "110153")["requestor"] is True


def test_reading_the_patient_resource_names_the_patient_once() -> None:
    event = _build(access(resource_type="Patient", resource_id="p1"))
    assert [e["what"]["reference"] for e in event["entity"] if "role" in e] == ["Patient/p1"]


def test_an_unknown_interaction_or_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown FHIR interaction"):
        access(interaction="peek")
    with pytest.raises(ValueError, match="timezone-aware"):
        access(recorded=dt.datetime(2026, 1, 1))


def test_the_row_carries_the_search_columns_and_survives_the_journal() -> None:
    record = access(recorded=T0.astimezone(dt.timezone(dt.timedelta(hours=3))))
    row = to_row(record, observer="egisz-test")
    assert (row.patient, row.agent, row.action, row.outcome, row.client_id) == (
        "p1",
        "Practitioner/7",
        "R",
        "0",
        "mis-1",
    )
    assert row.resource == "Observation/obs-1" and row.recorded == T0 and row.recorded.tzinfo == dt.UTC
    assert json.loads(row.resource_json)["id"] == record.event_id
    assert AuditRow.from_journal(json.loads(json.dumps(row.to_journal()))) == row
    # without a person reference the agent searched for is the token subject
    assert to_row(access(who=None), observer="x").agent == "doctor-7"
