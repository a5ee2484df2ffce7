"""Every notifier model, imported once so that ``Base.metadata`` is complete."""

from __future__ import annotations

from notifier.database import Base
from notifier.dev_outbox.models import DevOutboxEntry
from notifier.messages.models import DeliveryAttempt, Message

__all__ = ["Base", "DeliveryAttempt", "DevOutboxEntry", "Message"]
