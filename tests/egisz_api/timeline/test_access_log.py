"""«Кто смотрел мою карту» over the durable trail: FHIR accesses (as the FHIR seam records them) and
the cabinet's own views described for people, newest first, paged; reading the log is audited;
another patient's events never show."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from egisz_api.access_log import service
from egisz_api.audit.balp import AccessRecord, Outcome
from egisz_api.audit.sink import DurableAuditSink
from egisz_api.fhir.auditing import AccessRecord as FhirAccess
from egisz_api.fhir.auditing import as_balp
from egisz_api.timeline.service import Viewer
from tests.egisz_api.timeline.conftest import IVANOV, PETROVA, SEED_NOW

VIEWER = Viewer(patient_id=IVANOV, subject="oid-1000", name="Иванов Иван Иванович")


def _at(minutes: int) -> dt.datetime:
    return SEED_NOW + dt.timedelta(minutes=minutes)


def _fill(trail: DurableAuditSink) -> None:
    # a doctor's MIS reads a lab result (the FHIR seam's record, with the person named as BALP allows)
    trail.record(
        AccessRecord(
            interaction="read",
            recorded=_at(1),
            outcome=Outcome.SUCCESS,
            subject="doc-7",
            subject_name="Врачёва Елена Петровна",
            who="Practitioner/7",
            roles=("practitioner",),
            client_id="demo-mis",
            resource_type="Observation",
            resource_id=f"{IVANOV}-lab-cbc-1-718-7",
            patient_id=IVANOV,
            purpose_of_use=("TREAT",),
        )
    )
    # an integrator's system token searches Observations (no person)
    trail.record(
        as_balp(
            FhirAccess(
                who="",
                client="demo-integrator",
                action="search",
                what="Observation?category,patient",
                patient=IVANOV,
                outcome="granted",
                purpose="HOPERAT",
            ),
            _at(2),
        )
    )
    # the patient's own SMART app reads their visits (patient token: purpose PATRQT)
    trail.record(
        as_balp(
            FhirAccess(
                who="oid-1000",
                client="smart-app",
                action="read",
                what=f"Encounter/{IVANOV}-enc-1",
                patient=IVANOV,
                outcome="granted",
                purpose="PATRQT",
            ),
            _at(3),
        )
    )
    # someone tries Petrova's record and is refused; that lands in Petrova's log, not Ivanov's
    trail.record(
        as_balp(
            FhirAccess(
                who="intruder",
                client="demo-mis",
                action="read",
                what=f"Patient/{PETROVA}",
                patient=PETROVA,
                outcome="not_found",
                purpose="TREAT",
            ),
            _at(4),
        )
    )
    # a refused read of Ivanov's document
    trail.record(
        as_balp(
            FhirAccess(
                who="nurse-2",
                client="demo-mis",
                action="read",
                what=f"DocumentReference/{IVANOV}-doc-1",
                patient=IVANOV,
                outcome="denied",
                purpose="TREAT",
            ),
            _at(5),
        )
    )


def _log(factory: sessionmaker[Session], trail: DurableAuditSink, cursor: str | None = None, count: int = 20):
    assert trail.flush(5)  # as the route does before its session begins
    with factory() as session:
        return service.access_log_page(
            session, VIEWER, cursor, trail=trail, clock=lambda: _at(30), count=count
        )


def test_each_access_reads_as_who_which_system_what_when_outcome_and_purpose(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    _fill(trail)
    page = _log(factory, trail)
    assert [a.recorded for a in page.accesses] == [_at(5), _at(3), _at(2), _at(1)]
    refused, own_app, integrator, doctor = page.accesses
    assert (doctor.who_kind, doctor.who_name, doctor.roles) == (
        "person",
        "Врачёва Елена Петровна",
        ["al_role_practitioner"],
    )
    assert (doctor.client, doctor.action, doctor.resource_kind, doctor.granted, doctor.purposes) == (
        "demo-mis",
        "al_action_read",
        "al_type_Observation",
        True,
        ["al_purpose_TREAT"],
    )
    # a search's resource type comes from the trail's column: the BALP JSON has only the query
    assert (integrator.who_kind, integrator.action, integrator.resource_kind) == (
        "system",
        "al_action_search-type",
        "al_type_Observation",
    )
    assert integrator.purposes == ["al_purpose_HOPERAT"]
    assert (own_app.who_kind, own_app.client, own_app.via_cabinet) == ("you", "smart-app", False)
    assert (refused.granted, refused.resource_kind, refused.who_kind) == (
        False,
        "al_type_DocumentReference",
        "person",
    )


def test_reading_the_log_is_audited_and_shows_on_the_next_page_view(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    first = _log(factory, trail)
    assert first.accesses == []
    again = _log(factory, trail)
    assert len(again.accesses) == 1
    view = again.accesses[0]
    assert (view.who_kind, view.via_cabinet, view.action, view.resource_kind, view.purposes) == (
        "you",
        True,
        "al_action_search-type",
        "al_type_AuditEvent",
        ["al_purpose_PATRQT"],
    )


def test_the_log_pages_newest_first_without_repeats(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    _fill(trail)
    seen = []
    cursor = None
    for _ in range(10):
        page = _log(factory, trail, cursor, count=2)
        seen += [a.event_id for a in page.accesses]
        cursor = page.next_cursor
        if cursor is None:
            break
    # the four accesses once each; the log's own views, recorded after each page, are newer than the
    # cursor and so never slip into a later page
    assert len(seen) == len(set(seen)) == 4
