from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idp.accounts.models import Account


def get(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def by_sub(session: Session, sub: str) -> Account | None:
    return session.scalar(select(Account).where(Account.sub == sub))


def by_email(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(Account.email == email))


def by_phone(session: Session, phone: str) -> Account | None:
    return session.scalar(select(Account).where(Account.phone == phone))


def by_snils_lookup(session: Session, lookup: str) -> Account | None:
    return session.scalar(select(Account).where(Account.snils_lookup == lookup))


def max_oid(session: Session) -> int | None:
    return session.scalar(select(func.max(Account.oid)))


def add(session: Session, account: Account) -> Account:
    session.add(account)
    session.flush()
    return account


def by_oid(session: Session, oid: int) -> Account | None:
    return session.scalar(select(Account).where(Account.oid == oid))


def by_lookup(session: Session, column: str, value: str) -> Account | None:
    return session.scalar(select(Account).where(getattr(Account, column) == value))
