"""The back-channel logout outbox: what ending a session writes, and how a delivery moves on.

A row per client to tell (OIDC Back-Channel Logout 1.0 §2.5) is written by :func:`enqueue` in the
transaction that ends the session, so a committed logout is never forgotten by a restart. A
dispatcher (``sessions/backchannel.py``) then moves each row through

    queued → sending (claimed with a lease) → delivered
                     ↘ failed (next_attempt_at, with backoff) → sending → … → dead

A claim counts as an attempt the moment it is made: a delivery whose process died spends its
budget and comes back when the lease runs out, so delivery is at-least-once (a receiver handles a
repeated logout of an ended session as a no-op, §2.6). The client's URI and signing algorithm are
read at each claim, so a URI corrected by an admin is used by the next retry, and a deleted client
ends its rows as ``dead``.

Every function runs inside one short transaction that the caller opens and commits.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from idp.clients import service as clients_service
from idp.sessions import repository
from idp.sessions.models import BackchannelLogout
from shared.outbox import retry_delay

Outcome = Literal["delivered", "retry", "dead", "stale"]

LOST_REASON = "no result recorded: the dispatcher stopped during the attempt (lease expired)"
NO_URI_REASON = "the client was deleted or no longer has a backchannel_logout_uri"


@dataclass(frozen=True)
class LogoutPolicy:
    """Retries of one delivery (IDP_BACKCHANNEL_LOGOUT_* settings)."""

    attempts: int
    backoff_seconds: float
    lease: dt.timedelta
    max_backoff_seconds: float = 3600.0

    def delay(self, attempt: int, rng: random.Random) -> dt.timedelta:
        return retry_delay(attempt, self.backoff_seconds, self.max_backoff_seconds, rng)


@dataclass(frozen=True)
class LogoutJob:
    """A claimed delivery: where to POST and what the logout token says (signed at sending)."""

    id: int
    claim_token: str
    attempt: int
    client_id: str
    uri: str
    alg: str
    subject: str
    sid: str


def enqueue(
    session: Session, *, client_id: str, subject: str, sid: str, now: dt.datetime
) -> BackchannelLogout:
    return repository.add_logout(
        session,
        BackchannelLogout(
            client_id=client_id,
            subject=subject,
            sid=sid,
            status="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        ),
    )


def _release(row: BackchannelLogout, now: dt.datetime) -> None:
    row.claimed_until = None
    row.claim_token = None
    row.updated_at = now


def _dead(row: BackchannelLogout, reason: str, now: dt.datetime) -> Outcome:
    row.status = "dead"
    row.next_attempt_at = None
    row.last_error = reason[:500]
    _release(row, now)
    return "dead"


def _after_failure(
    row: BackchannelLogout,
    policy: LogoutPolicy,
    now: dt.datetime,
    rng: random.Random,
    *,
    reason: str,
    permanent: bool,
) -> Outcome:
    if permanent or row.attempts >= policy.attempts:
        return _dead(row, reason, now)
    row.status = "failed"
    row.last_error = reason[:500]
    row.next_attempt_at = now + policy.delay(row.attempts, rng)
    _release(row, now)
    return "retry"


def next_due_at(session: Session) -> dt.datetime | None:
    """A read, no lock: lets an idle dispatcher skip the write transaction of a claim."""
    return repository.next_logout_due_at(session)


def claim_due(
    session: Session,
    *,
    now: dt.datetime,
    limit: int,
    token: str,
    policy: LogoutPolicy,
    rng: random.Random,
) -> list[LogoutJob]:
    jobs: list[LogoutJob] = []
    for row in repository.lock_due_logouts(session, now, limit):
        if row.status == "sending":
            # Its dispatcher died and that attempt's outcome is unknown. The lease was the wait, so
            # the next attempt goes now, if any is left.
            row.last_error = LOST_REASON
            if row.attempts >= policy.attempts:
                _dead(row, LOST_REASON, now)
                continue
        client = clients_service.find_client(session, row.client_id)
        if client is None or not client.backchannel_logout_uri:
            _dead(row, NO_URI_REASON, now)
            continue
        row.attempts += 1
        row.status = "sending"
        row.next_attempt_at = None
        row.claimed_until = now + policy.lease
        row.claim_token = token
        row.updated_at = now
        jobs.append(
            LogoutJob(
                id=row.id,
                claim_token=token,
                attempt=row.attempts,
                client_id=row.client_id,
                uri=client.backchannel_logout_uri,
                alg=client.signing_alg,
                subject=row.subject,
                sid=row.sid,
            )
        )
    session.flush()
    return jobs


def _still_ours(row: BackchannelLogout | None, job: LogoutJob) -> bool:
    return row is not None and row.status == "sending" and row.claim_token == job.claim_token


def record_success(session: Session, job: LogoutJob, *, now: dt.datetime) -> Outcome:
    row = repository.get_logout(session, job.id)
    if row is None or row.status == "delivered":
        return "stale"
    # Delivered even when the lease had run out meanwhile: the receiver has the token.
    row.status = "delivered"
    row.delivered_at = now
    row.next_attempt_at = None
    row.last_error = None
    _release(row, now)
    return "delivered"


def record_failure(
    session: Session,
    job: LogoutJob,
    *,
    now: dt.datetime,
    reason: str,
    permanent: bool,
    policy: LogoutPolicy,
    rng: random.Random,
) -> tuple[Outcome, dt.datetime | None]:
    """The outcome, and when the next attempt is due (None: no further attempt by us)."""
    row = repository.get_logout(session, job.id)
    if row is None or not _still_ours(row, job):
        return "stale", None  # our lease ran out and another dispatcher owns the row now
    return _after_failure(row, policy, now, rng, reason=reason, permanent=permanent), row.next_attempt_at


def anything_to_forget(session: Session, *, now: dt.datetime, retention: dt.timedelta) -> bool:
    """A read, no lock: whether :func:`sweep` has work (so an idle process takes no write lock)."""
    return repository.has_finished_logouts_before(session, now - retention)


def sweep(session: Session, *, now: dt.datetime, retention: dt.timedelta) -> int:
    """Forget delivered and dead rows after ``retention``; how many."""
    return repository.delete_finished_logouts_before(session, now - retention)
