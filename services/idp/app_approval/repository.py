"""SQL of app devices and approvals. Answering and using an approval are conditional UPDATEs: two
answers (or two browsers) racing for one approval, exactly one wins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from idp.app_approval.models import AppApproval, AppDevice


def add_device(session: Session, row: AppDevice) -> AppDevice:
    session.add(row)
    session.flush()
    return row


def devices_of(session: Session, account_id: int) -> Sequence[AppDevice]:
    return session.scalars(
        select(AppDevice).where(AppDevice.account_id == account_id).order_by(AppDevice.id)
    ).all()


def device_of(session: Session, account_id: int, device_id: int) -> AppDevice | None:
    return session.scalar(
        select(AppDevice).where(AppDevice.id == device_id, AppDevice.account_id == account_id)
    )


def device_by_credential_hash(session: Session, credential_hash: str) -> AppDevice | None:
    return session.scalar(select(AppDevice).where(AppDevice.credential_hash == credential_hash))


def has_device(session: Session, account_id: int) -> bool:
    return bool(session.scalar(select(exists().where(AppDevice.account_id == account_id))))


def delete_device(session: Session, row: AppDevice) -> None:
    session.delete(row)
    session.flush()


def touch_device(session: Session, device_id: int, now: dt.datetime) -> None:
    session.execute(update(AppDevice).where(AppDevice.id == device_id).values(last_used_at=now))


def add_approval(session: Session, row: AppApproval) -> AppApproval:
    session.add(row)
    session.flush()
    return row


def purge_approvals_before(session: Session, moment: dt.datetime) -> None:
    session.execute(delete(AppApproval).where(AppApproval.expires_at < moment))


def approval_by_handle(session: Session, handle: str) -> AppApproval | None:
    return session.scalar(select(AppApproval).where(AppApproval.handle == handle))


def waiting_approvals(session: Session, account_id: int, now: dt.datetime) -> Sequence[AppApproval]:
    return session.scalars(
        select(AppApproval)
        .where(
            AppApproval.account_id == account_id,
            AppApproval.status == "pending",
            AppApproval.expires_at > now,
        )
        .order_by(AppApproval.id.desc())
    ).all()


def answer_approval(
    session: Session, approval_id: int, *, status: str, device_id: int, now: dt.datetime
) -> bool:
    """pending → ``status`` while unexpired; False when another answer came first or it expired."""
    result = session.execute(
        update(AppApproval)
        .where(
            AppApproval.id == approval_id,
            AppApproval.status == "pending",
            AppApproval.expires_at > now,
        )
        .values(status=status, device_id=device_id, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def use_approval(session: Session, approval_id: int) -> bool:
    """approved → used; False when it was used already (the second of two racing requests)."""
    result = session.execute(
        update(AppApproval)
        .where(AppApproval.id == approval_id, AppApproval.status == "approved")
        .values(status="used")
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
