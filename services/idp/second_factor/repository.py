"""SQL for the second factor. Every state change that races (consuming a code, counting a wrong
attempt, using a TOTP step or a recovery code, revoking a device) is one conditional UPDATE whose
row count says who won: no read-modify-write in Python."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from idp.second_factor.models import OneTimeCode, PendingLogin, RecoveryCode, TotpCredential, TrustedDevice

#: first key of the PostgreSQL advisory locks taken here (the second is the account id)
_LOCK_NAMESPACE = 0x2FAC


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def lock_account(session: Session, account_id: int) -> None:
    """Serialise second-factor changes of one account until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock (released by commit or rollback). SQLite has one
    writer at a time already: the idp's writing sessions begin IMMEDIATE (shared.db), so nothing
    to do there.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :id)"), {"ns": _LOCK_NAMESPACE, "id": account_id}
        )


# --- one-time codes ------------------------------------------------------------------------------
def latest_code(session: Session, account_id: int, purpose: str) -> OneTimeCode | None:
    stmt = (
        select(OneTimeCode)
        .where(OneTimeCode.account_id == account_id, OneTimeCode.purpose == purpose)
        .order_by(OneTimeCode.created_at.desc(), OneTimeCode.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def reload_code(session: Session, code_id: int) -> OneTimeCode:
    stmt = select(OneTimeCode).where(OneTimeCode.id == code_id).execution_options(populate_existing=True)
    return session.scalars(stmt).one()


def codes_sent_since(session: Session, account_id: int, since: dt.datetime) -> list[dt.datetime]:
    """Creation times of the account's codes (every purpose) since ``since``, oldest first."""
    stmt = (
        select(OneTimeCode.created_at)
        .where(OneTimeCode.account_id == account_id, OneTimeCode.created_at > since)
        .order_by(OneTimeCode.created_at)
    )
    return list(session.scalars(stmt))


def invalidate_live_codes(session: Session, account_id: int, purpose: str, now: dt.datetime) -> None:
    session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.account_id == account_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.consumed_at.is_(None),
            OneTimeCode.invalidated_at.is_(None),
        )
        .values(invalidated_at=now)
        .execution_options(synchronize_session=False)
    )


def _live(now: dt.datetime, max_attempts: int) -> tuple[ColumnElement[bool], ...]:
    return (
        OneTimeCode.consumed_at.is_(None),
        OneTimeCode.invalidated_at.is_(None),
        OneTimeCode.expires_at > now,
        OneTimeCode.attempts < max_attempts,
    )


def consume_code(
    session: Session, code_id: int, code_hash: str, now: dt.datetime, max_attempts: int
) -> OneTimeCode | None:
    """Mark the code used if it is still live and matches, and return it as it now is; None when
    another request got there first."""
    stmt = (
        update(OneTimeCode)
        .where(OneTimeCode.id == code_id, OneTimeCode.code_hash == code_hash, *_live(now, max_attempts))
        .values(consumed_at=now)
        .returning(OneTimeCode)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return session.scalars(stmt).one_or_none()


def count_wrong_attempt(session: Session, code_id: int, now: dt.datetime, max_attempts: int) -> int | None:
    """Attempts after counting this one; None if the code was no longer live (nothing counted)."""
    result = session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == code_id, *_live(now, max_attempts))
        .values(attempts=OneTimeCode.attempts + 1)
        .returning(OneTimeCode.attempts)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


def purge_codes(session: Session, before: dt.datetime) -> int:
    result = session.execute(
        delete(OneTimeCode)
        .where(OneTimeCode.expires_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- TOTP and recovery codes ---------------------------------------------------------------------
def totp_of(session: Session, account_id: int) -> TotpCredential | None:
    stmt = (
        select(TotpCredential)
        .where(TotpCredential.account_id == account_id)
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def use_totp_step(
    session: Session, credential_id: int, step: int, now: dt.datetime, *, confirm: bool
) -> bool:
    """Record ``step`` as used if it is newer than the last one; with ``confirm`` also confirm the
    pending credential (and only a pending one). False: a replay, or someone else confirmed first."""
    condition = TotpCredential.confirmed_at.is_(None) if confirm else TotpCredential.confirmed_at.is_not(None)
    values: dict[str, object] = {"last_used_step": step}
    if confirm:
        values["confirmed_at"] = now
    result = session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.id == credential_id,
            condition,
            or_(TotpCredential.last_used_step.is_(None), TotpCredential.last_used_step < step),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def delete_totp(session: Session, account_id: int) -> bool:
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
    result = session.execute(delete(TotpCredential).where(TotpCredential.account_id == account_id))
    return bool(getattr(result, "rowcount", 0))


def replace_recovery_codes(session: Session, account_id: int, hashes: Sequence[str]) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
    session.add_all(RecoveryCode(account_id=account_id, code_hash=h) for h in hashes)
    session.flush()


def unused_recovery_codes(session: Session, account_id: int) -> Sequence[RecoveryCode]:
    stmt = select(RecoveryCode).where(RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None))
    return session.scalars(stmt.order_by(RecoveryCode.id)).all()


def use_recovery_code(session: Session, code_id: int, now: dt.datetime) -> bool:
    result = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def count_unused_recovery_codes(session: Session, account_id: int) -> int:
    stmt = select(func.count()).where(RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None))
    return int(session.scalar(stmt) or 0)


# --- trusted devices -----------------------------------------------------------------------------
def device_by_hash(session: Session, token_hash: str) -> TrustedDevice | None:
    stmt = select(TrustedDevice).where(TrustedDevice.token_hash == token_hash)
    return session.scalar(stmt.execution_options(populate_existing=True))


def active_devices(session: Session, account_id: int, now: dt.datetime) -> Sequence[TrustedDevice]:
    stmt = (
        select(TrustedDevice)
        .where(
            TrustedDevice.account_id == account_id,
            TrustedDevice.revoked_at.is_(None),
            TrustedDevice.expires_at > now,
        )
        .order_by(TrustedDevice.created_at.desc(), TrustedDevice.id.desc())
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).all()


def revoke_devices(session: Session, account_id: int, now: dt.datetime, device_id: int | None = None) -> int:
    """Revoke one device (``device_id``) or all of them, only among ``account_id``'s own."""
    stmt = update(TrustedDevice).where(
        TrustedDevice.account_id == account_id, TrustedDevice.revoked_at.is_(None)
    )
    if device_id is not None:
        stmt = stmt.where(TrustedDevice.id == device_id)
    # "evaluate": devices already loaded in this session see their revocation too
    result = session.execute(stmt.values(revoked_at=now).execution_options(synchronize_session="evaluate"))
    return int(getattr(result, "rowcount", 0) or 0)


# --- requests waiting for a code ------------------------------------------------------------------
def add_pending(session: Session, row: PendingLogin) -> PendingLogin:
    session.add(row)
    session.flush()
    return row


def pending_by_handle(session: Session, handle: str) -> PendingLogin | None:
    return session.scalar(select(PendingLogin).where(PendingLogin.handle == handle))


def delete_pending(session: Session, row: PendingLogin) -> None:
    session.delete(row)
    session.flush()


def purge_expired_pending(session: Session, now: dt.datetime) -> None:
    session.execute(delete(PendingLogin).where(PendingLogin.expires_at < now))
