"""The timeline service over the seeded demo record: newest first across kinds, grouped by month,
filtered, paged by keyset, a report with its values and marks; another patient's entry is a 404
that lands in that patient's access log; every view is a BALP AuditEvent with the patient as
requestor."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from egisz_api.audit import service as audit
from egisz_api.audit.sink import DurableAuditSink
from egisz_api.timeline import service
from egisz_api.timeline.entries import observation_result
from egisz_api.timeline.errors import EntryNotFoundError, InvalidTimelineQueryError
from tests.egisz_api.timeline.conftest import IVANOV, PETROVA, SEED_NOW, seed_clock

VIEWER = service.Viewer(patient_id=IVANOV, subject="oid-1000", name="Иванов Иван Иванович")


def _page(
    factory: sessionmaker[Session],
    trail: DurableAuditSink,
    kinds: tuple[str, ...] = (),
    cursor: str | None = None,
    count: int = 100,
) -> service.TimelinePage:
    with factory() as session:
        return service.timeline_page(
            session,
            VIEWER,
            kinds,
            cursor,
            trail=trail,
            clock=seed_clock,
            timezone="Europe/Moscow",
            count=count,
        )


def _entries(page: service.TimelinePage) -> list[service.Entry]:
    return [e for month in page.months for e in month.entries]


def _events(factory: sessionmaker[Session], trail: DurableAuditSink, patient: str) -> list[dict]:
    assert trail.flush(5)
    with factory() as session:
        return audit.search(session, patient=patient, count=100).resources()


def test_timeline_is_newest_first_across_kinds_and_grouped_by_month(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    page = _page(factory, trail)
    entries = _entries(page)
    moments = [e.when.moment or e.when.day for e in entries]
    keys = [m if hasattr(m, "hour") else None for m in moments]
    assert all(k is None or k.tzinfo for k in keys)
    # the appointment in two weeks is first; every kind is there
    assert entries[0].resource_type == "Appointment"
    assert {e.kind for e in entries} == {
        "visits",
        "results",
        "diagnoses",
        "prescriptions",
        "referrals",
        "appointments",
        "vaccinations",
        "documents",
    }
    # months in descending order, no month twice
    months = [(m.year, m.month) for m in page.months]
    assert months == sorted(months, reverse=True) and len(set(months)) == len(months)
    assert page.months[0].year == 2026 and page.months[0].month == 12
    # lab values live inside their reports; blood pressure and the COVID-19 tests stand alone
    assert not [e for e in entries if e.resource_type == "Observation" and "lab" in e.resource_id]
    alone = [e.resource_id for e in entries if e.resource_type == "Observation"]
    assert len([i for i in alone if "-bp-" in i]) == 4 and len([i for i in alone if "-covid-" in i]) == 2
    assert page.next_cursor is None


def test_a_report_shows_its_values_with_ranges_and_out_of_range_marks(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    reports = [
        e for e in _entries(_page(factory, trail, ("results",))) if e.resource_type == "DiagnosticReport"
    ]
    assert len(reports) == 3
    cbc2 = next(e for e in reports if e.resource_id == f"{IVANOV}-cbc-2")
    by_name = {r.name: r for r in cbc2.results}
    assert by_name["Гемоглобин"].value == "117" and by_name["Гемоглобин"].flag == "low"
    assert (by_name["Гемоглобин"].low, by_name["Гемоглобин"].high, by_name["Гемоглобин"].unit) == (
        "120",
        "160",
        "г/л",
    )
    assert by_name["Лейкоциты"].flag == "high" and by_name["Тромбоциты"].flag is None
    assert cbc2.out_of_range == 2


def test_filters_show_only_the_kinds_asked_for(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    entries = _entries(_page(factory, trail, ("vaccinations", "appointments")))
    assert sorted(e.resource_type for e in entries) == [
        "Appointment",
        "Immunization",
        "Immunization",
        "Immunization",
    ]
    with pytest.raises(InvalidTimelineQueryError):
        service.parse_kinds(["visits", "<script>"])
    assert service.parse_kinds(["documents", "visits", "visits"]) == ("visits", "documents")


def test_paging_is_keyset_and_covers_the_record_once(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    everything = [e.resource_id for e in _entries(_page(factory, trail))]
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        page = _page(factory, trail, cursor=cursor, count=7)
        seen += [e.resource_id for e in _entries(page)]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == everything
    with pytest.raises(InvalidTimelineQueryError):
        _page(factory, trail, cursor="not-a-cursor!")


def test_another_patients_entry_is_not_found_and_lands_in_their_log(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    for resource_type, resource_id in [
        ("DiagnosticReport", f"{PETROVA}-cbc-1"),
        ("Encounter", f"{PETROVA}-enc-1"),
        ("Immunization", f"{PETROVA}-imm-1"),
        ("Patient", IVANOV),  # not a timeline kind, even one's own
        ("Encounter", "no-such-visit"),
    ]:
        with factory() as session, pytest.raises(EntryNotFoundError):
            service.entry_detail(session, VIEWER, resource_type, resource_id, trail=trail, clock=seed_clock)
    refused = _events(factory, trail, PETROVA)
    assert len(refused) == 3
    assert {e["outcome"] for e in refused} == {"4"}
    assert refused[0]["agent"][2]["who"]["reference"] == f"Patient/{IVANOV}"


def test_an_entry_in_detail_and_each_view_is_audited_with_the_patient_as_requestor(
    factory: sessionmaker[Session], trail: DurableAuditSink
) -> None:
    with factory() as session:
        visit = service.entry_detail(
            session, VIEWER, "Encounter", f"{IVANOV}-enc-2", trail=trail, clock=seed_clock
        )
    assert visit.entry.facts == [
        ("rec_f_doctor", "Врачёва Елена Петровна"),
        ("rec_f_organization", "ГБУЗ «Городская поликлиника № 1»"),
    ]
    assert {e.resource_type for e in visit.related} == {"Condition", "Observation", "MedicationRequest"}
    _page(factory, trail, ("visits",))
    events = _events(factory, trail, IVANOV)
    assert [e["subtype"][0]["code"] for e in events] == ["search-system", "read"]
    read = events[1]
    assert read["outcome"] == "0"
    assert read["purposeOfEvent"][0]["coding"][0]["code"] == "PATRQT"
    person = read["agent"][2]
    assert person["who"]["reference"] == f"Patient/{IVANOV}" and person["who"]["display"] == VIEWER.name
    assert read["agent"][0]["who"]["identifier"]["value"] == "egisz-cabinet"
    assert {"reference": f"Encounter/{IVANOV}-enc-2"} in [e.get("what") for e in read["entity"]]
    assert json.dumps(events).count("oid-1000") == 2
    assert events[0]["recorded"].startswith(SEED_NOW.date().isoformat())


def test_a_value_is_marked_from_its_interpretation_else_from_its_range() -> None:
    def obs(**more: object) -> dict:
        return {"code": {"text": "Глюкоза"}, "valueQuantity": {"value": 7.2, "unit": "ммоль/л"}, **more}

    rng = {"referenceRange": [{"low": {"value": 3.9}, "high": {"value": 6.1}}]}
    # no interpretation recorded: the range decides
    assert observation_result(obs(**rng)).flag == "high"
    assert observation_result(obs(valueQuantity={"value": 5.0}, **rng)).normal
    # the laboratory's interpretation wins over our comparison
    stated = observation_result(obs(interpretation=[{"coding": [{"code": "N"}]}], **rng))
    assert stated.flag is None and stated.normal
    # neither: no mark at all, never a guessed «В норме»
    bare = observation_result(obs())
    assert bare.flag is None and not bare.normal
    assert observation_result({"code": {"text": "Посев"}, "valueString": "роста нет"}).value == "роста нет"
