"""The consent service over a real records store: the Consent it writes (a valid R4 resource naming
the text version), withdrawal as the next version of the same resource, the latest decision as the
gate's answer, a new text version asking again, and the listeners' events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fhir.resources.R4B.consent import Consent
from sqlalchemy.orm import Session

from egisz_api.consent import documents, service
from egisz_api.consent.errors import NoConsentToWithdrawError, UnknownConsentVersionError
from egisz_api.consent.schemas import ConsentChanged
from egisz_api.records import service as records
from tests.egisz_api.consent.conftest import Clock
from tests.egisz_api.fhir import resources as res

PID = "p-consent"


@pytest.fixture
def next_version() -> Iterator[str]:
    """A second published text (what an operator does to publish one, docs/consent.md)."""
    current = documents.TEXTS[documents.CURRENT_VERSION]
    documents.TEXTS["2099-1"] = documents.ConsentText("2099-1", "2099-01-01", current.title, current.body)
    yield "2099-1"
    del documents.TEXTS["2099-1"]


def _resource(session: Session, consent_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(records.read(session, "Consent", consent_id).content)
    return data


def test_a_patient_who_never_gave_consent_is_not_suspended(session: Session) -> None:
    state = service.state(session, PID)
    assert state.consent_id is None and not state.given and not state.withdrawn
    assert service.suspended(session, PID) is False


def test_giving_consent_stores_a_valid_consent_naming_the_text_version(
    session: Session, clock: Clock
) -> None:
    events: list[ConsentChanged] = []
    state = service.give(
        session, PID, version="2026-1", clock=clock, listeners=[lambda _s, e: events.append(e)]
    )
    assert state.given and state.accepted("2026-1") and state.given_at == clock.now
    data = _resource(session, str(state.consent_id))
    Consent.model_validate(data)
    assert data["status"] == "active"
    assert data["scope"]["coding"][0]["code"] == "patient-privacy"
    assert data["category"][0]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "59284-0",
        "display": "Patient Consent",
    }
    assert data["patient"] == {"reference": f"Patient/{PID}"}
    assert data["policy"] == [{"uri": "urn:egisz:consent:pd:2026-1"}]
    assert data["dateTime"] == "2026-03-01T09:00:00Z"
    assert data["provision"] == {"type": "permit", "period": {"start": "2026-03-01T09:00:00Z"}}
    assert events == [ConsentChanged(PID, "given", "2026-1", str(state.consent_id), clock.now)]


def test_giving_it_twice_writes_nothing_the_second_time(session: Session, clock: Clock) -> None:
    first = service.give(session, PID, version="2026-1", clock=clock)
    clock.tick()
    events: list[ConsentChanged] = []
    again = service.give(
        session, PID, version="2026-1", clock=clock, listeners=[lambda _s, e: events.append(e)]
    )
    assert again == first and events == []


def test_withdrawal_is_the_next_version_of_the_same_consent_and_history_keeps_both(
    session: Session, clock: Clock
) -> None:
    given = service.give(session, PID, version="2026-1", clock=clock)
    clock.tick(60)
    events: list[ConsentChanged] = []
    withdrawn = service.withdraw(session, PID, clock=clock, listeners=[lambda _s, e: events.append(e)])
    assert withdrawn.consent_id == given.consent_id and withdrawn.version_id == 2
    assert withdrawn.withdrawn and not withdrawn.given and withdrawn.withdrawn_at == clock.now
    assert service.suspended(session, PID) is True
    data = _resource(session, str(given.consent_id))
    Consent.model_validate(data)
    assert data["status"] == "inactive"
    assert data["provision"]["period"] == {"start": "2026-03-01T09:00:00Z", "end": "2026-03-01T10:00:00Z"}
    current = records.read(session, "Consent", str(given.consent_id))
    statuses = [
        json.loads(v.content)["status"] for v in records.history(session, current, before=None, count=10)
    ]
    assert statuses == ["inactive", "active"]
    assert [e.change for e in events] == ["withdrawn"]


def test_giving_it_again_restores_access_as_a_third_version(session: Session, clock: Clock) -> None:
    given = service.give(session, PID, version="2026-1", clock=clock)
    clock.tick()
    service.withdraw(session, PID, clock=clock)
    clock.tick()
    again = service.give(session, PID, version="2026-1", clock=clock)
    assert again.consent_id == given.consent_id and again.version_id == 3 and again.given
    assert again.given_at == clock.now and again.withdrawn_at is None
    assert service.suspended(session, PID) is False


def test_only_a_given_consent_can_be_withdrawn(session: Session, clock: Clock) -> None:
    with pytest.raises(NoConsentToWithdrawError):
        service.withdraw(session, PID, clock=clock)
    service.give(session, PID, version="2026-1", clock=clock)
    service.withdraw(session, PID, clock=clock)
    with pytest.raises(NoConsentToWithdrawError):
        service.withdraw(session, PID, clock=clock)


def test_a_new_text_version_asks_again_but_does_not_suspend(
    session: Session, clock: Clock, next_version: str
) -> None:
    given = service.give(session, PID, version="2026-1", clock=clock)
    state = service.state(session, PID)
    assert state.accepted("2026-1") and not state.accepted(next_version)
    assert service.suspended(session, PID) is False  # an older text still holds for the gate
    clock.tick()
    newer = service.give(session, PID, version=next_version, clock=clock)
    assert newer.consent_id == given.consent_id and newer.accepted(next_version)
    assert _resource(session, str(given.consent_id))["policy"] == [{"uri": "urn:egisz:consent:pd:2099-1"}]


def test_an_unknown_text_version_is_refused(session: Session, clock: Clock) -> None:
    with pytest.raises(UnknownConsentVersionError):
        service.give(session, PID, version="1999-9", clock=clock)


def test_the_latest_decision_wins_over_an_older_active_consent(session: Session, clock: Clock) -> None:
    """A clinic's older patient-privacy Consent (written over FHIR) cannot outvote a withdrawal."""
    records.create(session, "Consent", res.consent(PID), clock=clock)
    clock.tick()
    service.give(session, PID, version="2026-1", clock=clock)
    clock.tick()
    service.withdraw(session, PID, clock=clock)
    assert service.suspended(session, PID) is True
    clock.tick()
    service.give(session, PID, version="2026-1", clock=clock)
    assert service.suspended(session, PID) is False


def test_withdrawing_a_consent_written_over_fhir_ends_that_one(session: Session, clock: Clock) -> None:
    stored = records.create(session, "Consent", res.consent(PID), clock=clock)
    clock.tick()
    withdrawn = service.withdraw(session, PID, clock=clock)
    assert withdrawn.consent_id == stored.resource_id and withdrawn.text_version is None
    assert service.suspended(session, PID) is True
    clock.tick()
    given = service.give(session, PID, version="2026-1", clock=clock)
    assert given.consent_id != stored.resource_id  # ours is a new Consent beside the clinic's
    assert service.suspended(session, PID) is False
