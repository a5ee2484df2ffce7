"""Lockout after consecutive wrong passwords (R-LOG-6), correct under concurrency.

Counting and locking are single conditional UPDATE statements, so 50 parallel wrong passwords
count exactly ``threshold`` failures and lock once; the rest find the account locked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.accounts import repository
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
    count = repository.count_failed_login(session, account_id, now)
    if count is None:
        until = repository.reload(session, account_id)
        return FailureOutcome(False, False, until.locked_until if until else None)
    if count < threshold:
        return FailureOutcome(True, False, None)
    locked_until = now + dt.timedelta(minutes=minutes)
    won = repository.lock_if_failed(session, account_id, threshold=threshold, until=locked_until)
    return FailureOutcome(True, won, locked_until)


def clear_failures(session: Session, account_id: int) -> None:
    repository.clear_failed_logins(session, account_id)


def unlock(account: Account) -> None:
    account.locked_until = None
    account.failed_logins = 0
