"""One-time codes as every flow uses them (login, recovery, contact and key-data confirmation):
issue, send through the notifier, verify — each outcome written to the security log.

The code rules themselves (hashing, lifetime, attempts, cooldown) are in ``second_factor.codes``;
this module adds the settings, the delivery and the log, once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.audit import service as audit
from idp.notifications import delivery
from idp.notifications import service as notifications
from idp.notifications.errors import NotifierUnavailableError
from idp.second_factor import codes
from idp.second_factor.errors import SecondFactorError
from idp.settings import IdpSettings
from shared.clock import Clock


@dataclass(frozen=True)
class OneTimeCodes:
    """What issuing, sending and checking a code needs: the code settings (key, lifetime, limits),
    the notifier and the clock."""

    settings: IdpSettings
    notifier: notifications.Notifier
    clock: Clock


def _log(
    session: Session, account: Account, event_type: str, result: str, ip: str | None, **details: str
) -> None:
    audit.record_event(
        session,
        event_type=event_type,
        result=result,
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=ip,
        details=details,
    )


def send(
    ctx: OneTimeCodes,
    session: Session,
    account: Account,
    *,
    purpose: str,
    channel: str,
    locale: str,
    ip: str | None,
    address: str | None = None,
    link: str | None = None,
    message_ttl: int | None = None,
) -> codes.IssuedCode:
    """Issue a code and hand it to the notifier. Raises the cooldown / hourly-limit errors and
    NotifierUnavailableError; ``address`` sends to a contact not yet confirmed (a new phone)."""
    settings = ctx.settings
    now = ctx.clock()
    issued = codes.issue_code(
        session,
        account_id=account.id,
        purpose=purpose,
        channel=channel,
        now=now,
        code_key=settings.code_hash_key.get_secret_value(),
        ttl=settings.code_ttl_seconds,
        cooldown=settings.code_resend_cooldown_seconds,
        max_per_hour=settings.code_max_sends_per_hour,
    )
    code, row = issued
    expires = now + dt.timedelta(seconds=message_ttl) if message_ttl else row.expires_at
    try:
        delivery.send_code(
            ctx.notifier,
            account,
            channel=channel,
            code=code,
            purpose=purpose,
            expires_at=expires,
            idempotency_key=f"code:{row.id}",
            locale=locale,
            address=address,
            link=link,
        )
    except NotifierUnavailableError:
        _log(session, account, "code_failed", "failure", ip, purpose=purpose, channel=channel)
        raise
    _log(session, account, "code_sent", "success", ip, purpose=purpose, channel=channel)
    return issued


def verify(
    ctx: OneTimeCodes, session: Session, account: Account, *, purpose: str, code: str, ip: str | None
) -> None:
    """Check a code; raises the second-factor errors (wrong, expired, too many attempts)."""
    settings = ctx.settings
    try:
        codes.verify_code(
            session,
            account_id=account.id,
            purpose=purpose,
            code=code,
            now=ctx.clock(),
            code_key=settings.code_hash_key.get_secret_value(),
            max_attempts=settings.code_max_attempts,
        )
    except SecondFactorError:
        _log(session, account, "code_failed", "failure", ip, purpose=purpose)
        raise


def log_failure(session: Session, account: Account, *, purpose: str, ip: str | None) -> None:
    _log(session, account, "code_failed", "failure", ip, purpose=purpose)
