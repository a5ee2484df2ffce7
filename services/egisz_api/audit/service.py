from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from egisz_api.audit import repository
from egisz_api.audit.models import AccessEvent
from shared.logging import current_request_id


def record_access(
    session: Session,
    *,
    subject: str,
    client_id: str | None,
    action: str,
    resource: str,
    outcome: str,
    source_ip: str | None,
) -> AccessEvent:
    return repository.add(
        session,
        AccessEvent(
            subject=subject,
            client_id=client_id,
            action=action,
            resource=resource,
            outcome=outcome,
            source_ip=source_ip,
            request_id=current_request_id(),
        ),
    )


def recent_access(session: Session, subject: str) -> Sequence[AccessEvent]:
    return repository.for_subject(session, subject)
