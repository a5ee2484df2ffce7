"""The «Безопасность» tab's rules: password change, second-factor choice, authenticator app,
trusted devices. Every change is written to the security log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.accounts.passwords import verify_password
from idp.accounts.validation import login_variants, validate_password
from idp.audit import service as audit
from idp.login import flow, recovery
from idp.login.flow import LoginContext
from idp.second_factor import devices, totp
from idp.second_factor.errors import TrustedDeviceNotFoundError
from idp.sessions.devices import device_label
from shared.errors import AppError


class WrongCurrentPasswordError(AppError):
    status_code = 400
    code = "wrong_current_password"
    title = "Wrong current password"


class MethodUnavailableError(AppError):
    status_code = 400
    code = "mfa_unavailable"
    title = "Method unavailable"


def change_password(
    ctx: LoginContext,
    session: Session,
    account: Account,
    current: str,
    new: str,
    *,
    who: flow.Client,
    keep_sid: str | None,
    on_commit: Any,
) -> None:
    """Raises WrongCurrentPasswordError or validation's FieldError; ends the other sessions."""
    if not verify_password(current, account.password_hash):
        audit.record_event(
            session,
            event_type="password_change_failed",
            result="failure",
            actor=f"account:{account.id}",
            account_id=account.id,
            ip=who.ip,
        )
        raise WrongCurrentPasswordError("The current password is wrong.")
    cipher = ctx.field_cipher
    snils = cipher.open(account.snils_encrypted, "snils") if account.snils_encrypted else None
    validate_password(
        new,
        logins=login_variants(email=account.email, phone=account.phone, snils=snils),
        field="new_password",
    )
    recovery.set_password(
        ctx, session, account, new, who=who, on_commit=on_commit, reason="changed", keep_sid=keep_sid
    )


def set_second_factor(session: Session, account: Account, method: str, who: flow.Client) -> None:
    """``none`` (ask only on new devices) or a method the person can actually use."""
    if method == "none":
        account.mfa_method = None
    elif method in flow.second_factor_options(session, account):
        account.mfa_method = method
    else:
        raise MethodUnavailableError("This method is not available for the account.")
    audit.record_event(
        session,
        event_type="second_factor_changed",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        details={"method": method},
    )


def start_totp(ctx: LoginContext, session: Session, account: Account) -> totp.TotpEnrollment:
    label = account.email or account.phone or str(account.oid)
    return totp.begin_totp_enrollment(session, account.id, ctx.field_cipher, "IdP", label, ctx.clock())


def confirm_totp(
    ctx: LoginContext, session: Session, account: Account, code: str, who: flow.Client
) -> list[str]:
    recovery_codes = totp.confirm_totp_enrollment(session, account.id, code, ctx.field_cipher, ctx.clock())
    audit.record_event(
        session,
        event_type="second_factor_changed",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        details={"totp": "enabled"},
    )
    return recovery_codes


def disable_totp(session: Session, account: Account, who: flow.Client) -> None:
    if totp.disable_totp(session, account.id):
        if account.mfa_method == "totp":
            account.mfa_method = None
        audit.record_event(
            session,
            event_type="second_factor_changed",
            result="success",
            actor=f"account:{account.id}",
            account_id=account.id,
            ip=who.ip,
            details={"totp": "disabled"},
        )


@dataclass(frozen=True)
class TrustedDeviceView:
    id: int
    user_agent: str | None  # the raw string, for a title attribute
    device: str  # «Safari 17, iPhone», what the page shows
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None


def my_devices(
    ctx: LoginContext, session: Session, account: Account, locale: str = "ru"
) -> list[TrustedDeviceView]:
    return [
        TrustedDeviceView(
            d.id,
            d.user_agent,
            device_label(d.user_agent, locale),
            d.created_at,
            d.expires_at,
            d.last_used_at,
        )
        for d in devices.list_trusted_devices(session, account.id, ctx.clock())
    ]


def revoke_device(
    ctx: LoginContext, session: Session, account: Account, device_id: int, who: flow.Client
) -> bool:
    try:
        devices.revoke_trusted_device(session, account.id, device_id, ctx.clock())
    except TrustedDeviceNotFoundError:
        return False
    audit.record_event(
        session,
        event_type="trusted_device_revoked",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        details={"device_id": device_id},
    )
    return True
