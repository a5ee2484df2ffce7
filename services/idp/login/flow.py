"""The login rules after the form is submitted (R-LOG-1/2/6, R-SEC-3):

1. a locked account is refused before its password is even checked (with the unlock time);
2. the password is checked (one argon2 verification whether or not the login exists), outside any
   transaction: ~17 ms of hashing must not hold the database's write lock (SQLite) or the
   account's row lock (PostgreSQL) while every other login waits for it;
3. a wrong password counts towards the lockout; the failure that locks sends the owner a notice.
   Counting, and a right password's reset, are conditional UPDATEs that re-check the lock
   (``accounts.lockout``): the account may have been locked while the password was being hashed;
4. a right one asks for a second factor when the account requires it, or when the browser is not
   a trusted device and the person has a way to receive a code;
5. success: a session whose ``acr``/``amr`` say what was proven, and a notice for a new device.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import lockout
from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.accounts.passwords import verify_password
from idp.accounts.protection import FieldCipher
from idp.audit import service as audit
from idp.notifications import delivery
from idp.notifications.delivery import Notices
from idp.notifications.errors import NotificationRateLimitedError, NotifierUnavailableError
from idp.second_factor import codes, devices, one_time, totp
from idp.second_factor import errors as sf_errors
from idp.second_factor import pending as pending_requests
from idp.second_factor.assurance import assurance_after
from idp.second_factor.models import PendingLogin
from idp.second_factor.one_time import OneTimeCodes
from idp.sessions import service as sessions_service
from idp.sessions.devices import device_label
from idp.sessions.models import UserSession
from idp.settings import IdpSettings
from shared.clock import Clock
from shared.db import read_only

#: what a wrong, spent or late code raises
CODE_ERRORS = (
    sf_errors.InvalidCodeError,
    sf_errors.CodeExpiredError,
    sf_errors.CodeAttemptsExceededError,
    sf_errors.NoCodeError,
    sf_errors.InvalidTotpCodeError,
)

#: pending request purpose → one-time code purpose
CODE_PURPOSE = {"login": "login", "recovery": "recovery", "key_data": "key_data_change"}


@dataclass(frozen=True)
class LoginContext:
    """What the login, second-factor, recovery and password flows need, built once in main.py."""

    settings: IdpSettings
    field_cipher: FieldCipher
    session_policy: sessions_service.SessionPolicy
    codes: OneTimeCodes
    notices: Notices
    clock: Clock


@dataclass(frozen=True)
class Client:
    """Who is logging in, as the log and notices describe it."""

    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class PasswordCheck:
    outcome: str  # ok | wrong | locked
    account: Account | None = None
    locked_until: dt.datetime | None = None


def _log_refused_locked(session: Session, account: Account, who: Client) -> None:
    audit.record_event(
        session,
        event_type="login_failed",
        result="failure",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"reason": "locked"},
    )


def check_password(
    ctx: LoginContext, session: Session, cipher: FieldCipher, login: str, password: str, who: Client
) -> PasswordCheck:
    settings = ctx.settings
    now = ctx.clock()
    with read_only(session):
        account = accounts_service.find_by_login(session, cipher, login)
    if account is not None and lockout.is_locked(account, now):
        _log_refused_locked(session, account, who)
        return PasswordCheck("locked", account, account.locked_until)
    # No transaction is open here (read_only ended its own): the hash holds no lock.
    if verify_password(password, account.password_hash if account else None) and account is not None:
        until = lockout.clear_failures(session, account.id, now=now)
        if until is None:
            return PasswordCheck("ok", account)
        # locked by parallel wrong passwords while this one was being hashed: refused like step 1
        _log_refused_locked(session, account, who)
        return PasswordCheck("locked", account, until)
    if account is None:
        audit.record_event(
            session,
            event_type="login_failed",
            result="failure",
            actor="anonymous",
            ip=who.ip,
            user_agent=who.user_agent,
            details={"reason": "wrong_credentials"},
        )
        return PasswordCheck("wrong")
    outcome = lockout.register_failure(
        session, account.id, now=now, threshold=settings.lockout_threshold, minutes=settings.lockout_minutes
    )
    audit.record_event(
        session,
        event_type="login_failed",
        result="failure",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"reason": "wrong_credentials" if outcome.counted else "locked"},
    )
    if outcome.locked_now:
        audit.record_event(
            session,
            event_type="account_locked",
            result="success",
            actor="system",
            account_id=account.id,
            ip=who.ip,
            details={"minutes": settings.lockout_minutes},
        )
        delivery.alert_after_commit(
            ctx.notices,
            session,
            account,
            kind="lockout",
            locked_minutes=settings.lockout_minutes,
            ip=who.ip,
            idempotency_key=f"lockout:{account.id}:{int(now.timestamp())}",
        )
    if outcome.locked_now or not outcome.counted:
        return PasswordCheck("locked", account, outcome.locked_until)
    return PasswordCheck("wrong", account)


def second_factor_options(session: Session, account: Account) -> list[str]:
    """The ways this person can prove a second factor, best first."""
    options = []
    if totp.totp_enabled(session, account.id):
        options.append("totp")
    if account.phone and account.phone_verified:
        options.append("sms")
    if account.email and account.email_verified:
        options.append("email")
    return options


def needs_second_factor(account: Account, options: list[str], trusted_device: bool) -> bool:
    if not options:
        return False  # nothing to send a code to yet (R-LOG-2 applies once a contact is confirmed)
    return account.mfa_method is not None or not trusted_device


def preferred_method(account: Account, options: list[str]) -> str:
    if account.mfa_method in options:
        return str(account.mfa_method)
    return options[0]


def begin_second_factor(
    ctx: LoginContext,
    session: Session,
    account: Account,
    *,
    method: str,
    interaction: str | None,
    next_path: str | None,
    new_device: bool,
) -> PendingLogin:
    now = ctx.clock()
    return pending_requests.park(
        session,
        PendingLogin(
            handle=secrets.token_urlsafe(24),
            purpose="login",
            account_id=account.id,
            interaction_handle=interaction,
            next_path=next_path,
            method=method,
            new_device=new_device,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ctx.settings.interaction_ttl),
        ),
        now,
    )


def find_pending(
    ctx: LoginContext, session: Session, handle: str | None, purpose: str
) -> PendingLogin | None:
    return pending_requests.find(session, handle, purpose, ctx.clock())


def send_code(
    ctx: LoginContext,
    session: Session,
    account: Account,
    *,
    purpose: str,
    channel: str,
    locale: str,
    who: Client,
) -> codes.IssuedCode:
    """Issue and send a code; cooldown / hourly errors and NotifierUnavailableError propagate."""
    return one_time.send(
        ctx.codes, session, account, purpose=purpose, channel=channel, locale=locale, ip=who.ip
    )


def send_code_for(
    ctx: LoginContext,
    session: Session,
    account: Account,
    pending: PendingLogin,
    channel: str,
    *,
    locale: str,
    who: Client,
) -> str | None:
    """Send the code a parked request waits for. Returns why none was sent instead of raising, as
    a key the code page explains (``codes_ui.problem_text``): ``cooldown:<seconds>``, ``hourly``,
    ``recipient`` or ``notifier``; None when it was sent."""
    purpose = CODE_PURPOSE.get(pending.purpose, pending.purpose)
    try:
        send_code(ctx, session, account, purpose=purpose, channel=channel, locale=locale, who=who)
    except sf_errors.CodeCooldownError as exc:
        return f"cooldown:{exc.retry_after}"
    except sf_errors.TooManyCodesError:
        return "hourly"
    except NotificationRateLimitedError:
        return "recipient"
    except NotifierUnavailableError:
        return "notifier"
    return None


def check_second_factor(
    ctx: LoginContext, session: Session, account: Account, *, method: str, code: str, who: Client
) -> str:
    """The method that succeeded (``sms``/``email``/``totp``/``recovery_code``); raises the code errors."""
    if method != "totp":
        one_time.verify(ctx.codes, session, account, purpose="login", code=code, ip=who.ip)
        return method
    settings = ctx.settings
    now = ctx.clock()
    if totp.verify_totp(session, account.id, code, ctx.field_cipher, now):
        return "totp"
    if totp.verify_recovery_code(session, account.id, code, now):
        return "recovery_code"
    # App and recovery codes have no per-code attempt limit: wrong ones count towards the account
    # lockout like wrong passwords (R-LOG-6), which bounds the guessing.
    lockout.register_failure(
        session, account.id, now=now, threshold=settings.lockout_threshold, minutes=settings.lockout_minutes
    )
    one_time.log_failure(session, account, purpose="login", ip=who.ip)
    raise sf_errors.InvalidCodeError(attempts_left=None)


def complete_login(
    ctx: LoginContext,
    session: Session,
    account: Account,
    *,
    method: str | None,
    current: UserSession | None,
    who: Client,
    new_device: bool,
    on_commit: Any,
    details: dict[str, Any] | None = None,
    cert_thumbprint: str | None = None,
) -> str:
    """Start (or refresh) the session; returns the session cookie value. ``details``: more for the
    ``login_succeeded`` event (a signature login names its certificate); ``cert_thumbprint``: the
    SHA-256 of a signature login's certificate, which the session remembers for the tokens' ``cnf``."""
    amr, acr = assurance_after(method or "password")
    if current is not None and current.account_id == account.id:
        cookie = sessions_service.reauthenticate(current, acr=acr, amr=amr, cert_thumbprint=cert_thumbprint)
    else:
        if current is not None:
            previous = accounts_service.get_account(session, current.account_id)
            sessions_service.end_session(
                session, current, "replaced", subject=previous.sub if previous else "", on_commit=on_commit
            )
        _, cookie = sessions_service.start_session(
            session,
            ctx.session_policy,
            account_id=account.id,
            acr=acr,
            amr=amr,
            ip=who.ip,
            user_agent=who.user_agent,
            cert_thumbprint=cert_thumbprint,
        )
    audit.record_event(
        session,
        event_type="login_succeeded",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"acr": acr, "amr": amr, "new_device": new_device, **(details or {})},
    )
    if new_device:
        delivery.alert_after_commit(
            ctx.notices,
            session,
            account,
            kind="new_login",
            ip=who.ip,
            device=device_label(who.user_agent) if who.user_agent else None,  # notices are Russian
            at=ctx.clock(),
            idempotency_key=f"new-login:{account.id}:{secrets.token_hex(8)}",
        )
    return cookie


def trust_this_device(ctx: LoginContext, session: Session, account: Account, who: Client) -> str:
    return devices.trust_device(
        session, account.id, who.user_agent, ctx.clock(), days=ctx.settings.trusted_device_days
    )


def is_trusted(ctx: LoginContext, session: Session, account: Account, cookie: str | None) -> bool:
    return bool(cookie) and devices.is_trusted_device(session, account.id, cookie or "", ctx.clock())


def end_everything(
    session: Session, account: Account, reason: str, on_commit: Any, keep_sid: str | None = None
) -> int:
    """Password changed or recovered: every other session ends and its tokens die."""
    return sessions_service.end_sessions_of(
        session, account.id, reason, subject=account.sub, on_commit=on_commit, keep_sid=keep_sid
    )
