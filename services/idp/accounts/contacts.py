"""Confirming contacts (R-ACC-3): the phone by an SMS code, the e-mail by a signed link.

A confirmed contact makes the account *simplified* (levels.py). Codes are the second-factor
codes (purpose ``phone_confirmation``); links are ``accounts/links.py`` tokens. Everything that
happens is written to the security log; codes and addresses never reach the log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import levels, links, registration, repository
from idp.accounts.errors import AccountNotFoundError, ContactTakenError
from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher
from idp.accounts.registration import refuse_taken, taken_fields
from idp.accounts.registry import IdentityRegistry
from idp.accounts.validation import (
    InvalidFieldsError,
    email_key,
    validate_email,
    validate_phone,
    validate_registration,
)
from idp.audit import service as audit
from idp.notifications import delivery
from idp.notifications.delivery import Notices
from idp.notifications.errors import NotifierUnavailableError
from idp.second_factor import one_time
from idp.second_factor import pending as pending_requests
from idp.second_factor.assurance import assurance_after
from idp.second_factor.errors import SecondFactorError
from idp.second_factor.models import PendingLogin
from idp.second_factor.one_time import OneTimeCodes
from idp.sessions import service as sessions_service
from idp.settings import IdpSettings
from shared.clock import Clock


@dataclass(frozen=True)
class AccountsContext:
    """What confirming contacts and changing key data need, built once in main.py."""

    settings: IdpSettings
    field_cipher: FieldCipher
    registry: IdentityRegistry
    codes: OneTimeCodes
    notices: Notices
    clock: Clock


@dataclass(frozen=True)
class ConfirmationSent:
    token: str
    phone_code_sent: bool
    email_link_sent: bool


def _actor(account: Account) -> str:
    return f"account:{account.id}"


def send_phone_code(
    ctx: AccountsContext,
    session: Session,
    account: Account,
    *,
    phone: str | None = None,
    locale: str = "ru",
    ip: str | None = None,
) -> None:
    """An SMS code confirming ``phone`` (the account's own by default). Raises the code errors
    (cooldown, hourly limit) and NotifierUnavailableError for the page to explain."""
    one_time.send(
        ctx.codes,
        session,
        account,
        purpose="phone_confirmation",
        channel="sms",
        locale=locale,
        ip=ip,
        address=phone,
    )


def send_email_link(
    ctx: AccountsContext, session: Session, account: Account, *, locale: str = "ru", ip: str | None = None
) -> bool:
    """An e-mail with a signed confirmation link and, for those who read mail elsewhere, a code
    they can type in the cabinet, to the address waiting for confirmation (or the current one).
    False when it could not be sent (notifier down, cooldown)."""
    settings = ctx.settings
    address = account.pending_email or account.email
    if not address:
        return False
    token = links.make_token(
        settings.cookie_key.get_secret_value(), account.id, address, settings.email_link_ttl_seconds
    )
    try:
        one_time.send(
            ctx.codes,
            session,
            account,
            purpose="email_confirmation",
            channel="email",
            locale=locale,
            ip=ip,
            address=address,
            link=f"{settings.issuer.rstrip('/')}/confirm-email?token={token}",
            message_ttl=settings.email_link_ttl_seconds,
        )
    except (NotifierUnavailableError, SecondFactorError):
        return False
    return True


def register(
    ctx: AccountsContext, session: Session, clean: dict[str, Any], *, ip: str | None, locale: str
) -> tuple[Account, ConfirmationSent]:
    """Create the account from validated fields (the registry check included) and send both
    confirmations. Raises ContactTakenError."""
    account = registration.register(session, ctx.field_cipher, ctx.registry, clean, now=ctx.clock())
    return account, after_registration(ctx, session, account, ip=ip, locale=locale)


def register_fields(
    ctx: AccountsContext,
    session: Session,
    data: dict[str, Any],
    *,
    ip: str | None,
    locale: str,
    allow_test_domains: bool,
) -> tuple[Account, ConfirmationSent]:
    """The registration API's one service: validate (InvalidFieldsError) and :func:`register`."""
    clean, problems = validate_registration(
        data, today=ctx.clock().date(), allow_test_domains=allow_test_domains
    )
    if problems:
        raise InvalidFieldsError(problems, locale)
    return register(ctx, session, clean, ip=ip, locale=locale)


PASSWORD_AMR, PASSWORD_ACR = assurance_after("password")


@dataclass(frozen=True)
class SignUp:
    """What a registration form came to: field errors (in the person's language) with the status
    to answer, or a new account signed in by ``cookie``."""

    errors: dict[str, str]
    status: int
    cookie: str | None = None


def sign_up(
    ctx: AccountsContext,
    session: Session,
    policy: sessions_service.SessionPolicy,
    values: dict[str, Any],
    password: str,
    *,
    ip: str | None,
    user_agent: str | None,
    locale: str,
    allow_test_domains: bool,
) -> SignUp:
    """The registration page's one service: validate, create the account (the registry check and
    both confirmations included) and sign the person in with a password-level session."""
    clean, problems = validate_registration(
        {**values, "password": password}, today=ctx.clock().date(), allow_test_domains=allow_test_domains
    )
    if problems:
        return SignUp({e.field: e.message(locale) for e in problems}, 422)
    try:
        account, _ = register(ctx, session, clean, ip=ip, locale=locale)
    except ContactTakenError as exc:
        key = "message" if locale == "ru" else "message_en"
        return SignUp({e["field"]: e[key] for e in exc.extra["errors"]}, 409)
    _, cookie = sessions_service.start_session(
        session,
        policy,
        account_id=account.id,
        acr=PASSWORD_ACR,
        amr=PASSWORD_AMR,
        ip=ip,
        user_agent=user_agent,
    )
    return SignUp({}, 303, cookie)


def after_registration(
    ctx: AccountsContext, session: Session, account: Account, *, ip: str | None, locale: str
) -> ConfirmationSent:
    """Record the registration and send both confirmations; a notifier outage does not undo the
    registration (the person can ask again from the cabinet)."""
    audit.record_event(
        session,
        event_type="registered",
        result="success",
        actor=_actor(account),
        account_id=account.id,
        ip=ip,
        details={"level": account.level, "registry_status": account.registry_status},
    )
    phone_sent = True
    try:
        send_phone_code(ctx, session, account, locale=locale, ip=ip)
    except NotifierUnavailableError:
        phone_sent = False
    email_sent = send_email_link(ctx, session, account, locale=locale, ip=ip)
    now = ctx.clock()
    pending = pending_requests.park(
        session,
        PendingLogin(
            handle=secrets.token_urlsafe(24),
            purpose="registration",
            account_id=account.id,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ctx.settings.interaction_ttl),
        ),
        now,
    )
    return ConfirmationSent(pending.handle, phone_sent, email_sent)


