"""Accounts: creation, login by phone / e-mail / SNILS and password, and claims by scope."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import repository
from idp.accounts.models import Account
from idp.accounts.passwords import hash_password
from idp.accounts.protection import FieldCipher
from idp.accounts.sealing import seal_key_data
from shared.db import utcnow

FIRST_OID = 1_000_000_000
_SNILS_FORMATTED = re.compile(r"^\d{3}-\d{3}-\d{3}[ -]\d{2}$")
_DIGITS = re.compile(r"\D")


def normalize_phone(value: str) -> str | None:
    """+7XXXXXXXXXX or 8XXXXXXXXXX (11 digits) → E.164; anything else → None."""
    digits = _DIGITS.sub("", value)
    if len(digits) == 11 and digits[0] in "78" and (value.strip().startswith(("+7", "8", "7"))):
        return "+7" + digits[1:]
    return None


def normalize_snils(value: str) -> str | None:
    digits = _DIGITS.sub("", value)
    return digits if len(digits) == 11 else None


def format_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


@dataclass(frozen=True)
class NewAccount:
    last_name: str
    first_name: str
    password: str
    middle_name: str | None = None
    birth_date: dt.date | None = None
    gender: str | None = None
    email: str | None = None
    phone: str | None = None
    snils: str | None = None
    level: str = "simplified"
    email_verified: bool = False
    phone_verified: bool = False
    passport_series: str | None = None
    passport_number: str | None = None
    inn: str | None = None
    passport_issue_date: dt.date | None = None
    passport_issuer: str | None = None
    passport_division_code: str | None = None


def next_oid(session: Session) -> int:
    """ESIA-style numeric object id: increasing, with a random gap so ids are not enumerable."""
    current = repository.max_oid(session)
    return max(current or 0, FIRST_OID) + 1 + secrets.randbelow(1000)


def create_account(session: Session, cipher: FieldCipher, data: NewAccount) -> Account:
    snils = normalize_snils(data.snils) if data.snils else None
    account = Account(
        oid=next_oid(session),
        sub=str(uuid.uuid4()),
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        birth_date=data.birth_date,
        gender=data.gender,
        email=data.email.strip().lower() if data.email else None,
        email_verified=data.email_verified,
        phone=normalize_phone(data.phone) if data.phone else None,
        phone_verified=data.phone_verified,
        password_hash=hash_password(data.password),
        level=data.level,
        # demo and test accounts are made at a given level: record the facts that level implies
        registry_status="passed" if data.level in ("standard", "confirmed") else "pending",
        identity_confirmed_at=utcnow() if data.level == "confirmed" else None,
        identity_confirmed_by="seed" if data.level == "confirmed" else None,
    )
    seal_key_data(
        account,
        cipher,
        {
            "snils": snils,
            "inn": data.inn,
            "passport_series": data.passport_series,
            "passport_number": data.passport_number,
            "passport_issue_date": data.passport_issue_date,
            "passport_issuer": data.passport_issuer,
            "passport_division_code": data.passport_division_code,
        },
    )
    return repository.add(session, account)


def find_by_snils(session: Session, cipher: FieldCipher, snils: str) -> Account | None:
    """The account whose SNILS is ``snils`` (11 digits; a qualified certificate names its owner's)."""
    digits = normalize_snils(snils)
    if digits is None:
        return None
    return repository.by_snils_lookup(session, cipher.lookup_hash(digits, "snils"))


def find_by_login(session: Session, cipher: FieldCipher, login: str) -> Account | None:
    """Phone, e-mail or SNILS (R-LOG-1). An 11-digit number is tried as a phone, then as SNILS."""
    login = login.strip()
    if not login or len(login) > 254:
        return None
    if "@" in login:
        return repository.by_email(session, login.lower())
    phone = normalize_phone(login) if not _SNILS_FORMATTED.match(login) else None
    if phone:
        account = repository.by_phone(session, phone)
        if account is not None:
            return account
    snils = normalize_snils(login)
    if snils:
        return repository.by_snils_lookup(session, cipher.lookup_hash(snils, "snils"))
    return None


def get_account(session: Session, account_id: int) -> Account | None:
    return repository.get(session, account_id)


def account_by_sub(session: Session, sub: str) -> Account | None:
    return repository.by_sub(session, sub)


def account_by_oid(session: Session, oid: int) -> Account | None:
    """The account whose ESIA-style ``oid`` (``urn:esia:sbj_id``) is ``oid``."""
    return repository.by_oid(session, oid)


#: Which claims each scope releases (OIDC Core §5.4, plus our ESIA-flavoured scopes).
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": ("sub",),
    "profile": ("name", "family_name", "given_name", "middle_name", "birthdate", "gender", "locale"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
    "address": ("address",),
    "fullname": ("name", "family_name", "given_name", "middle_name"),
    "birthdate": ("birthdate",),
    "gender": ("gender",),
    "snils": ("snils",),
}


def all_claims(account: Account, cipher: FieldCipher) -> dict[str, Any]:
    full = " ".join(p for p in (account.last_name, account.first_name, account.middle_name) if p)
    claims: dict[str, Any] = {
        "sub": account.sub,
        "name": full,
        "family_name": account.last_name,
        "given_name": account.first_name,
        "middle_name": account.middle_name,
        "birthdate": account.birth_date.isoformat() if account.birth_date else None,
        "gender": {"M": "male", "F": "female"}.get(account.gender or ""),
        "locale": "ru-RU",
        "email": account.email,
        "email_verified": account.email_verified if account.email else None,
        "phone_number": account.phone,
        "phone_number_verified": account.phone_verified if account.phone else None,
        "snils": format_snils(cipher.open(account.snils_encrypted, "snils"))
        if account.snils_encrypted
        else None,
    }
    return {k: v for k, v in claims.items() if v is not None}


def claims_for(
    account: Account, cipher: FieldCipher, scopes: set[str], requested: set[str] | None = None
) -> dict[str, Any]:
    """Claims released by ``scopes``, plus individually ``requested`` ones (OIDC Core §5.5)."""
    names = {"sub"} | set(requested or ())
    for scope in scopes:
        names.update(SCOPE_CLAIMS.get(scope, ()))
    available = all_claims(account, cipher)
    return {k: v for k, v in available.items() if k in names}
