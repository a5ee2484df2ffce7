"""SQL of the organisations feature: organisations and employments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idp.organizations.models import Employment, Organization


def by_oid(session: Session, oid: int) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.oid == oid))


def by_ogrn(session: Session, ogrn: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.ogrn == ogrn))


def max_oid(session: Session) -> int | None:
    return session.scalar(select(func.max(Organization.oid)))


def all_organizations(session: Session) -> Sequence[Organization]:
    return session.scalars(select(Organization).order_by(Organization.oid)).all()


def add(session: Session, row: Organization | Employment) -> None:
    session.add(row)
    session.flush()


def employment(session: Session, account_id: int, organization_id: int) -> Employment | None:
    return session.scalar(
        select(Employment).where(
            Employment.account_id == account_id, Employment.organization_id == organization_id
        )
    )


def employees(session: Session, organization_id: int) -> Sequence[Employment]:
    return session.scalars(
        select(Employment)
        .where(Employment.organization_id == organization_id, Employment.active.is_(True))
        .order_by(Employment.id)
    ).all()


def employments_of(session: Session, account_id: int) -> Sequence[tuple[Employment, Organization]]:
    """Active employments of an account in active organisations, with the organisation."""
    rows = session.execute(
        select(Employment, Organization)
        .join(Organization, Organization.id == Employment.organization_id)
        .where(
            Employment.account_id == account_id,
            Employment.active.is_(True),
            Organization.active.is_(True),
        )
        .order_by(Organization.oid)
    )
    return [(e, o) for e, o in rows]


def is_employee(session: Session, account_id: int, org_oid: int) -> bool:
    found = session.scalar(
        select(Employment.id)
        .join(Organization, Organization.id == Employment.organization_id)
        .where(
            Employment.account_id == account_id,
            Organization.oid == org_oid,
            Employment.active.is_(True),
            Organization.active.is_(True),
        )
    )
    return found is not None
