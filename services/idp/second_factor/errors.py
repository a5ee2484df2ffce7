"""What a person is told when a second factor fails, with what to do next (ru default, en).

Each error carries its Russian text as ``message`` in the problem body (like the notifier errors)
and the numbers a page needs (``retry_after``, ``attempts_left``). None of them ever includes the
submitted code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from shared.errors import AppError


class SecondFactorError(AppError):
    messages: ClassVar[Mapping[str, str]] = {"ru": "Ошибка подтверждения", "en": "Confirmation failed"}

    def __init__(self, *, headers: Mapping[str, str] | None = None, **params: Any) -> None:
        self.params = params
        extra = {k: v for k, v in params.items() if v is not None}
        super().__init__(
            self.user_message("en"), headers=headers, extra={"message": self.user_message(), **extra}
        )

    def user_message(self, locale: str = "ru") -> str:
        return self.messages.get(locale, self.messages["ru"]).format(**self.params)


class _RetryLaterError(SecondFactorError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
            minutes=math.ceil(retry_after / 60),
        )


class CodeCooldownError(_RetryLaterError):
    """A code for this purpose was sent less than the cooldown ago («Отправить код ещё раз» comes
    back after ``retry_after`` seconds)."""

    code = "code_cooldown"
    title = "Code sent recently"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Отправить код ещё раз можно через {retry_after} сек.",
        "en": "You can ask for a new code in {retry_after} s.",
    }


class TooManyCodesError(_RetryLaterError):
    """The account reached its hourly number of codes (all purposes and channels together)."""

    code = "too_many_codes"
    title = "Too many codes"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Слишком много кодов за час. Попробуйте через {minutes} мин.",
        "en": "Too many codes this hour. Try again in {minutes} min.",
    }


class NoCodeError(SecondFactorError):
    """No live code: none was sent, or it was used, or a newer one replaced it."""

    status_code = 400
    code = "no_active_code"
    title = "No active code"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Нет действующего кода. Запросите новый код.",
        "en": "There is no active code. Ask for a new one.",
    }


class CodeExpiredError(SecondFactorError):
    status_code = 400
    code = "code_expired"
    title = "Code expired"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Срок действия кода истёк. Запросите новый код.",
        "en": "The code has expired. Ask for a new one.",
    }


class CodeAttemptsExceededError(SecondFactorError):
    """The code took its last wrong attempt and is dead, even for the right value."""

    status_code = 400
    code = "code_attempts_exceeded"
    title = "Too many attempts"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Превышено число попыток ввода кода. Запросите новый код.",
        "en": "Too many wrong codes. Ask for a new one.",
    }


class InvalidCodeError(SecondFactorError):
    """A wrong code; ``attempts_left`` is None where attempts are not counted per code (TOTP)."""

    status_code = 400
    code = "invalid_code"
    title = "Invalid code"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Неверный код. Осталось попыток: {attempts_left}.",
        "en": "Wrong code. Attempts left: {attempts_left}.",
    }
    plain_messages: ClassVar[Mapping[str, str]] = {"ru": "Неверный код.", "en": "Wrong code."}

    def __init__(self, attempts_left: int | None = None) -> None:
        self.attempts_left = attempts_left
        super().__init__(attempts_left=attempts_left)

    def user_message(self, locale: str = "ru") -> str:
        if self.attempts_left is None:
            return self.plain_messages.get(locale, self.plain_messages["ru"])
        return super().user_message(locale)


class TotpAlreadyEnabledError(SecondFactorError):
    status_code = 409
    code = "totp_already_enabled"
    title = "Authenticator app already enabled"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Приложение-аутентификатор уже подключено. Чтобы подключить другое, сначала отключите его.",
        "en": "An authenticator app is already enabled. Disable it first to add another.",
    }


class TotpNotEnrolledError(SecondFactorError):
    status_code = 400
    code = "totp_not_enrolled"
    title = "No authenticator app"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Приложение-аутентификатор не подключено. Начните подключение заново.",
        "en": "No authenticator app is being set up. Start again.",
    }


class InvalidTotpCodeError(SecondFactorError):
    status_code = 400
    code = "invalid_totp_code"
    title = "Invalid code"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Неверный код из приложения. Проверьте время на телефоне и введите текущий код.",
        "en": "Wrong code from the app. Check the phone's clock and enter the current code.",
    }


class TrustedDeviceNotFoundError(SecondFactorError):
    """No such trusted device of this account (another account's device looks the same: missing)."""

    status_code = 404
    code = "trusted_device_not_found"
    title = "Trusted device not found"
    messages: ClassVar[Mapping[str, str]] = {
        "ru": "Устройство не найдено.",
        "en": "Device not found.",
    }
