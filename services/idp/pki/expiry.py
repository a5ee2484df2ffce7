"""The thirty-day expiry notice of bound certificates (issue 11, item 2).

One pass: read the bound certificates that expire within 30 days and whose owner was not told
(no lock), send each notice through the notifier (SMS and e-mail to the confirmed contacts,
template ``certificate_expiring``) outside any transaction, then mark that certificate told in a
short write transaction. Delivery is at-least-once: a notice the notifier did not take leaves the
certificate unmarked for the next pass, and the idempotency key
(the certificate's thumbprint and end) makes a repeat a no-op where the notice did arrive (the
notifier keeps keys 30 days).

It runs as a loop in the app's lifespan (``IDP_PKI_EXPIRY_NOTICES_ENABLED``, every
``IDP_PKI_EXPIRY_CHECK_SECONDS``); every replica may run it: the worst case is the same notice
asked for twice, which the idempotency key absorbs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from idp.accounts import service as accounts
from idp.accounts.models import Account
from idp.notifications import delivery
from idp.notifications.delivery import Notices
from idp.pki import bound
from shared.clock import Clock
from shared.outbox import PollLoop, run_write_transaction

logger = logging.getLogger("idp.pki.expiry")


@dataclass(frozen=True)
class _Due:
    bound_id: int
    thumbprint: str
    account: Account
    certificate: str
    not_after_iso: str
    not_after: dt.datetime


def _due(session: Session, clock: Clock) -> list[_Due]:
    out = []
    for row in bound.expiring_to_notify(session, now=clock()):
        account = accounts.get_account(session, row.account_id)
        if account is None:
            continue
        snap = row.subject_snapshot
        name = str(snap.get("common_name") or snap.get("subject") or row.thumbprint[:16])
        contacts = Account(
            id=account.id,
            phone=account.phone,
            phone_verified=account.phone_verified,
            email=account.email,
            email_verified=account.email_verified,
        )
        out.append(_Due(row.id, row.thumbprint, contacts, name, row.not_after.isoformat(), row.not_after))
    return out


def _mark(session: Session, *, bound_id: int, clock: Clock) -> None:
    bound.mark_expiry_notified(session, bound_id, now=clock())


def notify_expiring(factory: sessionmaker[Session], notices: Notices, clock: Clock) -> int:
    """One pass; returns how many certificates were marked told."""
    with factory() as session:
        due = _due(session, clock)
    told = 0
    for item in due:
        sent = delivery.certificate_expiring(
            notices,
            item.account,
            certificate=item.certificate,
            expires_at=item.not_after,
            idempotency_key=f"certificate-expiring:{item.thumbprint}:{item.not_after_iso}",
        )
        if not sent:
            continue  # the next pass tries again
        run_write_transaction(factory, functools.partial(_mark, bound_id=item.bound_id, clock=clock))
        told += 1
    if told:
        logger.info("certificate expiry notices sent", extra={"certificates": told})
    return told


def expiry_loop(
    factory: sessionmaker[Session], notices: Notices, clock: Clock, *, every_seconds: float
) -> PollLoop:
    """The lifespan's loop: a pass at start, then one every ``every_seconds``."""

    async def one_pass() -> float | None:
        await asyncio.to_thread(notify_expiring, factory, notices, clock)
        return None

    return PollLoop("certificate-expiry", one_pass, every_seconds, logger)
