"""Accepting messages into the outbox and showing their status.

Accepting is one transaction: the idempotency lookup, the checks, the per-recipient limit and the
insert of the row that is at once the message and its queue entry. The dispatcher (see
``delivery.py``) takes it from there.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifier.messages import repository
from notifier.messages.errors import (
    ChannelUnavailableError,
    IdempotencyKeyReusedError,
    MessageAlreadyExpiredError,
    MessageNotFoundError,
    RecipientRateLimitedError,
)
from notifier.messages.models import DeliveryAttempt, Message
from notifier.messages.sealing import Sealer, canonical_json
from notifier.metrics import NotifierMetrics
from notifier.rendering.catalog import TEMPLATES, mask_params, validate_params
from notifier.rendering.errors import ParamsTooLargeError
from notifier.throttling import RateLimits
from shared.contracts.notifier import (
    FINAL_STATES,
    AttemptStatus,
    ChannelDelivery,
    ChannelState,
    MaskedRecipient,
    MessageRequest,
    MessageStatus,
)
from shared.db import begin_immediate

#: ``session.info`` key listing the templates queued in the transaction; after commit the app wakes
#: the dispatcher and counts them (see ``main.py``), so nothing is announced that was rolled back.
ENQUEUED = "notifier.enqueued"

_ADDRESS_FIELD = {"email": "email", "sms": "phone", "push": "push_token"}


@dataclass(frozen=True)
class Intake:
    """The collaborators accepting a message needs."""

    sealer: Sealer
    limits: RateLimits
    available_channels: frozenset[str]
    max_params_bytes: int
    metrics: NotifierMetrics


def address_for(recipient: dict[str, Any], channel: str) -> str | None:
    value = recipient.get(_ADDRESS_FIELD[channel])
    return str(value) if value else None


def _recipient_digests(request: MessageRequest, sealer: Sealer) -> list[str]:
    recipient = request.recipient.model_dump(exclude_none=True)
    digests = []
    for channel in request.channels:
        address = address_for(recipient, channel) or ""
        normalized = address.strip().lower() if channel == "email" else address.strip()
        digests.append(sealer.digest({"channel": channel, "address": normalized})[:32])
    return digests


def _check(request: MessageRequest, intake: Intake, now: dt.datetime) -> dict[str, Any]:
    """The request's parameters as the template takes them, once everything fits."""
    size = len(canonical_json(request.params))
    if size > intake.max_params_bytes:
        raise ParamsTooLargeError(
            f"Template parameters take {size} bytes; at most {intake.max_params_bytes} are accepted."
        )
    params = validate_params(request.template, request.params)
    if request.expires_at is not None and request.expires_at <= now:
        raise MessageAlreadyExpiredError("expires_at is already in the past.")
    if not any(channel in intake.available_channels for channel in request.channels):
        raise ChannelUnavailableError(
            f"None of the channels {', '.join(request.channels)} is configured on this notifier.",
            extra={"available": sorted(intake.available_channels)},
        )
    return params


def _replay(existing: Message, digest: str, key: str) -> Message:
    if existing.request_digest != digest:
        raise IdempotencyKeyReusedError(
            f"Idempotency-Key {key!r} was already used with a different request body.",
            extra={"message_id": existing.id},
        )
    return existing


