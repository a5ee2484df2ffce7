"""Changing key data — name, birth date, SNILS, passport — confirmed by a code (R-ACC-5).

The proposal waits sealed (it is personal data) in a pending request until the code arrives;
applying it re-runs the registry check, so the level may drop to simplified until it passes.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import contacts
from idp.accounts.contacts import AccountsContext
from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher
from idp.accounts.registration import refuse_taken, run_registry_check, taken_fields
from idp.accounts.sealing import seal_key_data
from idp.accounts.validation import FieldError, validate_registration
from idp.audit import service as audit
from idp.second_factor import one_time
from idp.second_factor import pending as pending_requests
from idp.second_factor.models import PendingLogin

FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "snils",
    "inn",
    "passport_series",
    "passport_number",
    "passport_issue_date",
    "passport_issuer",
    "passport_division_code",
)
OPTIONAL = frozenset({"middle_name", "inn"})


def current_values(account: Account, cipher: FieldCipher) -> dict[str, str]:
    def open_(column: str, field: str) -> str:
        sealed = getattr(account, column)
        return cipher.open(sealed, field) if sealed else ""

    return {
        "last_name": account.last_name,
        "first_name": account.first_name,
        "middle_name": account.middle_name or "",
        "birth_date": account.birth_date.isoformat() if account.birth_date else "",
        "snils": open_("snils_encrypted", "snils"),
        "inn": open_("inn_encrypted", "inn"),
        "passport_series": open_("passport_series_encrypted", "passport_series"),
        "passport_number": open_("passport_number_encrypted", "passport_number"),
        "passport_issue_date": open_("passport_issue_date_encrypted", "passport_issue_date"),
        "passport_issuer": open_("passport_issuer_encrypted", "passport_issuer"),
        "passport_division_code": open_("passport_division_encrypted", "passport_division"),
    }


def propose(
    ctx: AccountsContext, session: Session, account: Account, form: dict[str, str]
) -> tuple[PendingLogin, list[FieldError]]:
    """Validate; on success park the sealed proposal and return it (the caller sends the code)."""
    required = frozenset(FIELDS) - OPTIONAL
    clean, problems = validate_registration(
        {k: form.get(k) for k in FIELDS}, today=ctx.clock().date(), required=required
    )
    problems = [p for p in problems if p.field in FIELDS]
    if problems:
        return PendingLogin(), problems
    refuse_taken(taken_fields(session, ctx.field_cipher, clean, except_id=account.id))
    payload = json.dumps(
        {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in clean.items() if k in FIELDS}
    )
    now = ctx.clock()
    pending = pending_requests.park(
        session,
        PendingLogin(
            handle=secrets.token_urlsafe(24),
            purpose="key_data",
            account_id=account.id,
            payload_encrypted=ctx.field_cipher.seal(payload, "key_data_proposal"),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ctx.settings.interaction_ttl),
        ),
        now,
    )
    return pending, []


def confirm(
    ctx: AccountsContext,
    session: Session,
    account: Account,
    pending: PendingLogin,
    code: str,
    *,
    ip: str | None,
) -> None:
    """Check the code (raises the second-factor errors), then apply the proposal."""
    one_time.verify(ctx.codes, session, account, purpose="key_data_change", code=code, ip=ip)
    apply(ctx, session, account, pending, ip=ip)


def apply(
    ctx: AccountsContext, session: Session, account: Account, pending: PendingLogin, *, ip: str | None
) -> None:
    """After the code: write the new data, re-check the registry, log it and the level change."""
    data: dict[str, Any] = json.loads(
        ctx.field_cipher.open(pending.payload_encrypted or "", "key_data_proposal")
    )
    for date_field in ("birth_date", "passport_issue_date"):
        if data.get(date_field):
            data[date_field] = dt.date.fromisoformat(data[date_field])
    account.last_name = data["last_name"]
    account.first_name = data["first_name"]
    account.middle_name = data.get("middle_name")
    account.birth_date = data["birth_date"]
    seal_key_data(account, ctx.field_cipher, data)
    account.identity_confirmed_at = None  # a confirmed identity was of the old data
    account.identity_confirmed_by = None
    run_registry_check(account, data, ctx.registry, ctx.clock())
    audit.record_event(
        session,
        event_type="key_data_changed",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=ip,
        details={"registry_status": account.registry_status},
    )
    contacts.note_level_change(ctx, session, account, ip=ip)
    pending_requests.finish(session, pending)


def recheck_registry(ctx: AccountsContext, session: Session, account: Account, *, ip: str | None) -> bool:
    """Ask the registry again about the stored SNILS and passport — the person's retry after it was
    unavailable. Only a check left pending by an unavailable registry is repeated (a failed one
    needs corrected data: :func:`propose`). Returns whether a check ran."""
    if account.registry_status != "pending" or account.registry_reason != "unavailable":
        return False
    cipher = ctx.field_cipher
    sealed = {
        "snils": account.snils_encrypted,
        "passport_series": account.passport_series_encrypted,
        "passport_number": account.passport_number_encrypted,
    }
    data = {field: cipher.open(value, field) if value else None for field, value in sealed.items()}
    run_registry_check(account, data, ctx.registry, ctx.clock())
    contacts.note_level_change(ctx, session, account, ip=ip)
    return True
