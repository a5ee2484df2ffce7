from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import RowMapping, Table, func, or_, select, update
from sqlalchemy.orm import Session

from idp.accounts.models import Account, PersonRecord


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


def reload(session: Session, account_id: int) -> Account | None:
    """The account as the database has it now (another transaction may have changed it)."""
    return session.get(Account, account_id, populate_existing=True)


# --- lockout (R-LOG-6): each change one conditional UPDATE, so parallel failures count exactly ---
def count_failed_login(session: Session, account_id: int, now: dt.datetime) -> int | None:
    """Add one failure unless the account is locked; the new count, or None when locked."""
    count: int | None = session.execute(
        update(Account)
        .where(Account.id == account_id, or_(Account.locked_until.is_(None), Account.locked_until <= now))
        .values(failed_logins=Account.failed_logins + 1)
        .returning(Account.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return count


def lock_if_failed(session: Session, account_id: int, *, threshold: int, until: dt.datetime) -> bool:
    """Lock the account when it reached ``threshold`` failures; True for the one caller that locked."""
    result = session.execute(
        update(Account)
        .where(Account.id == account_id, Account.failed_logins >= threshold)
        .values(locked_until=until, failed_logins=0)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def clear_failed_logins_unless_locked(session: Session, account_id: int, now: dt.datetime) -> bool:
    """Reset the failure count unless the account is locked at ``now``; True when it was reset.

    One statement: on PostgreSQL the UPDATE waits for a concurrent failure's row lock and
    re-evaluates its WHERE, so a lock taken meanwhile is seen."""
    reset = session.execute(
        update(Account)
        .where(Account.id == account_id, or_(Account.locked_until.is_(None), Account.locked_until <= now))
        .values(failed_logins=0)
        .returning(Account.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return reset is not None


# --- re-encryption of personal data (accounts.reencrypt walks any table with sealed columns) ---
def sealed_rows_after(
    session: Session, table: Table, columns: Sequence[str], sealed: Sequence[str], after: int, limit: int
) -> list[RowMapping]:
    """Up to ``limit`` rows of ``table`` with an id above ``after`` and at least one ``sealed`` column
    set, by id: their id and ``columns``."""
    stmt = (
        select(table.c.id, *(table.c[c] for c in columns))
        .where(table.c.id > after, or_(*(table.c[c].is_not(None) for c in sealed)))
        .order_by(table.c.id)
        .limit(limit)
    )
    return [row._mapping for row in session.execute(stmt)]


def update_row(session: Session, table: Table, row_id: int, changes: dict[str, str]) -> None:
    session.execute(update(table).where(table.c.id == row_id).values(changes))


# --- person records --------------------------------------------------------------------------
def records_of(session: Session, account_id: int, kind: str | None = None) -> Sequence[PersonRecord]:
    stmt = select(PersonRecord).where(PersonRecord.account_id == account_id)
    if kind is not None:
        stmt = stmt.where(PersonRecord.kind == kind)
    return session.scalars(stmt.order_by(PersonRecord.id)).all()


def add_record(session: Session, row: PersonRecord) -> PersonRecord:
    session.add(row)
    session.flush()
    return row


def remove_record(session: Session, row: PersonRecord) -> None:
    session.delete(row)
    session.flush()


def records_after(session: Session, after_id: int, limit: int) -> Sequence[PersonRecord]:
    """Every account's records in id order, for re-encryption in batches."""
    return session.scalars(
        select(PersonRecord).where(PersonRecord.id > after_id).order_by(PersonRecord.id).limit(limit)
    ).all()
