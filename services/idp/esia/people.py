"""What the REST API reads about a person and an organisation, opened and gathered in one place:
the account (names, contacts, level), its sealed key data (SNILS, INN, passport), its person records
(policy, addresses, children, vehicles, birth place, citizenship) and its employments.

Reads only, through the accounts and organisations services (never their tables).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import records as records_service
from idp.accounts import service as accounts_service
from idp.accounts.key_data import current_values
from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher
from idp.accounts.records import RecordView
from idp.organizations import service as orgs_service
from idp.organizations.service import Membership


@dataclass(frozen=True)
class Person:
    account_id: int
    oid: int
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: dt.date | None
    gender: str | None
    email: str | None
    email_verified: bool
    phone: str | None
    phone_verified: bool
    #: confirmed accounts are ESIA's ``trusted`` (ESIA.md §8)
    confirmed: bool
    #: SNILS and passport checked by the registries (standard or confirmed)
    registry_passed: bool
    updated_at: dt.datetime
    #: opened key data: snils, inn, passport_series, passport_number, passport_issue_date, ...
    key: dict[str, str]
    records: dict[str, list[RecordView]] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[RecordView]:
        return self.records.get(kind, [])


def _updated_at(account: Account, records: list[RecordView]) -> dt.datetime:
    moments = [
        account.created_at,
        account.password_changed_at,
        account.identity_confirmed_at,
        account.registry_checked_at,
        *(r.updated_at for r in records),
    ]
    return max(m for m in moments if m is not None)


def load_person(
    session: Session, cipher: FieldCipher, oid: int, *, memberships: bool = False
) -> Person | None:
    """The person with this oid, opened; employments only when asked (``/roles``, ``/orgs``)."""
    account = accounts_service.account_by_oid(session, oid)
    if account is None:
        return None
    views = records_service.list_records(session, cipher, account.id)
    by_kind: dict[str, list[RecordView]] = {}
    for view in views:
        by_kind.setdefault(view.kind, []).append(view)
    return Person(
        account_id=account.id,
        oid=account.oid,
        last_name=account.last_name,
        first_name=account.first_name,
        middle_name=account.middle_name,
        birth_date=account.birth_date,
        gender=account.gender,
        email=account.email,
        email_verified=account.email_verified,
        phone=account.phone,
        phone_verified=account.phone_verified,
        confirmed=account.level == "confirmed",
        registry_passed=account.registry_status == "passed",
        updated_at=_updated_at(account, views),
        key=current_values(account, cipher),
        records=by_kind,
        memberships=orgs_service.employments_of(session, account.id) if memberships else [],
    )


def account_id_of(session: Session, oid: int) -> int | None:
    account = accounts_service.account_by_oid(session, oid)
    return account.id if account is not None else None


def works_in(session: Session, oid: int, org_oid: int) -> bool:
    """Whether the person ``oid`` works in ``org_oid`` now (ESIA-007194 otherwise)."""
    account_id = account_id_of(session, oid)
    return account_id is not None and orgs_service.is_employee(session, account_id, org_oid)


def load_organization(session: Session, org_oid: int) -> dict[str, Any] | None:
    row = orgs_service.find_organization(session, org_oid)
    if row is None:
        return None
    return {
        "oid": row.oid,
        "ogrn": row.ogrn,
        "inn": row.inn,
        "kpp": row.kpp,
        "full_name": row.full_name,
        "short_name": row.short_name,
        "region_code": row.region_code,
        "type": row.type,
        "phone": row.phone,
        "email": row.email,
        "active": row.active,
    }


def load_employees(session: Session, org_oid: int) -> list[dict[str, Any]]:
    """The organisation's active employees: oid, names, position and flags."""
    row = orgs_service.find_organization(session, org_oid)
    if row is None:
        return []
    result = []
    for employment in orgs_service.employees_of(session, row):
        account = accounts_service.get_account(session, employment.account_id)
        if account is None:
            continue
        result.append(
            {
                "oid": account.oid,
                "last_name": account.last_name,
                "first_name": account.first_name,
                "middle_name": account.middle_name,
                "position": employment.position,
                "chief": employment.chief,
                "admin": employment.admin,
                "active": employment.active,
            }
        )
    return result
