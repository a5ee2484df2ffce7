"""Sending Subscription notifications (R4 rest-hook) off the request path.

The pattern of ``notifications/outbox.py``: one :class:`SubscriptionDispatcher` per process
(``shared.outbox.PollLoop``); each pass leases the due outbox rows (so a second process skips them
and a crashed one's come back), POSTs each to its ``channel.endpoint`` outside any transaction, and
records the outcome: ``sent``; a retry with backoff; after ``max_attempts`` the row is ``dead`` and
the Subscription goes to ``status=error`` (R4). A row is ``skipped`` when its Subscription was
turned off or its patient withdrew consent meanwhile (no notification to systems, docs/consent.md).
The body is empty, or an id-only Bundle: never the resource's content. Headers (which may carry the
receiver's credentials) are never logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session, sessionmaker

from egisz_api.access.consent import ConsentGate
from egisz_api.records.dates import instant_text
from egisz_api.subscriptions import repository
from egisz_api.subscriptions import service as subscriptions
from egisz_api.subscriptions.rules import headers, id_only
from shared.db import read_only
from shared.outbox import PollLoop, retry_delay, run_write_transaction

logger = logging.getLogger("egisz_api.subscriptions")
Clock = Callable[[], dt.datetime]
FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Delivery:
    row_id: int
    endpoint: str
    headers: dict[str, str]
    body: bytes


def _body(
    base: str, resource: dict[str, object], row_type: str, row_id: str, version: int, now: dt.datetime
) -> bytes:
    channel = resource["channel"]
    assert isinstance(channel, dict)
    if not id_only(channel):
        return b""
    bundle = {
        "resourceType": "Bundle",
        "type": "history",
        "timestamp": instant_text(now),
        "entry": [
            {
                "fullUrl": f"{base}/{row_type}/{row_id}",
                "request": {"method": "POST" if version == 1 else "PUT", "url": f"{row_type}/{row_id}"},
                "response": {"status": "201" if version == 1 else "200", "etag": f'W/"{version}"'},
            }
        ],
    }
    return json.dumps(bundle, separators=(",", ":")).encode()


def claim(
    session: Session, gate: ConsentGate, base: str, now: dt.datetime, *, batch: int, lease_seconds: float
) -> list[Delivery]:
    claimed = []
    until = now + dt.timedelta(seconds=lease_seconds)
    for row in repository.due(session, now, batch):
        if not repository.lease(session, row.id, row.next_attempt_at, until):
            continue
        sub = repository.by_pk(session, row.subscription_pk)
        assert sub is not None
        if sub.status != "active":
            row.status, row.last_error = "skipped", f"the subscription is {sub.status}"
            continue
        if not gate.allows(session, subscriptions.subscriber(sub.client_id), row.patient_id):
            row.status, row.last_error = "skipped", "consent_revoked"
            continue
        resource = json.loads(sub.content)
        channel = resource["channel"]
        claimed.append(
            Delivery(
                row.id,
                channel["endpoint"],
                {**headers(channel), "Content-Type": FHIR_JSON},
                _body(base, resource, row.resource_type, row.resource_id, row.version_id, now),
            )
        )
    return claimed


def record_outcome(
    session: Session,
    row_id: int,
    *,
    now: dt.datetime,
    failure: str | None,
    max_attempts: int,
    rng: random.Random,
) -> None:
    row = repository.outbox_row(session, row_id)
    if row is None or row.status != "pending":
        return
    row.attempts += 1
    if failure is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
        return
    row.last_error = failure[:200]
    if row.attempts < max_attempts:
        row.next_attempt_at = now + retry_delay(row.attempts, 5.0, 3600.0, rng)
        return
    row.status = "dead"
    sub = repository.by_pk(session, row.subscription_pk)
    if sub is not None and sub.status == "active":
        subscriptions.mark_error(sub, f"{row.attempts} notifications failed; the last: {row.last_error}")


class SubscriptionDispatcher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        http: httpx.Client,
        gate: ConsentGate,
        *,
        base: str,
        clock: Clock,
        poll_seconds: float = 2.0,
        batch: int = 50,
        lease_seconds: float = 60.0,
        max_attempts: int = 5,
        rng: random.Random | None = None,
    ) -> None:
        self.factory = factory
        self.http = http
        self.gate = gate
        self.base = base
        self.clock = clock
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.rng = rng or random.Random()
        self.loop = PollLoop("egisz-subscriptions", self.one_pass, poll_seconds, logger)

    def send_due(self) -> int:
        """Lease, send and record one batch; returns how many were tried."""
        now = self.clock()
        with self.factory() as session, read_only(session):
            if not repository.has_due(session, now):
                return 0  # nothing due: no write transaction (SQLite has one writer)
        claimed = run_write_transaction(
            self.factory,
            lambda s: claim(s, self.gate, self.base, now, batch=self.batch, lease_seconds=self.lease_seconds),
        )
        for item in claimed:
            self._record(item.row_id, self._send(item))
        return len(claimed)

    def _record(self, row_id: int, failure: str | None) -> None:
        def work(session: Session) -> None:
            record_outcome(
                session,
                row_id,
                now=self.clock(),
                failure=failure,
                max_attempts=self.max_attempts,
                rng=self.rng,
            )

        run_write_transaction(self.factory, work)

    def _send(self, item: Delivery) -> str | None:
        try:
            response = self.http.post(item.endpoint, content=item.body, headers=item.headers)
        except httpx.HTTPError as exc:
            logger.warning("subscription notification failed", extra={"outbox_id": item.row_id})
            return f"{type(exc).__name__}"
        if 200 <= response.status_code < 300:
            return None
        logger.warning(
            "subscription notification refused",
            extra={"outbox_id": item.row_id, "status": response.status_code},
        )
        return f"HTTP {response.status_code}"

    def run_once(self) -> float | None:
        return 0.0 if self.send_due() >= self.batch else None

    async def one_pass(self) -> float | None:
        return await asyncio.to_thread(self.run_once)
