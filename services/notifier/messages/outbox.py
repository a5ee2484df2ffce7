"""The delivery state machine: claiming due messages, recording outcomes, retries and fallback.

Every function here runs inside one short transaction the caller opens (with ``begin_immediate``,
so that SQLite serialises writers) and commits. The dispatcher does the sending in between, outside
any transaction.

A claim counts as an attempt the moment it is made, so a message that crashes its dispatcher
still spends its retry budget and ends in the dead letters instead of crashing every replica in
turn. A claim is a lease: the claiming dispatcher renews it by heartbeat (:func:`renew_claims`, every
third of the lease) while its sends are in flight, so the lease can be short (15 s by default)
and a message whose dispatcher was killed is taken over by another within one lease, not after
the longest send could take. The outcome of an attempt whose process died is unknown: the message
may have gone out, which is why delivery is at-least-once and every gateway gets the message id to
recognise repeats.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from notifier.messages import repository
from notifier.messages.errors import MessageNotFoundError, NotRequeueableError
from notifier.messages.models import DeliveryAttempt, Message
from notifier.messages.sealing import Sealer
from notifier.messages.service import address_for, masked_recipient
from shared.outbox import retry_delay

Outcome = Literal["delivered", "retry", "fallback", "dead", "expired", "stale"]

LOST_REASON = "no result recorded: the dispatcher stopped during the attempt (lease expired)"
INTERRUPTED_REASON = "interrupted by dispatcher shutdown"
EXPIRED_REASON = "expired before it could be sent"


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float
    max_seconds: float
    max_attempts: int
    channel_attempts: Mapping[str, int]

    def delay(self, attempt: int, rng: random.Random) -> dt.timedelta:
        return retry_delay(attempt, self.base_seconds, self.max_seconds, rng)


@dataclass(frozen=True)
class Job:
    """A claimed message, opened and ready to render and send."""

    message_id: str
    claim_token: str
    attempt_id: int
    channel: str
    number: int
    template: str
    locale: str
    address: str
    params: dict[str, Any]
    created_at: dt.datetime
    expires_at: dt.datetime | None


@dataclass
class ClaimResult:
    jobs: list[Job] = field(default_factory=list)
    expired: int = 0
    #: channels of attempts whose dispatcher died (their lease ran out)
    lost: list[str] = field(default_factory=list)
    #: outcomes of the lost attempts, by channel
    outcomes: list[tuple[str, Outcome]] = field(default_factory=list)


def _release(message: Message, now: dt.datetime) -> None:
    message.claimed_until = None
    message.claim_token = None
    message.updated_at = now


def _purge(message: Message, now: dt.datetime) -> None:
    if message.params_sealed is not None:
        message.params_sealed = None
        message.params_purged_at = now


def _expire(message: Message, now: dt.datetime) -> None:
    message.status = "expired"
    message.next_attempt_at = None
    message.last_error = message.last_error or EXPIRED_REASON
    _release(message, now)
    _purge(message, now)


def _dead(message: Message, now: dt.datetime) -> None:
    message.status = "dead"
    message.next_attempt_at = None
    _release(message, now)
    # Parameters stay (sealed) so that an operator can requeue, unless the code is already stale.
    if message.expires_at is not None and message.expires_at <= now:
        _purge(message, now)


def _finish(attempt: DeliveryAttempt, status: str, reason: str | None, now: dt.datetime) -> None:
    attempt.status = status
    attempt.reason = reason[:500] if reason else None
    attempt.finished_at = now


def _after_failure(
    message: Message,
    policy: RetryPolicy,
    now: dt.datetime,
    rng: random.Random,
    *,
    permanent: bool,
    reason: str,
) -> Outcome:
    message.last_error = reason[:500]
    _release(message, now)
    if message.attempts >= policy.max_attempts:
        _dead(message, now)
        return "dead"
    channel = message.current_channel or ""
    if permanent or message.channel_attempts >= policy.channel_attempts.get(channel, 1):
        if message.channel_index + 1 < len(message.channels):
            message.channel_index += 1
            message.channel_attempts = 0
            message.status = "failed"
            message.next_attempt_at = now
            return "fallback"
        _dead(message, now)
        return "dead"
    next_at = now + policy.delay(message.channel_attempts, rng)
    if message.expires_at is not None and next_at >= message.expires_at:
        # A retry would come after the code is useless; do not send it late.
        _expire(message, now)
        return "expired"
    message.status = "failed"
    message.next_attempt_at = next_at
    return "retry"


def claim_due(
    session: Session,
    *,
    now: dt.datetime,
    limit: int,
    lease: dt.timedelta,
    token: str,
    sealer: Sealer,
    policy: RetryPolicy,
    rng: random.Random,
) -> ClaimResult:
    result = ClaimResult()
    for message in repository.lock_due(session, now, limit):
        if message.status == "sending":
            lost_channel = message.current_channel or ""
            for attempt in repository.open_attempts(session, message.id):
                _finish(attempt, "failed", LOST_REASON, now)
            result.lost.append(lost_channel)
            outcome = _after_failure(message, policy, now, rng, permanent=False, reason=LOST_REASON)
            result.outcomes.append((lost_channel, outcome))
            if message.status != "failed" or message.next_attempt_at is None or message.next_attempt_at > now:
                continue
        if message.expires_at is not None and message.expires_at <= now:
            _expire(message, now)
            result.expired += 1
            continue
        channel = message.current_channel
        if channel is None or message.recipient_sealed is None or message.params_sealed is None:
            message.last_error = "nothing to deliver: no channel left or data purged"
            _dead(message, now)
            continue
        recipient = sealer.open(message.recipient_sealed, message_id=message.id, field="recipient")
        address = address_for(recipient, channel)
        if address is None:
            _after_failure(message, policy, now, rng, permanent=True, reason=f"no {channel} address")
            continue
        message.attempts += 1
        message.channel_attempts += 1
        message.status = "sending"
        message.next_attempt_at = None
        message.claimed_until = now + lease
        message.claim_token = token
        message.updated_at = now
        attempt = repository.add_attempt(
            session,
            DeliveryAttempt(
                message_id=message.id,
                channel=channel,
                number=message.channel_attempts,
                status="sending",
                started_at=now,
            ),
        )
        result.jobs.append(
            Job(
                message_id=message.id,
                claim_token=token,
                attempt_id=attempt.id,
                channel=channel,
                number=message.channel_attempts,
                template=message.template,
                locale=message.locale,
                address=address,
                params=sealer.open(message.params_sealed, message_id=message.id, field="params"),
                created_at=message.created_at,
                expires_at=message.expires_at,
            )
        )
    return result


def renew_claims(session: Session, *, token: str, now: dt.datetime, lease: dt.timedelta) -> int:
    """Heartbeat: every message still claimed under ``token`` stays claimed until ``now + lease``.

    Returns how many claims were renewed; one that another dispatcher took over (our lease ran out
    before this heartbeat) is not ours any more and stays with its new owner.
    """
    return repository.extend_claims(session, token=token, until=now + lease)


def _load(session: Session, job: Job) -> tuple[Message, DeliveryAttempt]:
    message = repository.get(session, job.message_id)
    attempt = repository.get_attempt(session, job.attempt_id)
    if message is None or attempt is None:
        raise MessageNotFoundError(f"message {job.message_id} vanished during delivery")
    return message, attempt


def _still_ours(message: Message, job: Job) -> bool:
    return message.status == "sending" and message.claim_token == job.claim_token


def record_success(session: Session, job: Job, *, now: dt.datetime, provider_id: str | None) -> bool:
    """True if this attempt delivered the message (False: it was already final, e.g. a duplicate)."""
    message, attempt = _load(session, job)
    _finish(attempt, "delivered", None, now)
    attempt.provider_id = provider_id[:128] if provider_id else None
    if message.status in ("delivered", "expired"):
        return False
    message.status = "delivered"
    message.delivered_channel = job.channel
    message.delivered_at = now
    message.next_attempt_at = None
    message.last_error = None
    _release(message, now)
    _purge(message, now)
    return True


def record_failure(
    session: Session,
    job: Job,
    *,
    now: dt.datetime,
    reason: str,
    permanent: bool,
    policy: RetryPolicy,
    rng: random.Random,
) -> Outcome:
    message, attempt = _load(session, job)
    _finish(attempt, "failed", reason, now)
    if not _still_ours(message, job):
        return "stale"  # our lease ran out and another dispatcher owns the message now
    return _after_failure(message, policy, now, rng, permanent=permanent, reason=reason)


def record_expired(session: Session, job: Job, *, now: dt.datetime) -> Outcome:
    message, attempt = _load(session, job)
    _finish(attempt, "failed", EXPIRED_REASON, now)
    if not _still_ours(message, job):
        return "stale"
    _expire(message, now)
    return "expired"


def release_interrupted(session: Session, job: Job, *, now: dt.datetime) -> None:
    """Shutdown cut the attempt short: void it and make the message due again at once."""
    message, attempt = _load(session, job)
    _finish(attempt, "failed", INTERRUPTED_REASON, now)
    if not _still_ours(message, job):
        return
    message.attempts = max(message.attempts - 1, 0)
    message.channel_attempts = max(message.channel_attempts - 1, 0)
    message.status = "failed"
    message.next_attempt_at = now
    message.last_error = INTERRUPTED_REASON
    _release(message, now)


def requeue_dead(session: Session, message_id: str, *, now: dt.datetime) -> Message:
    message = repository.get(session, message_id)
    if message is None:
        raise MessageNotFoundError(f"No message {message_id}.")
    if message.status != "dead":
        raise NotRequeueableError(f"Message {message_id} is {message.status}, not dead.")
    if message.recipient_sealed is None or message.params_sealed is None:
        raise NotRequeueableError(f"Message {message_id} has no recipient or parameters left to send.")
    if message.expires_at is not None and message.expires_at <= now:
        raise NotRequeueableError(
            f"Message {message_id} carried a code that expired at {message.expires_at}."
        )
    message.status = "queued"
    message.channel_index = 0
    message.channel_attempts = 0
    message.attempts = 0
    message.next_attempt_at = now
    message.last_error = None
    _release(message, now)
    return message


def list_dead(session: Session, *, sealer: Sealer, limit: int) -> list[dict[str, Any]]:
    rows = []
    for message in repository.list_by_status(session, "dead", limit):
        recipient = masked_recipient(sealer, message)
        rows.append(
            {
                "id": message.id,
                "template": message.template,
                "sender": message.sender,
                "channels": list(message.channels),
                "recipient": recipient.model_dump(exclude_none=True) if recipient else None,
                "attempts": len(message.attempt_rows),
                "last_error": message.last_error,
                "created_at": message.created_at.isoformat(),
                "dead_since": message.updated_at.isoformat(),
                "requeueable": message.params_sealed is not None and message.recipient_sealed is not None,
            }
        )
    return rows


def sweep(session: Session, *, now: dt.datetime, retention: dt.timedelta | None) -> dict[str, int]:
    """Housekeeping: purge the parameters of dead, expired codes; forget finished messages after the
    retention period; count the outbox by status."""
    repository.purge_expired_dead_params(session, now)
    if retention:
        repository.delete_finished_before(session, now - retention)
    return repository.count_by_status(session)
