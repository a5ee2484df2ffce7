"""What the idp tells a person when a code cannot be sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from shared.errors import AppError


class NotifierUnavailableError(AppError):
    """The notifier could not take the message (down, slow, refusing): the person can retry later or
    pick another way to get a code."""

    status_code = 503
    code = "notifier_unavailable"
    title = "Notifier unavailable"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Не удалось отправить код. Попробуйте позже или выберите другой способ",
        "en": "Could not send the code. Try again later or choose another method",
    }

    def __init__(self, reason: str = "", *, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        super().__init__(self.messages["en"], headers=headers, extra={"message": self.messages["ru"]})
        #: for logs and operators only (never shown to the person)
        self.reason = reason
        self.retry_after = retry_after

    def user_message(self, locale: str = "ru") -> str:
        return self.messages.get(locale, self.messages["ru"])


class NotificationRateLimitedError(NotifierUnavailableError):
    """The notifier refused: too many messages to this address lately (its per-recipient limit)."""

    status_code = 429
    code = "notification_rate_limited"
    title = "Too many messages"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Слишком много сообщений на этот адрес. Попробуйте позже или выберите другой способ",
        "en": "Too many messages to this address. Try again later or choose another method",
    }
