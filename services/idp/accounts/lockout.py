"""Lockout after consecutive wrong passwords (R-LOG-6), correct under concurrency.

Counting and locking are single conditional UPDATE statements, so 50 parallel wrong passwords
count exactly ``threshold`` failures and lock once; the rest find the account locked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from idp.accounts.models import Account


@dataclass(frozen=True)
class FailureOutcome:
    counted: bool  # False: the account was already locked, nothing counted
    locked_now: bool  # this failure is the one that locked it
    locked_until: dt.datetime | None


def is_locked(account: Account, now: dt.datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now


def register_failure(
    session: Session, account_id: int, *, now: dt.datetime, threshold: int, minutes: int
) -> FailureOutcome:
    count = session.execute(
        update(Account)
        .where(Account.id == account_id, or_(Account.locked_until.is_(None), Account.locked_until <= now))
        .values(failed_logins=Account.failed_logins + 1)
        .returning(Account.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if count is None:
        until = session.get(Account, account_id, populate_existing=True)
        return FailureOutcome(False, False, until.locked_until if until else None)
    if count < threshold:
        return FailureOutcome(True, False, None)
    locked_until = now + dt.timedelta(minutes=minutes)
    won = session.execute(  # type: ignore[attr-defined]
        update(Account)
        .where(Account.id == account_id, Account.failed_logins >= threshold)
        .values(locked_until=locked_until, failed_logins=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    return FailureOutcome(True, won == 1, locked_until)


def clear_failures(session: Session, account_id: int) -> None:
    session.execute(
        update(Account)
        .where(Account.id == account_id, Account.failed_logins != 0)
        .values(failed_logins=0)
        .execution_options(synchronize_session=False)
    )


def unlock(account: Account) -> None:
    account.locked_until = None
    account.failed_logins = 0
