from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.consents.models import Consent


def find(session: Session, account_id: int, client_id: str) -> Consent | None:
    return session.scalar(
        select(Consent).where(Consent.account_id == account_id, Consent.client_id == client_id)
    )


def for_account(session: Session, account_id: int) -> Sequence[Consent]:
    return session.scalars(select(Consent).where(Consent.account_id == account_id).order_by(Consent.id)).all()


def add(session: Session, consent: Consent) -> Consent:
    session.add(consent)
    session.flush()
    return consent
