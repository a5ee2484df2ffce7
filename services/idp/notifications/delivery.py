"""Sending a one-time code or a security notice to a person through the notifier.

Failures reach the caller as NotifierUnavailableError (its message is what the page shows:
«Не удалось отправить код. Попробуйте позже или выберите другой способ»); nothing is logged but
ids: never the code, never the address.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.notifications import service as notifications
from idp.notifications.errors import NotifierUnavailableError
from shared.contracts.notifier import Recipient
from shared.db import after_commit
from shared.web.formatting import DEFAULT_TIMEZONE

logger = logging.getLogger("idp.delivery")

TEMPLATES = {
    "login": "otp_code",
    "recovery": "password_reset",
    "phone_confirmation": "otp_code",
    "email_confirmation": "email_confirmation",
    "key_data_change": "otp_code",
}


@dataclass(frozen=True)
class Notices:
    """What sending a security notice needs: the notifier, and the small pool that sends off the
    request thread."""

    notifier: notifications.Notifier
    outbound: Executor
    #: the zone the notice's time is shown in (settings.timezone): local time, never UTC
    timezone: str = DEFAULT_TIMEZONE


def recipient_for(account: Account, channel: str, *, address: str | None = None) -> Recipient:
    if channel == "sms":
        return Recipient(phone=address or account.phone)
    return Recipient(email=address or account.email)


def send_code(
    notifier: notifications.Notifier,
    account: Account,
    *,
    channel: str,
    code: str,
    purpose: str,
    expires_at: dt.datetime,
    idempotency_key: str,
    locale: str,
    address: str | None = None,
    link: str | None = None,
) -> None:
    notifications.send_code(
        notifier,
        code=code,
        recipient=recipient_for(account, channel, address=address),
        channels=["sms" if channel == "sms" else "email"],
        expires_at=expires_at,
        idempotency_key=idempotency_key,
        template=TEMPLATES[purpose],  # type: ignore[arg-type]
        locale="en" if locale == "en" else "ru",
        link=link,
    )


def _confirmed_channels(account: Account) -> list[str]:
    return [
        c
        for c, ok in (
            ("sms", account.phone and account.phone_verified),
            ("email", account.email and account.email_verified),
        )
        if ok
    ]


def certificate_expiring(
    notices: Notices,
    account: Account,
    *,
    certificate: str,
    expires_at: dt.datetime,
    idempotency_key: str,
    locale: str = "ru",
) -> bool:
    """The expiry notice by SMS and e-mail to the confirmed contacts. True when every channel
    took it (or there is none to tell); False when one could not be queued (logged by id), so
    the caller tries again later: the idempotency key makes the repeat a no-op where it did arrive."""
    delivered = True
    for channel in _confirmed_channels(account):
        try:
            notifications.send_certificate_expiring(
                notices.notifier,
                certificate=certificate,
                expires_at=expires_at,
                recipient=recipient_for(account, channel),
                channels=[channel],  # type: ignore[list-item]
                idempotency_key=f"{idempotency_key}:{channel}",
                locale="en" if locale == "en" else "ru",
                timezone=notices.timezone,
            )
        except NotifierUnavailableError as exc:
            delivered = False
            logger.warning(
                "certificate expiry notice not queued",
                extra={"account_id": account.id, "channel": channel, "reason": exc.reason},
            )
    return delivered


def alert(
    notifier: notifications.Notifier,
    account: Account,
    *,
    kind: str,
    idempotency_key: str,
    locale: str = "ru",
    ip: str | None = None,
    device: str | None = None,
    level: str | None = None,
    locked_minutes: int | None = None,
    at: dt.datetime | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> bool:
    """R-SEC-3: security notices go by e-mail and SMS. A notice that cannot be queued is logged
    (by id) and does not fail what the person was doing."""
    channels = _confirmed_channels(account)
    sent = False
    for channel in channels:  # one message per channel: both must arrive, not one as a fallback
        try:
            notifications.send_security_alert(
                notifier,
                kind=kind,  # type: ignore[arg-type]
                recipient=recipient_for(account, channel),
                channels=[channel],  # type: ignore[list-item]
                idempotency_key=f"{idempotency_key}:{channel}",
                locale="en" if locale == "en" else "ru",
                at=at,
                timezone=timezone,
                ip=ip,
                device=device,
                level=level if level in ("simplified", "standard", "confirmed") else None,  # type: ignore[arg-type]
                locked_minutes=locked_minutes,
            )
            sent = True
        except NotifierUnavailableError as exc:
            logger.warning(
                "security notice not queued",
                extra={"account_id": account.id, "kind": kind, "channel": channel, "reason": exc.reason},
            )
    return sent


def alert_after_commit(notices: Notices, session: Session, account: Account, **kwargs: Any) -> None:
    """Send a security notice once the transaction that caused it has committed, off the request
    thread: a notice must not hold database locks while it travels, nor go out for a change that
    was rolled back."""
    snapshot = Account(
        id=account.id,
        phone=account.phone,
        phone_verified=account.phone_verified,
        email=account.email,
        email_verified=account.email_verified,
    )
    notifier, executor = notices.notifier, notices.outbound

    kwargs.setdefault("timezone", notices.timezone)

    def send() -> None:
        executor.submit(alert, notifier, snapshot, **kwargs)

    after_commit(session, send)


def push_after_commit(notices: Notices, session: Session, **kwargs: Any) -> None:
    """Queue a login-approval push (``notifications.send_login_approval``) once the approval it
    asks about has committed, off the request thread. A push that cannot be queued is logged by
    id: the login page still waits, and the app lists waiting approvals when opened."""
    notifier, executor = notices.notifier, notices.outbound
    kwargs.setdefault("timezone", notices.timezone)

    def push() -> None:
        try:
            notifications.send_login_approval(notifier, **kwargs)
        except NotifierUnavailableError as exc:
            logger.warning(
                "login approval push not queued",
                extra={"idempotency_key": kwargs.get("idempotency_key"), "reason": exc.reason},
            )

    after_commit(session, lambda: executor.submit(push))
