"""The seam to the audit trail: every FHIR interaction, granted or denied, is one AccessRecord.

The FHIR service calls :meth:`AuditSink.record` once per request. The app's sink is
:class:`BalpSink`: each record becomes an IHE BALP AuditEvent in the durable trail of
``egisz_api.audit`` (journalled and fsync'd before the response is released, docs/audit.md), which
patients search («Кто смотрел мою карту»). :class:`AccessLogSink` writes the older one-row access log
into the request's own session instead; ``create_app(audit_sink=...)`` takes either factory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from egisz_api.audit import balp
from egisz_api.audit import service as audit


@dataclass(frozen=True)
class AccessRecord:
    #: the token's subject
    who: str
    #: the OAuth client
    client: str | None
    #: the interaction (read, vread, history, search, create, update, everything; delete of a Subscription)
    action: str
    #: what was touched: ``Type/id`` or ``Type?<parameter names>`` (never search values)
    what: str
    #: whose record it is, when known
    patient: str | None
    #: granted, or the stable code of the refusal (not_found, access_denied, ...)
    outcome: str
    #: v3 PurposeOfUse (TREAT, PATRQT, HOPERAT)
    purpose: str
    source_ip: str | None = None
    #: the person as a FHIR reference (the token's ``fhirUser``, e.g. ``Practitioner/7``)
    fhir_user: str | None = None
    #: the token's ``roles`` and ``jti``
    roles: tuple[str, ...] = ()
    token_id: str | None = None


class AuditSink(Protocol):
    def record(self, event: AccessRecord) -> None: ...


AuditSinkFactory = Callable[[Session], AuditSink]


class AccessLogSink:
    """The default: one ``access_events`` row per interaction, in the request's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, event: AccessRecord) -> None:
        what = f"{event.what} patient={event.patient}" if event.patient else event.what
        audit.record_access(
            self.session,
            subject=event.who[:128],
            client_id=event.client[:128] if event.client else None,
            action=f"fhir.{event.action}"[:64],
            resource=what[:256],
            outcome=event.outcome[:16],
            source_ip=event.source_ip,
        )


#: the FHIR service's interaction names → the BALP (FHIR restful-interaction) ones
_INTERACTIONS = {
    "read": "read",
    "vread": "vread",
    "history": "history-instance",
    "search": "search-type",
    "create": "create",
    "update": "update",
    "delete": "delete",
    "everything": "operation",
}


class DurableTrail(Protocol):
    def submit(self, event: balp.AccessRecord) -> Future[None]: ...


class BalpSink:
    """Each access as a BALP AuditEvent in the durable trail (``egisz_api.audit.sink``).

    ``record`` queues the event and returns at once; :attr:`pending` holds the acknowledgements
    (done once the event is fsync'd in the journal), which the route awaits on the event loop
    before it releases the response (``routes._run``): no worker thread is held while the journal
    syncs, and no response leaves before its AuditEvent is durable."""

    def __init__(self, trail: DurableTrail, clock: Callable[[], dt.datetime]) -> None:
        self.trail = trail
        self.clock = clock
        self.pending: list[Future[None]] = []

    def record(self, event: AccessRecord) -> None:
        self.pending.append(self.trail.submit(as_balp(event, self.clock())))


def as_balp(event: AccessRecord, now: dt.datetime) -> balp.AccessRecord:
    """``what`` is ``Type/id[/…]`` or ``Type?<parameter names>``: the resource or the query."""
    path, _, query = event.what.partition("?")
    parts = path.split("/")
    granted = event.outcome == "granted"
    return balp.AccessRecord(
        interaction=_INTERACTIONS.get(event.action, "operation"),
        recorded=now,
        outcome=balp.Outcome.SUCCESS if granted else balp.Outcome.MINOR_FAILURE,
        subject=event.who or None,
        who=event.fhir_user,
        roles=event.roles,
        token_id=event.token_id,
        client_id=event.client,
        source_ip=event.source_ip,
        resource_type=parts[0] or None,
        resource_id=parts[1] if len(parts) > 1 and not parts[1].startswith("$") else None,
        patient_id=event.patient,
        query=query or None,
        purpose_of_use=(event.purpose,) if event.purpose else (),
        detail=None if granted else event.outcome,
    )
