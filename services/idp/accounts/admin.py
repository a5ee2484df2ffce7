"""Operator actions on accounts through the admin API; every one is an ``admin_action`` event in
the security log with the admin client's id (R-SEC-1), written here, in the action's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import levels, lockout, records, repository
from idp.accounts.errors import AccountNotFoundError
from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher
from idp.audit import service as audit
from idp.audit.service import AdminCaller
from shared.db import utcnow


def _get(session: Session, oid: int) -> Account:
    account = repository.by_oid(session, oid)
    if account is None:
        raise AccountNotFoundError(f"No account {oid}.")
    return account


def _summary(account: Account) -> dict[str, Any]:
    return {
        "oid": account.oid,
        "level": account.level,
        "registry_status": account.registry_status,
        "registry_reason": account.registry_reason,
        "locked": lockout.is_locked(account, utcnow()),
    }


def view_account(session: Session, oid: int, *, caller: AdminCaller) -> dict[str, Any]:
    """An account's level and lock state. Reading about a person is logged too."""
    account = _get(session, oid)
    audit.record_admin_action(session, caller, "account_viewed", account_id=account.id)
    return _summary(account)


def confirm_identity(
    session: Session, oid: int, *, operator: str, office: str | None, caller: AdminCaller
) -> dict[str, Any]:
    """Identity checked in person (R-ACC-4): the level moves to confirmed."""
    account = _get(session, oid)
    change = levels.confirm_identity(account, by=f"{caller.client_id}:{operator}", now=utcnow())
    session.flush()
    # The operator's name stays on the account (identity_confirmed_by); the log holds ids only.
    audit.record_admin_action(
        session, caller, "identity_confirmed", account_id=account.id, details={"office": office}
    )
    if change is not None:
        audit.record_event(
            session,
            event_type="level_changed",
            result="success",
            actor=caller.actor,
            account_id=account.id,
            ip=caller.ip,
            user_agent=caller.user_agent,
            details={"from": change[0], "to": change[1]},
        )
    return _summary(account)


def unlock(session: Session, oid: int, *, caller: AdminCaller) -> dict[str, Any]:
    """Lift a lockout (R-LOG-6)."""
    account = _get(session, oid)
    was_locked = lockout.is_locked(account, utcnow())
    lockout.unlock(account)
    session.flush()
    audit.record_admin_action(
        session, caller, "account_unlocked", account_id=account.id, details={"was_locked": was_locked}
    )
    return _summary(account)


# --- person records (ESIA.md §7.2) -----------------------------------------------------------
def _record_out(view: records.RecordView) -> dict[str, Any]:
    return {"id": view.id, "kind": view.kind, "data": view.data, "etag": view.etag}


def list_person_records(
    session: Session, cipher: FieldCipher, oid: int, *, caller: AdminCaller
) -> list[dict[str, Any]]:
    """A person's records, opened: reading personal data is logged."""
    account = _get(session, oid)
    views = records.list_records(session, cipher, account.id)
    audit.record_admin_action(session, caller, "person_records_viewed", account_id=account.id)
    return [_record_out(v) for v in views]


def add_person_record(
    session: Session, cipher: FieldCipher, oid: int, kind: str, data: object, *, caller: AdminCaller
) -> dict[str, Any]:
    account = _get(session, oid)
    view = records.add_record(session, cipher, account.id, kind, data)
    # the kind and the row id only: never the record's content
    audit.record_admin_action(
        session,
        caller,
        "person_record_set",
        account_id=account.id,
        details={"kind": kind, "record_id": view.id},
    )
    return _record_out(view)


def remove_person_record(session: Session, oid: int, record_id: int, *, caller: AdminCaller) -> None:
    account = _get(session, oid)
    kind = records.remove_record(session, account.id, record_id)
    audit.record_admin_action(
        session,
        caller,
        "person_record_removed",
        account_id=account.id,
        details={"kind": kind, "record_id": record_id},
    )
