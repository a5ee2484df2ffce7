"""audit.service.search: each parameter, date prefixes and partial dates, both sort orders, and
keyset paging that neither repeats nor skips while events keep arriving."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from egisz_api.audit import service
from egisz_api.audit.balp import AccessRecord, to_row
from egisz_api.audit.errors import InvalidSearchError
from egisz_api.audit.query import date_bounds, parse_actions, parse_count, parse_sort, patient_id
from tests.egisz_api.audit.conftest import T0, access

H = dt.timedelta(hours=1)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as s:
        yield s


def _store(session: Session, *records: AccessRecord) -> list[str]:
    service.store_events(session, [to_row(r, observer="t") for r in records])
    session.commit()
    return [r.event_id for r in records]


def _ids(page: service.AuditPage) -> list[str]:
    return [event["id"] for event in page.resources()]


@pytest.fixture
def events(session: Session) -> dict[str, str]:
    """Five events over two days, two patients, two agents, three actions."""
    records = {
        "p1-read-doc": access(recorded=T0, patient_id="p1"),
        "p1-search-doc": access(
            recorded=T0 + H, patient_id="p1", interaction="search-type", resource_id=None
        ),
        "p1-update-nurse": access(
            recorded=T0 + 2 * H, patient_id="p1", interaction="update", who="Practitioner/9"
        ),
        "p2-read-doc": access(recorded=T0 + 3 * H, patient_id="p2"),
        "p1-read-nextday": access(recorded=T0 + 24 * H, patient_id="p1", who=None, subject="mis-bot"),
    }
    _store(session, *records.values())
    return {name: r.event_id for name, r in records.items()}


def test_by_patient_newest_first(session: Session, events: dict[str, str]) -> None:
    page = service.search(session, patient="p1")
    assert _ids(page) == [
        events["p1-read-nextday"],
        events["p1-update-nurse"],
        events["p1-search-doc"],
        events["p1-read-doc"],
    ]
    assert page.next_cursor is None


def test_oldest_first(session: Session, events: dict[str, str]) -> None:
    assert _ids(service.search(session, patient="p1", newest_first=False))[0] == events["p1-read-doc"]


def test_by_date_range(session: Session, events: dict[str, str]) -> None:
    since, until = date_bounds(["ge2026-11-30", "le2026-11-30"])
    page = service.search(session, patient="p1", date_from=since, date_to=until)
    assert set(_ids(page)) == {events["p1-read-doc"], events["p1-search-doc"], events["p1-update-nurse"]}
    since, _ = date_bounds(["gt2026-11-30T10:00:00Z"])
    assert set(_ids(service.search(session, date_from=since))) == {
        events["p1-update-nurse"],
        events["p2-read-doc"],
        events["p1-read-nextday"],
    }


def test_by_agent_reference_or_subject(session: Session, events: dict[str, str]) -> None:
    assert _ids(service.search(session, agent="Practitioner/9")) == [events["p1-update-nurse"]]
    assert _ids(service.search(session, agent="mis-bot")) == [events["p1-read-nextday"]]


def test_by_action(session: Session, events: dict[str, str]) -> None:
    assert _ids(service.search(session, patient="p1", actions=["U"])) == [events["p1-update-nurse"]]
    assert set(_ids(service.search(session, patient="p1", actions=["U", "E"]))) == {
        events["p1-update-nurse"],
        events["p1-search-doc"],
    }


def test_paging_is_stable_while_events_arrive(session: Session) -> None:
    first = _store(session, *(access(recorded=T0 + i * H, patient_id="p3") for i in range(7)))
    seen: list[str] = []
    cursor = None
    while True:
        page = service.search(session, patient="p3", count=3, cursor=cursor)
        seen += _ids(page)
        # between pages: a newer event (before the cursor: not shown on later pages), an older one
        # (after the cursor: shown), and one at the very instant of the page's last event
        _store(
            session,
            access(recorded=T0 + 100 * H, patient_id="p3"),
            access(recorded=T0 - 100 * H + len(seen) * dt.timedelta(seconds=1), patient_id="p3"),
        )
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)), "no event is shown twice"
    assert set(first) <= set(seen), "every event there at the first page is shown"
    recorded = [service.search(session, patient="p3", count=100).ids.index(i) for i in seen]
    assert recorded == sorted(recorded), "pages follow one order"


def test_events_at_the_same_instant_are_paged_by_storage_order(session: Session) -> None:
    same = _store(session, *(access(recorded=T0, patient_id="p4") for _ in range(5)))
    page1 = service.search(session, patient="p4", count=2, newest_first=False)
    page2 = service.search(session, patient="p4", count=2, newest_first=False, cursor=page1.next_cursor)
    page3 = service.search(session, patient="p4", count=2, newest_first=False, cursor=page2.next_cursor)
    assert page1.ids + page2.ids + page3.ids == same and page3.next_cursor is None


@pytest.mark.parametrize(
    ("values", "since", "until"),
    [
        (["2026"], "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"),
        (["eq2026-12"], "2026-12-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"),
        (["2026-02-28"], "2026-02-28T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        (["lt2026-02-28"], None, "2026-02-28T00:00:00+00:00"),
        (["gt2026-02-28"], "2026-03-01T00:00:00+00:00", None),
        (["ge2026-03-01T12:00+03:00"], "2026-03-01T09:00:00+00:00", None),
        (["le2026-03-01T12:00:05.5Z"], None, "2026-03-01T12:00:05.600000+00:00"),
        (
            ["ge2026-01", "lt2026-02-10", "ge2026-01-05"],
            "2026-01-05T00:00:00+00:00",
            "2026-02-10T00:00:00+00:00",
        ),
    ],
)
def test_fhir_date_parameters(values: list[str], since: str | None, until: str | None) -> None:
    low, high = date_bounds(values)
    assert (low.isoformat() if low else None, high.isoformat() if high else None) == (since, until)


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2026-13-01", "2026-02-30", "2026-01-01T10:00", "ne2026", "sa2026-01-01", "2026-1-1", "ge"],
)
def test_a_bad_date_is_a_400_naming_it(value: str) -> None:
    with pytest.raises(InvalidSearchError):
        date_bounds([value])


def test_other_parameters_are_checked() -> None:
    assert parse_count("1000") == 100 and parse_count(None) == 20
    assert parse_sort("date") is False and parse_sort(None) is True
    assert parse_actions(["R,E", "C"]) == ("R", "E", "C")
    assert patient_id("Patient/p-1.x") == "p-1.x"
    for bad in (
        lambda: parse_count("0"),
        lambda: parse_count("ten"),
        lambda: parse_sort("-_lastUpdated"),
        lambda: parse_actions(["X"]),
        lambda: patient_id("Patient/../etc"),
        lambda: patient_id("Practitioner/7"),
    ):
        with pytest.raises(InvalidSearchError):
            bad()


@pytest.mark.parametrize("cursor", ["garbage!", "MTIz", "", "bm90LmEubnVtYmVy"])
def test_a_cursor_not_made_here_is_refused(session: Session, cursor: str) -> None:
    if not cursor:
        assert service.search(session, cursor=cursor).entries == []
        return
    with pytest.raises(InvalidSearchError):
        service.search(session, cursor=cursor)
