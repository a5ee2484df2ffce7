"""After the bank answered: the link, the level the bank's verified data earns, the session, and the
two forms that may come first (the account's password for a phone match; the prefilled
registration). docs/bank-id.md «Linking» and «Levels». Nothing is linked until the step that
links succeeds."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import contacts, levels, registration
from idp.accounts import service as accounts_service
from idp.accounts.errors import ContactTakenError
from idp.accounts.models import Account
from idp.accounts.validation import validate_registration
from idp.audit import service as audit
from idp.brokering import repository
from idp.brokering.context import (
    SEALED_FIELD,
    BankContext,
    FormErrors,
    Pending,
    Refusal,
    SignedIn,
    WrongPassword,
    find_bank,
    live_login,
    refused,
)
from idp.brokering.identity import BankIdentity
from idp.brokering.models import BankLink, BankLogin
from idp.login import flow
from idp.login.flow import Client
from idp.notifications.errors import NotifierUnavailableError
from idp.second_factor.assurance import ACR_MFA
from idp.second_factor.errors import SecondFactorError
from idp.sessions.models import UserSession
from idp.settings import BankProvider


def log_unverified(session: Session, who: Client, bank: BankProvider) -> None:
    audit.record_event(
        session,
        event_type="bank_identity_unverified",
        result="failure",
        actor="anonymous",
        ip=who.ip,
        user_agent=who.user_agent,
        details={"bank": bank.id, "reason": "snils_unverified"},
    )


def link(
    bctx: BankContext,
    session: Session,
    account: Account,
    bank: BankProvider,
    identity: BankIdentity,
    linked_by: str,
    who: Client,
) -> None:
    now = bctx.login.clock()
    repository.add_link(
        session,
        BankLink(
            account_id=account.id,
            bank=bank.id,
            subject=identity.subject,
            linked_by=linked_by,
            created_at=now,
            last_used_at=now,
        ),
    )
    audit.record_event(
        session,
        event_type="bank_linked",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"bank": bank.id, "bank_name": bank.name_ru, "linked_by": linked_by},
    )
    _raise_level(bctx, session, account, bank, identity, who)


def _raise_level(
    bctx: BankContext,
    session: Session,
    account: Account,
    bank: BankProvider,
    identity: BankIdentity,
    who: Client,
) -> None:
    """What the bank verified and the account holds itself counts: the SNILS as the registry check
    passed, the phone as confirmed. The level follows (levels.derived_level)."""
    now = bctx.login.clock()
    counted = []
    if identity.snils_verified and identity.snils is not None and account.registry_status != "passed":
        owner = accounts_service.find_by_snils(session, bctx.login.field_cipher, identity.snils)
        if owner is not None and owner.id == account.id:
            account.registry_status = "passed"
            account.registry_reason = None
            account.registry_checked_at = now
            counted.append("registry")
    if identity.phone_verified and identity.phone == account.phone and not account.phone_verified:
        account.phone_verified = True
        counted.append("phone")
    change = levels.refresh_level(account)
    session.flush()
    if change is not None:
        audit.record_event(
            session,
            event_type="level_changed",
            result="success",
            actor=f"account:{account.id}",
            account_id=account.id,
            ip=who.ip,
            user_agent=who.user_agent,
            details={
                "from": change[0],
                "to": change[1],
                "by": f"bank:{bank.id}",
                "bank_name": bank.name_ru,
                "counted": counted,
            },
        )


def sign_in(
    bctx: BankContext,
    session: Session,
    login: BankLogin,
    bank: BankProvider,
    identity: BankIdentity,
    account: Account,
    who: Client,
    current: UserSession | None,
    device_cookie: str | None,
    on_commit: Any,
) -> SignedIn:
    cookie = flow.complete_login(
        bctx.login,
        session,
        account,
        method="bank_mfa" if identity.acr == ACR_MFA else "bank",
        current=current,
        who=who,
        new_device=not flow.is_trusted(bctx.login, session, account, device_cookie),
        on_commit=on_commit,
        details={"method": "bank", "bank": bank.id, "bank_name": bank.name_ru},
    )
    return SignedIn(cookie, login.interaction_handle, login.next_path)


def pending(
    bctx: BankContext, session: Session, state: str, stage: str, csrf_cookie: str | None
) -> Pending | None:
    """A login waiting at the ``stage`` form, of this browser, not expired."""
    login = live_login(bctx, session, state, csrf_cookie)
    if login is None or login.stage != stage or login.identity_encrypted is None:
        return None
    bank = find_bank(bctx, session, login.bank)
    if bank is None:
        return None
    sealed = bctx.login.field_cipher.open(login.identity_encrypted, SEALED_FIELD)
    identity = BankIdentity.from_dict(json.loads(sealed))
    account = accounts_service.get_account(session, login.account_id) if login.account_id else None
    return Pending(login, bank, identity, account)


def confirm_phone(
    bctx: BankContext,
    session: Session,
    waiting: Pending,
    *,
    password: str,
    who: Client,
    current: UserSession | None,
    device_cookie: str | None,
    on_commit: Any,
) -> SignedIn | WrongPassword | Refusal:
    """The person proves the account the bank's phone matched: its password (lockout and the
    security log as at the login form), then the link and the session."""
    account = waiting.account
    if account is None:
        return refused(session, who, "state_mismatch", waiting.bank)
    assert account.phone is not None
    check = flow.check_password(bctx.login, session, bctx.login.field_cipher, account.phone, password, who)
    if check.outcome != "ok" or check.account is None or check.account.id != account.id:
        return WrongPassword(locked=check.outcome == "locked", locked_until=check.locked_until)
    if not repository.move_stage(session, waiting.login.id, from_stage="phone", to_stage="done"):
        return refused(session, who, "state_mismatch", waiting.bank, account)
    if repository.link_of_account(session, account.id, waiting.bank.id) is not None:
        return refused(session, who, "linked_elsewhere", waiting.bank, account)
    link(bctx, session, account, waiting.bank, waiting.identity, "phone", who)
    return sign_in(
        bctx,
        session,
        waiting.login,
        waiting.bank,
        waiting.identity,
        account,
        who,
        current,
        device_cookie,
        on_commit,
    )


def locked_fields(identity: BankIdentity) -> dict[str, Any]:
    """The registration values the bank vouches for: shown prefilled and read-only, and taken from
    the bank (never from the form) when the account is created."""
    values: dict[str, Any] = {}
    if identity.snils_verified and identity.snils:
        values["snils"] = accounts_service.format_snils(identity.snils)
    if identity.phone_verified and identity.phone:
        values["phone"] = identity.phone
    return values


def prefill(identity: BankIdentity) -> dict[str, Any]:
    """The registration form's first values from the bank's claims."""
    values: dict[str, Any] = {
        "last_name": identity.last_name or "",
        "first_name": identity.first_name or "",
        "middle_name": identity.middle_name or "",
        "snils": accounts_service.format_snils(identity.snils) if identity.snils else "",
        "phone": identity.phone or "",
    }
    if identity.birth_date:
        year, month, day = identity.birth_date.split("-")
        values["birth_date"] = {"day": day, "month": month, "year": year}
    return values


def register(
    bctx: BankContext,
    session: Session,
    waiting: Pending,
    values: dict[str, Any],
    password: str,
    *,
    who: Client,
    locale: str,
    current: UserSession | None,
    on_commit: Any,
) -> SignedIn | FormErrors | Refusal:
    """The prefilled form submitted: the account (the values the bank vouches for taken from the
    bank), linked, its level from what the bank verified, and the session."""
    ctx = bctx.accounts
    data = {**values, **locked_fields(waiting.identity), "password": password}
    clean, problems = validate_registration(
        data, today=ctx.clock().date(), allow_test_domains=ctx.settings.dev_mode
    )
    if problems:
        return FormErrors({e.field: e.message(locale) for e in problems}, 422)
    if not repository.move_stage(session, waiting.login.id, from_stage="register", to_stage="done"):
        return refused(session, who, "state_mismatch", waiting.bank)
    try:
        account = registration.register(session, ctx.field_cipher, ctx.registry, clean, now=ctx.clock())
    except ContactTakenError as exc:
        repository.move_stage(session, waiting.login.id, from_stage="done", to_stage="register")
        key = "message" if locale == "ru" else "message_en"
        return FormErrors({e["field"]: e[key] for e in exc.extra["errors"]}, 409)
    audit.record_event(
        session,
        event_type="registered",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        details={"level": account.level, "registry_status": account.registry_status, "bank": waiting.bank.id},
    )
    link(bctx, session, account, waiting.bank, waiting.identity, "registration", who)
    if not account.phone_verified:
        # not sent (notifier down, limits): the cabinet offers to send it again
        with contextlib.suppress(NotifierUnavailableError, SecondFactorError):
            contacts.send_phone_code(ctx, session, account, locale=locale, ip=who.ip)
    if account.email and not account.email_verified:
        contacts.send_email_link(ctx, session, account, locale=locale, ip=who.ip)
    return sign_in(
        bctx, session, waiting.login, waiting.bank, waiting.identity, account, who, current, None, on_commit
    )
