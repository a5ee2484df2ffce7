"""«Кто смотрел мою карту»: the patient's own AuditEvents from the durable trail, newest first,
paged, described for people (:mod:`egisz_api.access_log.describe`). Reading the log is itself an
AuditEvent (BALP: the patient as requestor searching AuditEvent), recorded after the search so a
page never lists its own view."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from egisz_api.access_log.describe import Access, describe
from egisz_api.audit import balp
from egisz_api.audit import service as audit
from egisz_api.timeline.service import Viewer

PAGE_SIZE = 20


class Trail(Protocol):
    """The durable audit trail (``egisz_api.audit.sink.DurableAuditSink``)."""

    def record(self, event: balp.AccessRecord) -> None: ...


@dataclass(frozen=True)
class AccessLogPage:
    accesses: list[Access]
    next_cursor: str | None


def access_log_page(
    session: Session,
    viewer: Viewer,
    cursor: str | None,
    *,
    trail: Trail,
    clock: Callable[[], dt.datetime],
    count: int = PAGE_SIZE,
) -> AccessLogPage:
    # the route let the write-behind trail reach the database first (routes.audit_caught_up)
    page = audit.search(session, patient=viewer.patient_id, newest_first=True, count=count, cursor=cursor)
    touched = audit.resources_touched(session, page.ids)
    accesses = [
        describe(json.loads(body), patient_id=viewer.patient_id, touched=touched.get(event_id))
        for event_id, body in zip(page.ids, page.entries, strict=True)
    ]
    trail.record(
        balp.cabinet_view(
            interaction="search-type",
            recorded=clock(),
            viewer_patient=viewer.patient_id,
            subject=viewer.subject,
            subject_name=viewer.name,
            resource_type="AuditEvent",
            query=f"patient={viewer.patient_id}",
            source_ip=viewer.source_ip,
            request_id=viewer.request_id,
        )
    )
    return AccessLogPage(accesses, page.next_cursor)
