"""Delivery into the dev outbox table instead of the world (dev mode, no real gateway configured)."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from notifier.channels.base import Envelope
from notifier.dev_outbox.service import store_entry
from shared.db import begin_immediate


class DevOutboxSender:
    name = "dev-outbox"

    def __init__(self, channel: str, session_factory: sessionmaker[Session]) -> None:
        self.channel = channel
        self.session_factory = session_factory

    def _store(self, envelope: Envelope) -> str:
        content = envelope.content
        if envelope.channel == "email":
            subject, body = content.subject, content.text
        elif envelope.channel == "sms":
            subject, body = None, content.sms
        else:
            subject, body = content.push_title, content.push_body
        with self.session_factory() as session:
            begin_immediate(session)
            entry = store_entry(
                session,
                message_id=envelope.message_id,
                channel=envelope.channel,
                address=envelope.address,
                subject=subject,
                body=body,
            )
            session.commit()
            return f"dev-outbox:{entry.id}"

    async def send(self, envelope: Envelope) -> str | None:
        return await asyncio.to_thread(self._store, envelope)

    async def aclose(self) -> None:
        return None
