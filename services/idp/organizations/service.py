"""Medical organisations and who works in them (R-ACC-6, ESIA.md §7.3).

What the ESIA face asks: :func:`is_employee` (an organisation scope for a non-employee is
ESIA-007194) and :func:`employments_of` (``/rs/prns/{oid}/roles``). Operator actions go through
:mod:`idp.organizations.admin`, which audits them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields

from sqlalchemy.orm import Session

from idp.organizations import repository
from idp.organizations.errors import (
    EmploymentNotFoundError,
    OrganizationExistsError,
    OrganizationInvalidError,
    OrganizationNotFoundError,
)
from idp.organizations.models import Employment, Organization
from idp.organizations.validation import (
    TYPES,
    inn_problem,
    kpp_problem,
    ogrn_problem,
    region_problem,
    role_problem,
)
from shared.db import utcnow

FIRST_OID = 1_000_000_000


@dataclass(frozen=True)
class OrganizationSpec:
    ogrn: str
    inn: str
    full_name: str
    short_name: str
    region_code: str
    region_name: str
    kpp: str | None = None
    type: str = "LEGAL"
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Membership:
    """One active employment of a person, with its organisation (what ``/roles`` lists)."""

    org_oid: int
    ogrn: str
    inn: str
    full_name: str
    short_name: str
    type: str
    phone: str | None
    email: str | None
    position: str
    role: str
    #: the organisation's two-digit region (a regional health authority's region)
    region_code: str
    chief: bool
    admin: bool
    active: bool
    since: dt.date


def _invalid(field: str, message: str) -> OrganizationInvalidError:
    return OrganizationInvalidError(message, extra={"errors": [{"field": field, "message": message}]})


def check_spec(spec: OrganizationSpec) -> None:
    """The first broken rule as :class:`OrganizationInvalidError` naming its field."""
    checks = [
        ("ogrn", ogrn_problem(spec.ogrn)),
        ("inn", inn_problem(spec.inn)),
        ("kpp", kpp_problem(spec.kpp) if spec.kpp else None),
        ("region_code", region_problem(spec.region_code)),
        ("type", None if spec.type in TYPES else f"Type must be one of: {', '.join(TYPES)}."),
        ("full_name", None if spec.full_name.strip() else "Full name is required."),
        ("short_name", None if spec.short_name.strip() else "Short name is required."),
        ("region_name", None if spec.region_name.strip() else "Region name is required."),
    ]
    for field, problem in checks:
        if problem:
            raise _invalid(field, problem)


def next_oid(session: Session) -> int:
    """Increasing, with a random gap, like accounts' oids (not enumerable one by one)."""
    return max(repository.max_oid(session) or 0, FIRST_OID) + 1 + secrets.randbelow(1000)


def create_organization(session: Session, spec: OrganizationSpec) -> Organization:
    check_spec(spec)
    if repository.by_ogrn(session, spec.ogrn) is not None:
        raise OrganizationExistsError(f"An organisation with OGRN {spec.ogrn} is registered already.")
    row = Organization(oid=next_oid(session), **{f.name: getattr(spec, f.name) for f in fields(spec)})
    repository.add(session, row)
    return row


def ensure_organization(session: Session, spec: OrganizationSpec) -> Organization:
    """The organisation with this OGRN, created when absent (the demo seed runs twice)."""
    return repository.by_ogrn(session, spec.ogrn) or create_organization(session, spec)


def find_organization(session: Session, oid: int) -> Organization | None:
    return repository.by_oid(session, oid)


def get_organization(session: Session, oid: int) -> Organization:
    row = repository.by_oid(session, oid)
    if row is None:
        raise OrganizationNotFoundError(f"No organisation {oid}.")
    return row


def list_organizations(session: Session) -> Sequence[Organization]:
    return repository.all_organizations(session)


def update_organization(session: Session, row: Organization, changes: dict[str, object]) -> Organization:
    """Apply ``changes`` (names, KPP, region, phone, e-mail, active), re-checking every rule."""
    current = {f.name: getattr(row, f.name) for f in fields(OrganizationSpec)}
    allowed = set(current) - {"ogrn", "inn"} | {"active"}
    unknown = set(changes) - allowed
    if unknown:
        raise _invalid(sorted(unknown)[0], "This field cannot be changed.")
    for key in ("full_name", "short_name", "region_code", "region_name", "active"):
        if key in changes and changes[key] is None:
            raise _invalid(key, "This field cannot be empty.")
    spec_values = {k: changes.get(k, v) for k, v in current.items()}
    check_spec(OrganizationSpec(**spec_values))  # type: ignore[arg-type]
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    return row


def employ(
    session: Session,
    account_id: int,
    organization: Organization,
    *,
    position: str,
    role: str,
    chief: bool = False,
    admin: bool = False,
    since: dt.date | None = None,
) -> Employment:
    """Employ (or re-employ, with the new position) an account in an organisation."""
    problem = role_problem(role)
    if problem:
        raise _invalid("role", problem)
    if not position.strip():
        raise _invalid("position", "Position is required.")
    row = repository.employment(session, account_id, organization.id)
    since = since or utcnow().date()
    if row is None:
        row = Employment(account_id=account_id, organization_id=organization.id)
        session.add(row)
    row.position, row.role, row.chief, row.admin = position.strip(), role, chief, admin
    row.active, row.since, row.dismissed_at = True, since, None
    session.flush()
    return row


def ensure_employment(
    session: Session,
    account_id: int,
    organization: Organization,
    *,
    position: str,
    role: str,
    chief: bool = False,
) -> Employment:
    """Idempotent :func:`employ` for the demo seed: an existing active employment stays as it is."""
    row = repository.employment(session, account_id, organization.id)
    if row is not None and row.active:
        return row
    return employ(session, account_id, organization, position=position, role=role, chief=chief)


def dismiss(session: Session, account_id: int, organization: Organization) -> Employment:
    """End an active employment (the row stays, inactive, for the record)."""
    row = repository.employment(session, account_id, organization.id)
    if row is None or not row.active:
        raise EmploymentNotFoundError("This account is not employed in this organisation.")
    row.active, row.dismissed_at = False, utcnow()
    session.flush()
    return row


def employees_of(session: Session, organization: Organization) -> Sequence[Employment]:
    """Active employments of an organisation, oldest first."""
    return repository.employees(session, organization.id)


def is_employee(session: Session, account_id: int, org_oid: int) -> bool:
    """Whether the account works in the (active) organisation ``org_oid`` now (ESIA-007194)."""
    return repository.is_employee(session, account_id, org_oid)


def employments_of(session: Session, account_id: int) -> list[Membership]:
    """The account's active employments in active organisations, by organisation oid."""
    return [
        Membership(
            org_oid=org.oid,
            ogrn=org.ogrn,
            inn=org.inn,
            full_name=org.full_name,
            short_name=org.short_name,
            type=org.type,
            phone=org.phone,
            email=org.email,
            position=emp.position,
            role=emp.role,
            region_code=org.region_code,
            chief=emp.chief,
            admin=emp.admin,
            active=emp.active,
            since=emp.since,
        )
        for emp, org in repository.employments_of(session, account_id)
    ]
