"""What the idp sends through the notifier: one-time codes and security notices.

The notifier client is passed in (tests give a real client pointed at a real notifier). Each
function takes the idempotency key from its caller: it must be stable for one logical message
(e.g. derived from the code challenge id), so that retries and double clicks send it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal, Protocol

from shared.contracts.notifier import Channel, MessageAccepted, MessageRequest, Recipient

CodeTemplate = Literal["otp_code", "email_confirmation", "password_reset"]
AlertKind = Literal[
    "new_login", "lockout", "password_changed", "level_changed", "login_denied", "passkey_cloned"
]
Locale = Literal["ru", "en"]


class Notifier(Protocol):
    def send(self, request: MessageRequest, *, idempotency_key: str) -> MessageAccepted: ...


def send_code(
    notifier: Notifier,
    *,
    code: str,
    recipient: Recipient,
    channels: Sequence[Channel],
    expires_at: dt.datetime,
    idempotency_key: str,
    template: CodeTemplate = "otp_code",
    locale: Locale = "ru",
    link: str | None = None,
) -> str:
    """Queue a code; the notifier will not send it after ``expires_at``. Returns the message id.

    The text says how long the code is valid: the notifier works it out from ``expires_at``, so the
    request stays the same when retried with the same idempotency key.
    """
    params: dict[str, Any] = {"code": code}
    if link and template != "otp_code":
        params["link"] = link
    request = MessageRequest(
        template=template,
        locale=locale,
        params=params,
        recipient=recipient,
        channels=list(channels),
        expires_at=expires_at,
    )
    return notifier.send(request, idempotency_key=idempotency_key).id


def send_security_alert(
    notifier: Notifier,
    *,
    kind: AlertKind,
    recipient: Recipient,
    channels: Sequence[Channel],
    idempotency_key: str,
    locale: Locale = "ru",
    at: dt.datetime | None = None,
    timezone: str | None = None,
    ip: str | None = None,
    device: str | None = None,
    level: Literal["simplified", "standard", "confirmed"] | None = None,
    locked_minutes: int | None = None,
) -> str:
    """Queue a security notice (new login, lockout, password changed, level changed). ``at`` is
    shown in ``timezone`` (the idp's setting) with the zone's name, never as UTC."""
    params: dict[str, Any] = {"kind": kind}
    optional = {
        "at": at.isoformat() if at else None,
        "timezone": timezone if at else None,
        "ip": ip,
        "device": device,
        "level": level,
        "locked_minutes": locked_minutes,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    request = MessageRequest(
        template="security_alert", locale=locale, params=params, recipient=recipient, channels=list(channels)
    )
    return notifier.send(request, idempotency_key=idempotency_key).id


def send_login_approval(
    notifier: Notifier,
    *,
    push_token: str,
    place: str,
    browser: str,
    expires_at: dt.datetime,
    idempotency_key: str,
    locale: Locale = "ru",
    at: dt.datetime | None = None,
    timezone: str | None = None,
    link: str | None = None,
) -> str:
    """Queue the push asking the app to confirm a login (issue 15 item 1); not sent after
    ``expires_at``. ``link``: the dev-mode app page (it carries the device credential)."""
    params: dict[str, Any] = {"place": place[:64], "browser": browser[:128]}
    if at:
        params["at"] = at.isoformat()
        if timezone:
            params["timezone"] = timezone
    if link:
        params["link"] = link
    request = MessageRequest(
        template="login_approval",
        locale=locale,
        params=params,
        recipient=Recipient(push_token=push_token),
        channels=["push"],
        expires_at=expires_at,
    )
    return notifier.send(request, idempotency_key=idempotency_key).id


def send_consent_notice(
    notifier: Notifier,
    *,
    action: Literal["given", "withdrawn"],
    party: str,
    recipient: Recipient,
    channels: Sequence[Channel],
    idempotency_key: str,
    locale: Locale = "ru",
    at: dt.datetime | None = None,
    timezone: str | None = None,
) -> str:
    """Queue a notice that the person gave or withdrew a consent (e.g. to a client application)."""
    params: dict[str, Any] = {"action": action, "party": party}
    if at:
        params["at"] = at.isoformat()
        if timezone:
            params["timezone"] = timezone
    request = MessageRequest(
        template="consent_changed", locale=locale, params=params, recipient=recipient, channels=list(channels)
    )
    return notifier.send(request, idempotency_key=idempotency_key).id


def send_certificate_expiring(
    notifier: Notifier,
    *,
    certificate: str,
    expires_at: dt.datetime,
    recipient: Recipient,
    channels: Sequence[Channel],
    idempotency_key: str,
    locale: Locale = "ru",
    timezone: str | None = None,
) -> str:
    """Queue the notice that a bound signature certificate expires soon (issue 11, item 2);
    ``expires_at`` is shown in ``timezone`` (the idp's setting)."""
    params: dict[str, Any] = {"certificate": certificate[:200], "expires_at": expires_at.isoformat()}
    if timezone:
        params["timezone"] = timezone
    request = MessageRequest(
        template="certificate_expiring",
        locale=locale,
        params=params,
        recipient=recipient,
        channels=list(channels),
    )
    return notifier.send(request, idempotency_key=idempotency_key).id
