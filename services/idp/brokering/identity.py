"""What a bank said about the person, read through the bank's claim mapping (``BankClaimMap``).

A value counts as *verified* only when the bank's verification claim is literally ``true`` (or the
mapping says the bank vouches for every value: ``snils_verified``/``phone_verified`` null). A
malformed SNILS, phone or birth date is treated as absent, never as a near match."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from idp.accounts.registry import snils_checksum_ok
from idp.second_factor.assurance import ACR_MFA, ACR_PASSWORD
from idp.settings import BankProvider

_PHONE = re.compile(r"^\+7\d{10}$")


@dataclass(frozen=True)
class BankIdentity:
    subject: str
    snils: str | None
    snils_verified: bool
    phone: str | None
    phone_verified: bool
    last_name: str | None
    first_name: str | None
    middle_name: str | None
    birth_date: str | None  # YYYY-MM-DD
    acr: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BankIdentity:
        values: dict[str, Any] = {k: data.get(k) for k in cls.__dataclass_fields__}
        return cls(**values)


def _text(value: Any, limit: int = 100) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] if value else None


def _snils(value: Any) -> str | None:
    if not isinstance(value, str | int):
        return None
    digits = re.sub(r"[\s-]", "", str(value))
    return digits if len(digits) == 11 and digits.isdigit() and snils_checksum_ok(digits) else None


def _phone(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    digits = re.sub(r"[\s()-]", "", value)
    if digits.startswith("8") and len(digits) == 11:
        digits = "+7" + digits[1:]
    return digits if _PHONE.match(digits) else None


def _date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _verified(claims: dict[str, Any], name: str | None) -> bool:
    return True if name is None else claims.get(name) is True


def mapped_acr(bank: BankProvider, claims: dict[str, Any]) -> str:
    """The bank's ``acr`` in our terms, never above ``mfa`` (a bank cannot vouch for a signature)."""
    ours = bank.acr_map.get(str(claims.get("acr") or ""), ACR_PASSWORD)
    return ours if ours in (ACR_PASSWORD, ACR_MFA) else ACR_PASSWORD


def read_identity(bank: BankProvider, claims: dict[str, Any]) -> BankIdentity:
    names = bank.claims
    snils = _snils(claims.get(names.snils))
    phone = _phone(claims.get(names.phone))
    return BankIdentity(
        subject=str(claims["sub"]),
        snils=snils,
        snils_verified=snils is not None and _verified(claims, names.snils_verified),
        phone=phone,
        phone_verified=phone is not None and _verified(claims, names.phone_verified),
        last_name=_text(claims.get(names.last_name)),
        first_name=_text(claims.get(names.first_name)),
        middle_name=_text(claims.get(names.middle_name)),
        birth_date=_date(claims.get(names.birth_date)),
        acr=mapped_acr(bank, claims),
    )
