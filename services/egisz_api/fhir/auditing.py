"""The seam to the audit trail: every FHIR interaction, granted or denied, is one AccessRecord.

The FHIR service calls :meth:`AuditSink.record` once per request. The default sink writes through
``egisz_api.audit.service.record_access`` into the request's own session (the FHIR service commits
a denial's record before it raises, so the rollback of the failed request keeps it). The BALP
AuditEvent writer (the audit feature's next step) plugs in as another ``AuditSink`` through
``create_app(audit_sink=...)``, a factory taking the request's session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from egisz_api.audit import service as audit


@dataclass(frozen=True)
class AccessRecord:
    #: the token's subject
    who: str
    #: the OAuth client
    client: str | None
    #: the interaction (read, vread, history, search, create, update, everything)
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
