from __future__ import annotations

from shared.errors import NotFoundError


class MessageNotFoundError(NotFoundError):
    code = "message_not_found"
    title = "Message not found"
