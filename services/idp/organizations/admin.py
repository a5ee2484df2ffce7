"""Operator actions on organisations and employments through the admin API and the CLI; every one
is an ``admin_action`` event in the security log (R-SEC-1), written here, in the action's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.accounts.errors import AccountNotFoundError
from idp.accounts.models import Account
from idp.audit import service as audit
from idp.audit.service import AdminCaller
from idp.organizations import service
from idp.organizations.models import Employment, Organization
from idp.organizations.service import OrganizationSpec


def organization_view(row: Organization) -> dict[str, Any]:
    return {
        "oid": row.oid,
        "ogrn": row.ogrn,
        "inn": row.inn,
        "kpp": row.kpp,
        "full_name": row.full_name,
        "short_name": row.short_name,
        "region_code": row.region_code,
        "region_name": row.region_name,
        "type": row.type,
        "phone": row.phone,
        "email": row.email,
        "active": row.active,
    }


def employment_view(row: Employment, account: Account, organization: Organization) -> dict[str, Any]:
    return {
        "account_oid": account.oid,
        "org_oid": organization.oid,
        "last_name": account.last_name,
        "first_name": account.first_name,
        "middle_name": account.middle_name,
        "position": row.position,
        "role": row.role,
        "chief": row.chief,
        "admin": row.admin,
        "active": row.active,
        "since": row.since.isoformat(),
    }


def _account(session: Session, oid: int) -> Account:
    account = accounts_service.account_by_oid(session, oid)
    if account is None:
        raise AccountNotFoundError(f"No account {oid}.")
    return account


def add_organization(session: Session, spec: OrganizationSpec, *, caller: AdminCaller) -> dict[str, Any]:
    row = service.create_organization(session, spec)
    audit.record_admin_action(session, caller, "organization_added", details={"org_oid": row.oid})
    return organization_view(row)


def list_organizations(session: Session) -> list[dict[str, Any]]:
    """Directory data (no person's data): not an audited read."""
    return [organization_view(row) for row in service.list_organizations(session)]


def view_organization(session: Session, oid: int) -> dict[str, Any]:
    return organization_view(service.get_organization(session, oid))


def update_organization(
    session: Session, oid: int, changes: dict[str, Any], *, caller: AdminCaller
) -> dict[str, Any]:
    row = service.update_organization(session, service.get_organization(session, oid), changes)
    audit.record_admin_action(
        session, caller, "organization_updated", details={"org_oid": oid, "fields": sorted(changes)}
    )
    return organization_view(row)


def list_employees(session: Session, oid: int, *, caller: AdminCaller) -> list[dict[str, Any]]:
    """Who works there: names of people, so the read is logged."""
    organization = service.get_organization(session, oid)
    result = []
    for row in service.employees_of(session, organization):
        account = accounts_service.get_account(session, row.account_id)
        if account is not None:
            result.append(employment_view(row, account, organization))
    audit.record_admin_action(session, caller, "employees_viewed", details={"org_oid": oid})
    return result


def employ(
    session: Session,
    oid: int,
    account_oid: int,
    *,
    position: str,
    role: str,
    chief: bool,
    admin: bool,
    since: dt.date | None,
    caller: AdminCaller,
) -> dict[str, Any]:
    organization = service.get_organization(session, oid)
    account = _account(session, account_oid)
    row = service.employ(
        session, account.id, organization, position=position, role=role, chief=chief, admin=admin, since=since
    )
    audit.record_admin_action(
        session,
        caller,
        "employment_added",
        account_id=account.id,
        details={"org_oid": oid, "role": role, "chief": chief, "admin": admin},
    )
    return employment_view(row, account, organization)


def dismiss(session: Session, oid: int, account_oid: int, *, caller: AdminCaller) -> dict[str, Any]:
    organization = service.get_organization(session, oid)
    account = _account(session, account_oid)
    row = service.dismiss(session, account.id, organization)
    audit.record_admin_action(
        session, caller, "employment_ended", account_id=account.id, details={"org_oid": oid}
    )
    return employment_view(row, account, organization)
