"""Accepting messages. Delivery (channels, retries, fallback) builds on this table."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from notifier.messages import repository
from notifier.messages.errors import MessageNotFoundError
from notifier.messages.models import Message
from shared.contracts.notifier import MessageRequest


def accept_message(session: Session, request: MessageRequest, sender: str) -> Message:
    message = Message(
        id=str(uuid.uuid4()),
        template=request.template,
        locale=request.locale,
        recipient=request.recipient.model_dump(exclude_none=True),
        channels=list(request.channels),
        params=dict(request.params),
        status="queued",
        sender=sender,
    )
    return repository.add(session, message)


def get_message(session: Session, message_id: str, sender: str) -> Message:
    message = repository.get(session, message_id)
    # A caller sees only its own messages; others' ids answer exactly like unknown ones.
    if message is None or message.sender != sender:
        raise MessageNotFoundError(f"No message {message_id}.")
    return message
