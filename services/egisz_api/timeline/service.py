"""The patient's record as a timeline (newest first, grouped by month, filtered by kind, paged) and
one entry in detail, read through the records service; every view is an AuditEvent in the durable
trail (BALP, the patient as requestor: :func:`egisz_api.audit.balp.cabinet_view`), written before
the page is returned, as the FHIR API's audit seam does for each request."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from egisz_api.audit import balp
from egisz_api.records import service as records
from egisz_api.records.schemas import Criteria, Cursor, ReferenceCondition, StoredResource
from egisz_api.timeline.entries import Entry, describe, observation_result
from egisz_api.timeline.errors import EntryNotFoundError, InvalidTimelineQueryError
from egisz_api.timeline.kinds import KIND_OF_TYPE, KINDS, types_of
from shared.web.formatting import local

PAGE_SIZE = 20
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: what an encounter's detail lists beside it: the diagnoses, measurements and prescriptions of the visit
VISIT_PARTS = ("Condition", "Observation", "MedicationRequest")


class Trail(Protocol):
    """The durable audit trail (``egisz_api.audit.sink.DurableAuditSink``)."""

    def record(self, event: balp.AccessRecord) -> None: ...


@dataclass(frozen=True)
class Worker:
    """A medical worker acting for an organisation (the cabinet session's chosen one)."""

    organization: str
    role: str


@dataclass(frozen=True)
class Viewer:
    """Who looks at ``patient_id``'s record: the patient themselves (the cabinet session's person),
    or a medical worker of the patient's organisation (``worker``)."""

    patient_id: str
    subject: str
    name: str | None = None
    source_ip: str | None = None
    request_id: str | None = None
    worker: Worker | None = None

    def access(
        self,
        *,
        interaction: str,
        recorded: dt.datetime,
        record_patient: str | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        query: str | None = None,
        outcome: balp.Outcome = balp.Outcome.SUCCESS,
        detail: str | None = None,
    ) -> balp.AccessRecord:
        """The view as an audited access: in the patient's log as themselves or as the worker."""
        if self.worker is not None:
            return balp.worker_view(
                interaction=interaction, recorded=recorded, patient=record_patient or self.patient_id,
                subject=self.subject, name=self.name, organization=self.worker.organization,
                role=self.worker.role, resource_type=resource_type, resource_id=resource_id, query=query,
                outcome=outcome, detail=detail, source_ip=self.source_ip, request_id=self.request_id,
            )  # fmt: skip
        return balp.cabinet_view(
            interaction=interaction, recorded=recorded, viewer_patient=self.patient_id,
            subject=self.subject, subject_name=self.name, record_patient=record_patient,
            resource_type=resource_type, resource_id=resource_id, query=query, outcome=outcome,
            detail=detail, source_ip=self.source_ip, request_id=self.request_id,
        )  # fmt: skip


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    entries: list[Entry]


@dataclass(frozen=True)
class TimelinePage:
    months: list[Month]
    next_cursor: str | None
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class EntryDetail:
    entry: Entry
    #: for a visit: what was recorded at it
    related: list[Entry]


def parse_kinds(values: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(values))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise InvalidTimelineQueryError(f"Unknown kind of entry: {unknown[0]!r}.")
    return tuple(k for k in KINDS if k in chosen)


def encode_cursor(sort_value: dt.datetime, pk: int) -> str:
    aware = sort_value if sort_value.tzinfo else sort_value.replace(tzinfo=dt.UTC)
    micros = (aware - EPOCH) // dt.timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{micros}.{pk}".encode()).decode().rstrip("=")


def decode_cursor(value: str | None) -> Cursor | None:
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        micros, pk = raw.split(".")
        return Cursor(EPOCH + dt.timedelta(microseconds=int(micros)), int(pk))
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError) as exc:
        raise InvalidTimelineQueryError("This page link is not one the cabinet made.") from exc


def _entry(resource: StoredResource) -> Entry:
    return describe(resource.resource_type, resource.resource_id, json.loads(resource.content))


