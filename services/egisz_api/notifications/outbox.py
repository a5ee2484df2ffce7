"""Sending the notification outbox through the notifier, off the request path.

One :class:`Dispatcher` task per EGISZ process (``shared.outbox.PollLoop``): each pass reads the
audit trail for «access to my record» notices (``service.find_access_notices``), leases the due outbox
rows (moving their next attempt a lease ahead, so a second process skips them and a crashed one's
rows come back), sends each with its Idempotency-Key outside any transaction, and records the
outcome: ``sent`` with the notifier's message id; ``no_address`` when the Patient has no address for
the channel; else a retry with backoff, ``dead`` after ``max_attempts``. A notice is never lost:
it is a committed row until the notifier has accepted it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from egisz_api.notifications import repository
from egisz_api.notifications import service as notifications
from egisz_api.notifications.client import NotifierClient, NotifierError
from egisz_api.notifications.contacts import recipient
from egisz_api.notifications.events import TEMPLATES
from egisz_api.records import service as records
from shared.contracts.notifier import MessageRequest
from shared.db import read_only
from shared.outbox import PollLoop, retry_delay, run_write_transaction

logger = logging.getLogger("egisz_api.notifications")
Clock = Callable[[], dt.datetime]
T = TypeVar("T")


@dataclass(frozen=True)
class Claimed:
    row_id: int
    key: str
    request: MessageRequest | None


def _request(session: Session, row_id: int) -> MessageRequest | None:
    row = repository.outbox_row(session, row_id)
    assert row is not None
    patient = records.find(session, "Patient", row.patient_id)
    address = recipient(json.loads(patient.content), row.channel) if patient is not None else None
    if address is None:
        return None
    return MessageRequest(
        template=TEMPLATES[row.event],  # type: ignore[index]
        locale="en" if row.locale == "en" else "ru",
        params=json.loads(row.params),
        recipient=address,
        channels=[row.channel],
    )


def claim(session: Session, now: dt.datetime, *, batch: int, lease_seconds: float) -> list[Claimed]:
    """Lease up to ``batch`` due rows and build their messages (rows without an address are closed
    as ``no_address`` here)."""
    claimed = []
    until = now + dt.timedelta(seconds=lease_seconds)
    for row in repository.due(session, now, batch):
        if not repository.lease(session, row.id, row.next_attempt_at, until):
            continue
        request = _request(session, row.id)
        if request is None:
            row.status, row.last_error = "no_address", f"the patient has no {row.channel} address"
            continue
        claimed.append(Claimed(row.id, row.idempotency_key, request))
    return claimed


def record_outcome(
    session: Session,
    row_id: int,
    *,
    now: dt.datetime,
    message_id: str | None = None,
    error: NotifierError | None = None,
    max_attempts: int,
    rng: random.Random,
) -> None:
    row = repository.outbox_row(session, row_id)
    if row is None or row.status != "pending":
        return
    row.attempts += 1
    if error is None:
        row.status, row.sent_at, row.message_id, row.last_error = "sent", now, message_id, None
        return
    row.last_error = error.reason[:200]
    if not error.retry or row.attempts >= max_attempts:
        row.status = "dead"
    else:
        row.next_attempt_at = now + retry_delay(row.attempts, 5.0, 3600.0, rng)


class Dispatcher:
    """The loop that scans and sends. ``client`` None: notices are queued and kept, not sent (no
    service credentials configured); the access scan runs either way."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        client: NotifierClient | None,
        *,
        clock: Clock,
        poll_seconds: float = 2.0,
        batch: int = 50,
        lease_seconds: float = 60.0,
        max_attempts: int = 8,
        rng: random.Random | None = None,
    ) -> None:
        self.factory = factory
        self.client = client
        self.clock = clock
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.rng = rng or random.Random()
        self._position: int | None = None
        self.loop = PollLoop("egisz-notifications", self.one_pass, poll_seconds, logger)

    def _read(self, work: Callable[[Session], T]) -> T:
        with self.factory() as session, read_only(session):
            return work(session)

    def scan(self) -> int:
        """One read of the audit trail; a write transaction only when a notice is to be queued (the
        position read up to is kept in memory meanwhile, and stored with the next notice)."""
        if self._position is None:
            self._position = self._read(notifications.access_cursor)
        after = self._position
        scan = self._read(lambda s: notifications.find_access_notices(s, after))
        if scan.notices:
            run_write_transaction(
                self.factory, lambda s: notifications.queue_access_notices(s, scan, now=self.clock())
            )
        self._position = scan.position
        return scan.read

    def send_due(self) -> int:
        """Lease, send and record one batch; returns how many were tried."""
        client = self.client
        if client is None:
            return 0
        now = self.clock()
        if not self._read(lambda s: notifications.has_due_notices(s, now=now)):
            return 0  # nothing due: no write transaction (SQLite has one writer)
        claimed = run_write_transaction(
            self.factory,
            lambda s: claim(s, now, batch=self.batch, lease_seconds=self.lease_seconds),
        )
        for item in claimed:
            assert item.request is not None
            message_id, failure = None, None
            try:
                message_id = client.send(item.request, idempotency_key=item.key).id
            except NotifierError as exc:
                failure = exc
                logger.warning("notice not accepted", extra={"outbox_id": item.row_id, "reason": exc.reason})
            self._record(item.row_id, message_id, failure)
        return len(claimed)

    def _record(self, row_id: int, message_id: str | None, failure: NotifierError | None) -> None:
        def work(session: Session) -> None:
            record_outcome(
                session,
                row_id,
                now=self.clock(),
                message_id=message_id,
                error=failure,
                max_attempts=self.max_attempts,
                rng=self.rng,
            )

        run_write_transaction(self.factory, work)

    def run_once(self) -> float | None:
        scanned = self.scan()
        sent = self.send_due()
        return 0.0 if scanned >= 500 or sent >= self.batch else None

    async def one_pass(self) -> float | None:
        return await asyncio.to_thread(self.run_once)
