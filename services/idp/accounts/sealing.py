"""Key personal data sealed at rest (R-SEC-2): SNILS, INN and passport fields, AES-GCM per field
with a lookup HMAC beside the ones that must be unique or searchable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher


def passport_key(series: str, number: str) -> str:
    return f"{series}{number}"


def seal_key_data(account: Account, cipher: FieldCipher, data: dict[str, Any]) -> None:
    """Write SNILS, INN and passport fields sealed, with their lookup hashes."""

    def put(field: str, value: str | None) -> None:
        setattr(account, f"{field}_encrypted", cipher.seal(value, field) if value else None)

    snils, inn = data.get("snils"), data.get("inn")
    put("snils", snils)
    account.snils_lookup = cipher.lookup_hash(snils, "snils") if snils else None
    put("inn", inn)
    account.inn_lookup = cipher.lookup_hash(inn, "inn") if inn else None
    series, number = data.get("passport_series"), data.get("passport_number")
    put("passport_series", series)
    put("passport_number", number)
    issue = data.get("passport_issue_date")
    put("passport_issue_date", issue.isoformat() if isinstance(issue, dt.date) else issue)
    put("passport_issuer", data.get("passport_issuer"))
    put("passport_division", data.get("passport_division_code"))
    account.passport_lookup = (
        cipher.lookup_hash(passport_key(series, number), "passport") if series and number else None
    )
