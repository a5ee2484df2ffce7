"""SQL of the passkeys feature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from idp.passkeys.models import Passkey, PasskeyAccount, PasskeyChallenge


def add(session: Session, row: Passkey | PasskeyAccount | PasskeyChallenge) -> None:
    session.add(row)
    session.flush()


def passkey_account(session: Session, account_id: int) -> PasskeyAccount | None:
    return session.get(PasskeyAccount, account_id)


def passkeys_of(session: Session, account_id: int) -> Sequence[Passkey]:
    return session.scalars(select(Passkey).where(Passkey.account_id == account_id).order_by(Passkey.id)).all()


def count_of(session: Session, account_id: int) -> int:
    return int(session.scalar(select(func.count()).where(Passkey.account_id == account_id)) or 0)


def passkey_of(session: Session, account_id: int, passkey_id: int) -> Passkey | None:
    return session.scalar(select(Passkey).where(Passkey.id == passkey_id, Passkey.account_id == account_id))


def by_credential_id(session: Session, credential_id: str) -> Passkey | None:
    return session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))


def remove(session: Session, row: Passkey) -> None:
    session.delete(row)
    session.flush()


def purge_challenges(session: Session, before: dt.datetime) -> None:
    session.execute(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at < before))


def challenge(session: Session, handle: str) -> PasskeyChallenge | None:
    return session.scalar(select(PasskeyChallenge).where(PasskeyChallenge.handle == handle))


def spend_challenge(session: Session, handle: str, now: dt.datetime) -> bool:
    """Marks the challenge used; False when it was used already. One conditional UPDATE: of two
    requests racing with one challenge, exactly one gets True."""
    result = session.execute(
        update(PasskeyChallenge)
        .where(PasskeyChallenge.handle == handle, PasskeyChallenge.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def update_counter(
    session: Session, passkey_id: int, *, seen: int, new: int, backed_up: bool, now: dt.datetime
) -> bool:
    """Moves the counter from ``seen`` to ``new``; False when another login moved it meanwhile
    (two assertions racing with the same counter value: one of them is a clone or a replay)."""
    result = session.execute(
        update(Passkey)
        .where(Passkey.id == passkey_id, Passkey.sign_count == seen)
        .values(sign_count=new, backed_up=backed_up, last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