def confirm_phone(
    ctx: AccountsContext,
    session: Session,
    account: Account,
    code: str,
    *,
    ip: str | None,
    phone: str | None = None,
) -> None:
    """Check the SMS code; on success the phone (or the new ``phone``) is confirmed."""
    one_time.verify(ctx.codes, session, account, purpose="phone_confirmation", code=code, ip=ip)
    if phone:
        account.phone = phone
    account.pending_phone = None
    account.phone_verified = True
    audit.record_event(
        session,
        event_type="contact_confirmed",
        result="success",
        actor=_actor(account),
        account_id=account.id,
        ip=ip,
        details={"contact": "phone"},
    )
    note_level_change(ctx, session, account, ip=ip)


def confirm_phone_by_token(
    ctx: AccountsContext, session: Session, token: str, code: str, *, ip: str | None
) -> Account:
    pending = pending_requests.find(session, token, "registration", ctx.clock())
    if pending is None:
        raise AccountNotFoundError("Unknown or expired confirmation token.")
    account = repository.get(session, pending.account_id or 0)
    if account is None:
        raise AccountNotFoundError("Unknown or expired confirmation token.")
    confirm_phone(ctx, session, account, code, ip=ip)
    return account


def confirm_email_link(ctx: AccountsContext, session: Session, token: str, *, ip: str | None) -> str:
    """'confirmed', or why not: 'expired' / 'invalid' (also when the address changed since)."""
    try:
        account_id, email = links.read_token(ctx.settings.cookie_key.get_secret_value(), token)
    except links.LinkError as exc:
        return exc.reason
    account = repository.get(session, account_id)
    if account is None or email not in (account.email, account.pending_email):
        return "invalid"
    _email_confirmed(ctx, session, account, email, ip=ip)
    return "confirmed"


