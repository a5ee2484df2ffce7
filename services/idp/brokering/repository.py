"""SQL of bank-ID brokering."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from idp.brokering.models import BankLink, BankLogin, BankProviderRecord


def add_login(session: Session, login: BankLogin) -> BankLogin:
    session.add(login)
    session.flush()
    return login


def login_by_state(session: Session, state: str) -> BankLogin | None:
    return session.scalars(select(BankLogin).where(BankLogin.state == state)).first()


def move_stage(session: Session, login_id: int, *, from_stage: str, to_stage: str) -> bool:
    """Conditional: only one request moves a login on from ``from_stage`` (single use)."""
    result = session.execute(
        update(BankLogin)
        .where(BankLogin.id == login_id, BankLogin.stage == from_stage)
        .values(stage=to_stage)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def purge_expired(session: Session, now: dt.datetime) -> None:
    session.execute(delete(BankLogin).where(BankLogin.expires_at < now))


def link_for(session: Session, bank: str, subject: str) -> BankLink | None:
    return session.scalars(select(BankLink).where(BankLink.bank == bank, BankLink.subject == subject)).first()


def link_of_account(session: Session, account_id: int, bank: str) -> BankLink | None:
    return session.scalars(
        select(BankLink).where(BankLink.account_id == account_id, BankLink.bank == bank)
    ).first()


def add_link(session: Session, link: BankLink) -> BankLink:
    session.add(link)
    session.flush()
    return link


def provider_records(session: Session) -> list[BankProviderRecord]:
    return list(session.scalars(select(BankProviderRecord).order_by(BankProviderRecord.id)))


def provider_record(session: Session, bank: str) -> BankProviderRecord | None:
    return session.scalars(select(BankProviderRecord).where(BankProviderRecord.bank == bank)).first()


def add_provider_record(session: Session, record: BankProviderRecord) -> BankProviderRecord:
    session.add(record)
    session.flush()
    return record


def delete_provider_record(session: Session, record: BankProviderRecord) -> int:
    """The record, its links and its logins in flight; the number of links removed."""
    links = session.execute(delete(BankLink).where(BankLink.bank == record.bank))
    session.execute(delete(BankLogin).where(BankLogin.bank == record.bank))
    session.delete(record)
    session.flush()
    return int(getattr(links, "rowcount", 0) or 0)


def links_of_account(session: Session, account_id: int) -> list[BankLink]:
    return list(
        session.scalars(select(BankLink).where(BankLink.account_id == account_id).order_by(BankLink.id))
    )


def delete_link(session: Session, link: BankLink) -> None:
    session.delete(link)
    session.flush()
