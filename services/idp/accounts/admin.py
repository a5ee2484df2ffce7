"""Operator actions on accounts; every one is written to the security log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import levels, lockout, repository
from idp.accounts.errors import AccountNotFoundError
from idp.accounts.models import Account
from shared.db import utcnow


def _get(session: Session, oid: int) -> Account:
    account = repository.by_oid(session, oid)
    if account is None:
        raise AccountNotFoundError(f"No account {oid}.")
    return account


def summary(session: Session, oid: int) -> dict[str, Any]:
    account = _get(session, oid)
    return {
        "oid": account.oid,
        "level": account.level,
        "registry_status": account.registry_status,
        "registry_reason": account.registry_reason,
        "locked": lockout.is_locked(account, utcnow()),
    }


def confirm_identity(
    session: Session, oid: int, *, operator: str, admin_client: str
) -> tuple[str, str] | None:
    account = _get(session, oid)
    change = levels.confirm_identity(account, by=f"{admin_client}:{operator}", now=utcnow())
    session.flush()
    return change


def unlock(session: Session, oid: int, *, admin_client: str) -> None:
    lockout.unlock(_get(session, oid))
    session.flush()