def _with_results(session: Session, patient_id: str, entry: Entry) -> Entry:
    """A report with the values of its Observations (only those in the same patient's record)."""
    if not entry.result_ids:
        return entry
    found = {
        r.resource_id: r for r in records.in_compartment(session, "Observation", entry.result_ids, patient_id)
    }
    results = [observation_result(json.loads(found[i].content)) for i in entry.result_ids if i in found]
    return dataclasses.replace(entry, results=results)


def _by_month(entries: Sequence[Entry], timezone: str) -> list[Month]:
    months: list[Month] = []
    for entry in entries:
        day = local(entry.when.moment, timezone).date() if entry.when.moment else entry.when.day
        key = (day.year, day.month) if day else (0, 0)
        if not months or (months[-1].year, months[-1].month) != key:
            months.append(Month(key[0], key[1], []))
        months[-1].entries.append(entry)
    return months


def timeline_page(
    session: Session,
    viewer: Viewer,
    asked_kinds: Iterable[str],
    cursor: str | None,
    *,
    trail: Trail,
    clock: Callable[[], dt.datetime],
    timezone: str,
    count: int = PAGE_SIZE,
) -> TimelinePage:
    """One page of the record: the kinds asked for (all when none; an unknown one is a 400), after
    ``cursor``; the view is audited before the page is returned."""
    kinds = parse_kinds(asked_kinds)
    after = decode_cursor(cursor)
    rows = records.timeline(
        session, viewer.patient_id, types_of(kinds), hide_reported_results=True, after=after, count=count + 1
    )
    page = rows[:count]
    entries = [_with_results(session, viewer.patient_id, _entry(r)) for r in page]
    next_cursor = None
    if len(rows) > count and page[-1].sort_value is not None:
        next_cursor = encode_cursor(page[-1].sort_value, page[-1].pk)
    trail.record(
        viewer.access(
            interaction="search-system", recorded=clock(), query="kind=" + ",".join(kinds) if kinds else ""
        )
    )
    return TimelinePage(_by_month(entries, timezone), next_cursor, kinds)


def _visit_parts(session: Session, patient_id: str, encounter_id: str) -> list[Entry]:
    parts: list[Entry] = []
    for resource_type in VISIT_PARTS:
        criteria = Criteria(
            resource_type,
            clauses=[[ReferenceCondition("encounter", "Encounter", encounter_id)]],
            compartment=patient_id,
            sort="date",
            count=50,
        )
        parts.extend(_entry(r) for r in records.search(session, criteria))
    return parts


def entry_detail(
    session: Session,
    viewer: Viewer,
    resource_type: str,
    resource_id: str,
    *,
    trail: Trail,
    clock: Callable[[], dt.datetime],
) -> EntryDetail:
    """One entry of the viewer's own record; anything else (another patient's, unknown, not a
    timeline kind) is the same 404, and an attempt at another patient's entry is audited in that
    patient's log as a refused read."""
    if resource_type not in KIND_OF_TYPE:
        raise EntryNotFoundError("No such entry in your record.")
    found = records.find(session, resource_type, resource_id)

    def record(outcome: balp.Outcome, record_patient: str | None = None) -> None:
        trail.record(
            viewer.access(
                interaction="read",
                recorded=clock(),
                record_patient=record_patient,
                resource_type=resource_type,
                resource_id=resource_id,
                outcome=outcome,
                detail=None if outcome is balp.Outcome.SUCCESS else "not_found",
            )
        )

    if found is None or found.patient_id != viewer.patient_id:
        record(balp.Outcome.MINOR_FAILURE, found.patient_id if found is not None else None)
        raise EntryNotFoundError("No such entry in your record.")
    entry = _with_results(session, viewer.patient_id, _entry(found))
    related = _visit_parts(session, viewer.patient_id, resource_id) if resource_type == "Encounter" else []
    record(balp.Outcome.SUCCESS)
    return EntryDetail(entry, related)
