"""Subscriptions (R4 rest-hook, EGISZ.md §5 row 34): storing them, and queueing a notification in
the transaction of each matching write. Who may subscribe and what matches is decided by the FHIR
service (fhir/service.py: scopes, roles, consent, the criteria as a search); this keeps the rows."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.access.service import Caller
from egisz_api.records.dates import instant_text
from egisz_api.records.schemas import OrganizationRule
from egisz_api.subscriptions import repository
from egisz_api.subscriptions.errors import SubscriptionNotFoundError
from egisz_api.subscriptions.models import SubscriptionOutboxRow, SubscriptionRow
from egisz_api.subscriptions.rules import SUBSCRIBABLE, check_channel, split_criteria, validate

__all__ = ["SUBSCRIBABLE", "check_channel", "split_criteria", "validate"]


@dataclass(frozen=True)
class Watcher:
    pk: int
    client_id: str
    #: the search query a written resource must match (``patient=...&category=...``)
    query: str
    #: the subscriber's organisation (None: not bound to one)
    organization: OrganizationRule | None = None


def subscribe(
    session: Session,
    client_id: str,
    resource: dict[str, Any],
    *,
    resource_type: str,
    patient_id: str,
    now: dt.datetime,
    organization: OrganizationRule | None = None,
) -> tuple[str, bytes]:
    """Store an accepted Subscription as ``active`` (no handshake: R4 lets the server activate)."""
    rid = str(uuid.uuid4())
    data = {
        **resource,
        "id": rid,
        "status": "active",
        "meta": {"versionId": "1", "lastUpdated": instant_text(now)},
    }
    data.pop("error", None)
    content = validate(data)
    repository.add(
        session,
        SubscriptionRow(
            resource_id=rid,
            client_id=client_id,
            resource_type=resource_type,
            patient_id=patient_id,
            criteria=str(resource["criteria"]),
            status="active",
            content=content,
            created_at=now,
            organization=_dump_rule(organization),
        ),
    )
    return rid, content.encode()


def _dump_rule(rule: OrganizationRule | None) -> str | None:
    return None if rule is None else json.dumps([rule.reference_id, *rule.identifiers])


def _load_rule(text: str | None) -> OrganizationRule | None:
    if not text:
        return None
    reference_id, *identifiers = json.loads(text)
    return OrganizationRule(reference_id=reference_id, identifiers=tuple(identifiers))


def _own(session: Session, client_id: str, resource_id: str) -> SubscriptionRow:
    row = repository.by_id(session, resource_id)
    if row is None or row.client_id != client_id or row.status == "off":
        raise SubscriptionNotFoundError(f"Subscription/{resource_id} is not known.")
    return row


def read(session: Session, client_id: str, resource_id: str) -> bytes:
    """A client's own Subscription (another client's is not found, EGISZ.md §5 (D))."""
    return _own(session, client_id, resource_id).content.encode()


def of_client(session: Session, client_id: str) -> list[tuple[str, bytes]]:
    return [(row.resource_id, row.content.encode()) for row in repository.of_client(session, client_id)]


def unsubscribe(session: Session, client_id: str, resource_id: str) -> None:
    """Turn it off: nothing more is queued, pending notifications are skipped."""
    _own(session, client_id, resource_id).status = "off"


def watchers(session: Session, resource_type: str, patient_id: str) -> list[Watcher]:
    rows = repository.active_for(session, resource_type, patient_id)
    return [
        Watcher(row.pk, row.client_id, row.criteria.split("?", 1)[1], _load_rule(row.organization))
        for row in rows
    ]


def queue(
    session: Session,
    watcher: Watcher,
    resource_type: str,
    resource_id: str,
    version_id: int,
    patient_id: str,
    *,
    now: dt.datetime,
) -> None:
    repository.add_notification(
        session,
        SubscriptionOutboxRow(
            subscription_pk=watcher.pk,
            resource_type=resource_type,
            resource_id=resource_id,
            version_id=version_id,
            patient_id=patient_id,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        ),
    )


def mark_error(row: SubscriptionRow, reason: str) -> None:
    """R4: a Subscription whose notifications keep failing goes to ``error`` with the reason."""
    data = json.loads(row.content)
    data["status"], data["error"] = "error", reason
    row.status, row.content = "error", json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def subscriber(client_id: str) -> Caller:
    """The integrator system behind a Subscription, as the consent gate sees a caller."""
    return Caller(
        subject=client_id,
        client_id=client_id,
        scopes=(),
        roles=frozenset({"mis"}),
        patient_id=None,
        is_patient=False,
    )
