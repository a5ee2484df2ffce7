"""Every notifier model, imported once so that ``Base.metadata`` is complete."""

from __future__ import annotations

from notifier.database import Base
from notifier.messages.models import Message

__all__ = ["Base", "Message"]