def confirm_email_code(
    ctx: AccountsContext, session: Session, account: Account, code: str, *, ip: str | None
) -> None:
    one_time.verify(ctx.codes, session, account, purpose="email_confirmation", code=code, ip=ip)
    address = account.pending_email or account.email
    if address:
        _email_confirmed(ctx, session, account, address, ip=ip)


def _email_confirmed(
    ctx: AccountsContext, session: Session, account: Account, email: str, *, ip: str | None
) -> None:
    changed = email != account.email
    if changed or not account.email_verified:
        account.email = email
        account.pending_email = None
        account.email_verified = True
        audit.record_event(
            session,
            event_type="contact_confirmed",
            result="success",
            actor=_actor(account),
            account_id=account.id,
            ip=ip,
            details={"contact": "email", "changed": changed},
        )
        note_level_change(ctx, session, account, ip=ip)


def note_level_change(ctx: AccountsContext, session: Session, account: Account, *, ip: str | None) -> None:
    change = levels.refresh_level(account)
    if change is None:
        return
    old, new = change
    audit.record_event(
        session,
        event_type="level_changed",
        result="success",
        actor=_actor(account),
        account_id=account.id,
        ip=ip,
        details={"from": old, "to": new},
    )
    delivery.alert_after_commit(
        ctx.notices,
        session,
        account,
        kind="level_changed",
        level=new,
        at=ctx.clock(),
        idempotency_key=f"level:{account.id}:{new}:{int(ctx.clock().timestamp())}",
    )


def propose_contact(session: Session, cipher: FieldCipher, account: Account, kind: str, value: str) -> None:
    """A new phone or e-mail to confirm; validated, and refused when another account uses it.
    Raises validation's FieldError or ContactTakenError."""
    if kind == "phone":
        phone = validate_phone(value)
        refuse_taken(taken_fields(session, cipher, {"phone": phone}, except_id=account.id))
        account.pending_phone = None if phone == account.phone else phone
    else:
        email = email_key(validate_email(value, allow_test_domains=True))
        refuse_taken(taken_fields(session, cipher, {"email": email}, except_id=account.id))
        account.pending_email = None if email == account.email else email


def change_contact(
    ctx: AccountsContext,
    session: Session,
    account: Account,
    kind: str,
    value: str,
    *,
    locale: str,
    ip: str | None,
) -> None:
    """The cabinet's «Изменить» / «Отправить код»: propose ``value`` when given, then send the
    confirmation (an SMS code, or an e-mail link). Raises validation's FieldError,
    ContactTakenError, the code errors and NotifierUnavailableError."""
    if value.strip():
        propose_contact(session, ctx.field_cipher, account, kind, value)
    if kind == "phone":
        send_phone_code(ctx, session, account, phone=account.pending_phone, locale=locale, ip=ip)
    elif not send_email_link(ctx, session, account, locale=locale, ip=ip):
        raise NotifierUnavailableError("e-mail not queued")


def confirm_contact(
    ctx: AccountsContext, session: Session, account: Account, kind: str, code: str, *, ip: str | None
) -> None:
    """The code the person typed for a phone (the new one when pending) or an e-mail."""
    if kind == "phone":
        confirm_phone(ctx, session, account, code, ip=ip, phone=account.pending_phone)
    else:
        confirm_email_code(ctx, session, account, code, ip=ip)
