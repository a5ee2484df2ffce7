"""Registration (R-ACC-1..3): validated data in, an account with its personal data sealed out.

Contacts, SNILS, INN and passport are unique across accounts. A clash is refused with a message
that says which *field* is taken, never by whom. The registry check (standard level) runs at once;
its verdict is kept with a reason the cabinet explains.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import levels, repository
from idp.accounts.errors import ContactTakenError
from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.protection import FieldCipher
from idp.accounts.registry import IdentityClaim, IdentityRegistry
from idp.accounts.sealing import passport_key, seal_key_data
from idp.accounts.service import next_oid
from idp.accounts.validation import FieldError, email_key


def taken_fields(
    session: Session, cipher: FieldCipher, data: dict[str, Any], *, except_id: int | None = None
) -> list[str]:
    """Which unique fields of ``data`` another account already uses."""
    checks = {
        "email": lambda v: repository.by_email(session, email_key(v)),
        "phone": lambda v: repository.by_phone(session, v),
        "snils": lambda v: repository.by_lookup(session, "snils_lookup", cipher.lookup_hash(v, "snils")),
        "inn": lambda v: repository.by_lookup(session, "inn_lookup", cipher.lookup_hash(v, "inn")),
    }
    taken = []
    for field, find in checks.items():
        value = data.get(field)
        if value:
            other = find(value)
            if other is not None and other.id != except_id:
                taken.append(field)
    if data.get("passport_series") and data.get("passport_number"):
        lookup = cipher.lookup_hash(
            passport_key(data["passport_series"], data["passport_number"]), "passport"
        )
        other = repository.by_lookup(session, "passport_lookup", lookup)
        if other is not None and other.id != except_id:
            taken.append("passport_number")
    return taken


def refuse_taken(taken: list[str]) -> None:
    if taken:
        errors = [FieldError(field, "already_registered") for field in taken]
        raise ContactTakenError(
            "Some of these details are already used by another account.",
            extra={"errors": [e.as_dict("ru") | {"message_en": e.message("en")} for e in errors]},
        )


def run_registry_check(
    account: Account, data: dict[str, Any], registry: IdentityRegistry, now: dt.datetime
) -> None:
    verdict = registry.check(
        IdentityClaim(
            last_name=account.last_name,
            first_name=account.first_name,
            middle_name=account.middle_name,
            birth_date=account.birth_date,
            snils=data.get("snils"),
            passport_series=data.get("passport_series"),
            passport_number=data.get("passport_number"),
        )
    )
    account.registry_status = (
        "passed" if verdict.passed else ("pending" if verdict.reason == "unavailable" else "failed")
    )
    account.registry_reason = verdict.reason
    account.registry_checked_at = now


def register(
    session: Session,
    cipher: FieldCipher,
    registry: IdentityRegistry,
    data: dict[str, Any],
    *,
    now: dt.datetime,
) -> Account:
    """``data`` is the output of ``validation.validate_registration`` (already normalised)."""
    refuse_taken(taken_fields(session, cipher, data))
    account = Account(
        oid=next_oid(session),
        sub=str(uuid.uuid4()),
        last_name=data["last_name"],
        first_name=data["first_name"],
        middle_name=data.get("middle_name"),
        birth_date=data["birth_date"],
        email=email_key(data["email"]),
        phone=data["phone"],
        password_hash=hash_password(data["password"]),
        level="registered",
        created_at=now,
        password_changed_at=now,
    )
    seal_key_data(account, cipher, data)
    run_registry_check(account, data, registry, now)
    levels.refresh_level(account)
    return repository.add(session, account)