def accept_message(
    session: Session,
    request: MessageRequest,
    *,
    sender: str,
    idempotency_key: str | None,
    intake: Intake,
    now: dt.datetime,
) -> tuple[Message, bool]:
    """The queued message and True, or the earlier message and False for a replayed key."""
    # Take SQLite's write lock first, so that two requests with one key serialise instead of both
    # missing the lookup; PostgreSQL serialises them on the unique index below.
    begin_immediate(session)
    digest = intake.sealer.digest(request.model_dump(mode="json"))
    if idempotency_key is not None:
        existing = repository.find_by_idempotency_key(session, sender, idempotency_key)
        if existing is not None:
            return _replay(existing, digest, idempotency_key), False
    params = _check(request, intake, now)
    retry_after = intake.limits.hit_recipient(_recipient_digests(request, intake.sealer))
    if retry_after is not None:
        intake.metrics.rate_limited.inc()
        raise RecipientRateLimitedError(
            f"Too many messages to this recipient; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )
    message_id = str(uuid.uuid4())
    message = Message(
        id=message_id,
        template=request.template,
        locale=request.locale,
        channels=list(request.channels),
        recipient_sealed=intake.sealer.seal(
            request.recipient.model_dump(exclude_none=True), message_id=message_id, field="recipient"
        ),
        params_sealed=intake.sealer.seal(params, message_id=message_id, field="params"),
        status="queued",
        sender=sender,
        idempotency_key=idempotency_key,
        request_digest=digest,
        expires_at=request.expires_at,
        channel_index=0,
        channel_attempts=0,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            repository.add(session, message)
    except IntegrityError:
        # PostgreSQL: a concurrent request with the same key committed first.
        if idempotency_key is None:
            raise
        existing = repository.find_by_idempotency_key(session, sender, idempotency_key)
        if existing is None:
            raise
        return _replay(existing, digest, idempotency_key), False
    session.info.setdefault(ENQUEUED, []).append(message.template)
    return message, True


def _mask_address(value: str) -> str:
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:2]}•••@{domain}"
    if value.startswith("+"):
        return f"{value[:5]}•••{value[-4:]}" if len(value) > 9 else f"{value[:3]}•••"
    return f"{value[:4]}•••" if len(value) > 8 else "•••"


def masked_recipient(sealer: Sealer, message: Message) -> MaskedRecipient | None:
    if message.recipient_sealed is None:
        return None
    raw: dict[str, str] = sealer.open(message.recipient_sealed, message_id=message.id, field="recipient")
    return MaskedRecipient.model_validate({k: _mask_address(v) for k, v in raw.items()})


def masked_params(sealer: Sealer, message: Message) -> dict[str, Any] | None:
    if message.params_sealed is None:
        return None
    params = sealer.open(message.params_sealed, message_id=message.id, field="params")
    return mask_params(TEMPLATES.get(message.template), params)


def _channel_state(message: Message, index: int, attempts: list[DeliveryAttempt]) -> ChannelState:
    channel = message.channels[index]
    final = message.status in FINAL_STATES
    if message.delivered_channel == channel:
        return "delivered"
    if index < message.channel_index:
        return "failed"
    if index > message.channel_index:
        return "skipped" if final else "queued"
    if final:
        return "failed" if attempts else "skipped"
    return "sending" if message.status == "sending" else "queued"


def describe(message: Message, sealer: Sealer) -> MessageStatus:
    deliveries = []
    for index, channel in enumerate(message.channels):
        rows = [a for a in message.attempt_rows if a.channel == channel]
        deliveries.append(
            ChannelDelivery(
                channel=channel,
                status=_channel_state(message, index, rows),
                attempts=[
                    AttemptStatus(
                        channel=channel,
                        number=a.number,
                        status=a.status,
                        reason=a.reason,
                        started_at=a.started_at,
                        finished_at=a.finished_at,
                    )
                    for a in rows
                ],
            )
        )
    return MessageStatus(
        id=message.id,
        template=message.template,
        locale=message.locale,
        status=message.status,
        channels=list(message.channels),
        deliveries=deliveries,
        recipient=masked_recipient(sealer, message),
        params=masked_params(sealer, message),
        delivered_channel=message.delivered_channel,
        last_error=message.last_error,
        created_at=message.created_at,
        updated_at=message.updated_at,
        expires_at=message.expires_at,
        next_attempt_at=message.next_attempt_at if message.status not in FINAL_STATES else None,
        delivered_at=message.delivered_at,
        params_purged_at=message.params_purged_at,
    )


def _is_message_id(value: str) -> bool:
    """Ids are UUIDs; anything else names no message, and is not sent to the database (PostgreSQL
    refuses a NUL character in a query parameter: ``/v1/messages/%00`` was a 500)."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def get_status(session: Session, message_id: str, *, sender: str, sealer: Sealer) -> MessageStatus:
    message = repository.get(session, message_id, with_attempts=True) if _is_message_id(message_id) else None
    # A caller sees only its own messages; others' ids answer exactly like unknown ones.
    if message is None or message.sender != sender:
        raise MessageNotFoundError(f"No message {message_id}.")
    return describe(message, sealer)
