from __future__ import annotations

from sqlalchemy.orm import Session

from notifier.messages.models import Message


def add(session: Session, message: Message) -> Message:
    session.add(message)
    session.flush()
    return message


def get(session: Session, message_id: str) -> Message | None:
    return session.get(Message, message_id)
