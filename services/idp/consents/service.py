"""Consent remembered per client and scope set; a wider request asks again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from idp.audit import service as audit
from idp.consents import repository
from idp.consents.models import Consent
from shared.db import utcnow


def covering_consent(session: Session, account_id: int, client_id: str, scopes: set[str]) -> Consent | None:
    consent = repository.find(session, account_id, client_id)
    if consent is None or consent.revoked_at is not None:
        return None
    return consent if scopes <= set(consent.scopes) else None


def grant(
    session: Session, account_id: int, client_id: str, scopes: set[str], *, ip: str | None = None
) -> Consent:
    """Remember the person's consent (widening an earlier one) and write it to the security log."""
    consent = repository.find(session, account_id, client_id)
    now = utcnow()
    if consent is None:
        consent = repository.add(
            session,
            Consent(account_id=account_id, client_id=client_id, scopes=sorted(scopes), granted_at=now),
        )
    else:
        previous = set(consent.scopes) if consent.revoked_at is None else set()
        consent.scopes = sorted(previous | scopes)
        consent.granted_at = now
        consent.revoked_at = None
        session.flush()
    audit.record_event(
        session,
        event_type="grant_given",
        result="success",
        actor=f"account:{account_id}",
        account_id=account_id,
        ip=ip,
        details={"client_id": client_id, "scopes": sorted(scopes)},
    )
    return consent


def granted_since(consent: Consent | None, moment: dt.datetime) -> bool:
    return consent is not None and consent.granted_at >= moment


def grants_of(session: Session, account_id: int) -> list[Consent]:
    return [c for c in repository.for_account(session, account_id) if c.revoked_at is None]


def revoke(session: Session, account_id: int, client_id: str) -> Consent | None:
    consent = repository.find(session, account_id, client_id)
    if consent is None or consent.revoked_at is not None:
        return None
    consent.revoked_at = utcnow()
    session.flush()
    return consent
