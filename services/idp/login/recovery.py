"""Password recovery by a code to the confirmed phone or e-mail (R-LOG-7).

The answer never says whether the login names an account: both paths park a recovery request,
cost one argon2 verification and lead to the same code page; only a real account gets a code.
A new password ends every session and revokes their tokens, lifts a lockout, and is announced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import lockout
from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.accounts.passwords import hash_password, verify_password
from idp.accounts.protection import FieldCipher
from idp.accounts.validation import login_variants, validate_password
from idp.audit import service as audit
from idp.login import flow
from idp.login.flow import LoginContext
from idp.notifications import delivery
from idp.notifications.errors import NotifierUnavailableError
from idp.second_factor import errors as sf_errors
from idp.second_factor import one_time
from idp.second_factor import pending as pending_requests
from idp.second_factor.models import PendingLogin


def recovery_channel(account: Account) -> str | None:
    if account.phone and account.phone_verified:
        return "sms"
    if account.email and account.email_verified:
        return "email"
    return None


def request_recovery(
    ctx: LoginContext, session: Session, cipher: FieldCipher, login: str, who: flow.Client, locale: str
) -> PendingLogin:
    account = accounts_service.find_by_login(session, cipher, login)
    verify_password("recovery timing equaliser", None)  # same cost whether or not the account exists
    now = ctx.clock()
    channel = recovery_channel(account) if account else None
    pending = pending_requests.park(
        session,
        PendingLogin(
            handle=secrets.token_urlsafe(24),
            purpose="recovery",
            account_id=account.id if account and channel else None,
            method=channel,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ctx.settings.interaction_ttl),
        ),
        now,
    )
    if account is None:
        return pending
    audit.record_event(
        session,
        event_type="recovery_requested",
        result="success" if channel else "failure",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        details={"channel": channel or "none"},
    )
    if channel:
        # the page says the same either way; the security log has any failure
        with contextlib.suppress(
            sf_errors.CodeCooldownError, sf_errors.TooManyCodesError, NotifierUnavailableError
        ):
            flow.send_code(ctx, session, account, purpose="recovery", channel=channel, locale=locale, who=who)
    return pending


def complete_recovery(
    ctx: LoginContext,
    session: Session,
    pending: PendingLogin,
    code: str,
    new_password: str,
    who: flow.Client,
    on_commit: Any,
) -> Account:
    """Raises the code errors, or validation's FieldError for a weak password."""
    if pending.account_id is None:
        raise sf_errors.InvalidCodeError(attempts_left=None)
    account = accounts_service.get_account(session, pending.account_id)
    if account is None:
        raise sf_errors.InvalidCodeError(attempts_left=None)
    cipher = ctx.field_cipher
    snils = cipher.open(account.snils_encrypted, "snils") if account.snils_encrypted else None
    validate_password(
        new_password,
        logins=login_variants(email=account.email, phone=account.phone, snils=snils),
        field="new_password",
    )
    one_time.verify(ctx.codes, session, account, purpose="recovery", code=code, ip=who.ip)
    set_password(ctx, session, account, new_password, who=who, on_commit=on_commit, reason="recovered")
    return account


def set_password(
    ctx: LoginContext,
    session: Session,
    account: Account,
    new_password: str,
    *,
    who: flow.Client,
    on_commit: Any,
    reason: str,
    keep_sid: str | None = None,
) -> None:
    account.password_hash = hash_password(new_password)
    account.password_changed_at = ctx.clock()
    lockout.unlock(account)
    ended = flow.end_everything(session, account, "password_changed", on_commit, keep_sid=keep_sid)
    audit.record_event(
        session,
        event_type="password_changed",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"how": reason, "sessions_ended": ended},
    )
    delivery.alert_after_commit(
        ctx.notices,
        session,
        account,
        kind="password_changed",
        ip=who.ip,
        at=ctx.clock(),
        idempotency_key=f"password:{account.id}:{int(ctx.clock().timestamp())}",
    )
