"""Operator API for medical organisations and employments (admin token, docs/organizations.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Security, status
from pydantic import BaseModel, ConfigDict, Field

from idp.dependencies import AdminCallerDep, SessionDep
from idp.organizations import admin
from idp.organizations.service import OrganizationSpec
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses
from shared.path_ids import RowId

router = APIRouter(
    prefix="/admin/organizations",
    tags=["admin"],
    dependencies=[Security(bearer_scheme)],
    responses=problem_responses(
        {
            **BEARER_ERRORS,
            404: "No such organisation, account or employment (`organization_not_found`, "
            "`account_not_found`, `employment_not_found`)",
            422: "A field fails its rule (`organization_invalid`: OGRN or INN checksum, KPP, region, role)",
        }
    ),
)

_PHONE = r"^\+7\d{10}$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_NAME = r"^[^\x00-\x1f\x7f]+$"


class NewOrganization(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ogrn: str = Field(pattern=r"^\d{13}$", description="ОГРН, 13 digits with a valid check digit")
    inn: str = Field(
        pattern=r"^\d{10}$", description="ИНН of the legal entity, 10 digits with a valid check digit"
    )
    kpp: str | None = Field(default=None, pattern=r"^\d{4}[\dA-Z]{2}\d{3}$", description="КПП, 9 characters")
    full_name: str = Field(min_length=1, max_length=500, pattern=_NAME)
    short_name: str = Field(min_length=1, max_length=200, pattern=_NAME)
    region_code: str = Field(pattern=r"^(0[1-9]|[1-9]\d)$", description="Subject code, e.g. 77")
    region_name: str = Field(min_length=1, max_length=100, pattern=_NAME)
    type: Literal["LEGAL"] = Field(default="LEGAL", description="ESIA organisation type (ESIA.md §7.3)")
    phone: str | None = Field(default=None, pattern=_PHONE, description="+7 and 10 digits")
    email: str | None = Field(default=None, max_length=254, pattern=_EMAIL)


class OrganizationChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kpp: str | None = Field(default=None, pattern=r"^\d{4}[\dA-Z]{2}\d{3}$")
    full_name: str | None = Field(default=None, min_length=1, max_length=500, pattern=_NAME)
    short_name: str | None = Field(default=None, min_length=1, max_length=200, pattern=_NAME)
    region_code: str | None = Field(default=None, pattern=r"^(0[1-9]|[1-9]\d)$")
    region_name: str | None = Field(default=None, min_length=1, max_length=100, pattern=_NAME)
    phone: str | None = Field(default=None, pattern=_PHONE)
    email: str | None = Field(default=None, max_length=254, pattern=_EMAIL)
    active: bool | None = None


class OrganizationOut(BaseModel):
    oid: int
    ogrn: str
    inn: str
    kpp: str | None
    full_name: str
    short_name: str
    region_code: str
    region_name: str
    type: str
    phone: str | None
    email: str | None
    active: bool


class NewEmployment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_oid: int = Field(ge=1, le=2**63 - 1, description="The person's oid")
    position: str = Field(min_length=1, max_length=200, pattern=_NAME, description="e.g. Врач-терапевт")
    role: Literal["doctor", "nurse", "lab", "registrar", "chief", "authority_reg", "authority_fed"] = Field(
        description="EGISZ.md §5 roles: doctor (practitioner), nurse, lab, registrar, chief; "
        "authority_reg / authority_fed (a health authority's staff: aggregate reports only)"
    )
    chief: bool = False
    admin: bool = False
    since: dt.date | None = Field(default=None, description="YYYY-MM-DD; today when absent")


class EmploymentOut(BaseModel):
    account_oid: int
    org_oid: int
    last_name: str
    first_name: str
    middle_name: str | None
    position: str
    role: str
    chief: bool
    admin: bool
    active: bool
    since: dt.date


@router.get("", response_model=list[OrganizationOut], summary="List the medical organisations")
def list_organizations(caller: AdminCallerDep, session: SessionDep) -> list[dict[str, Any]]:
    return admin.list_organizations(session)


@router.post(
    "",
    response_model=OrganizationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register an organisation",
    responses=problem_responses({409: "An organisation with this OGRN exists (`organization_exists`)"}),
)
def add_organization(body: NewOrganization, caller: AdminCallerDep, session: SessionDep) -> dict[str, Any]:
    return admin.add_organization(session, OrganizationSpec(**body.model_dump()), caller=caller)


@router.get("/{oid}", response_model=OrganizationOut, summary="One organisation")
def read_organization(oid: RowId, caller: AdminCallerDep, session: SessionDep) -> dict[str, Any]:
    return admin.view_organization(session, oid)


@router.patch("/{oid}", response_model=OrganizationOut, summary="Change names, KPP, region, contacts, active")
def update_organization(
    oid: RowId, body: OrganizationChanges, caller: AdminCallerDep, session: SessionDep
) -> dict[str, Any]:
    return admin.update_organization(session, oid, body.model_dump(exclude_unset=True), caller=caller)


@router.get("/{oid}/employees", response_model=list[EmploymentOut], summary="Who works there now")
def list_employees(oid: RowId, caller: AdminCallerDep, session: SessionDep) -> list[dict[str, Any]]:
    return admin.list_employees(session, oid, caller=caller)


@router.post(
    "/{oid}/employees",
    response_model=EmploymentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Employ a person (or change their position)",
)
def employ(oid: RowId, body: NewEmployment, caller: AdminCallerDep, session: SessionDep) -> dict[str, Any]:
    return admin.employ(
        session,
        oid,
        body.account_oid,
        position=body.position,
        role=body.role,
        chief=body.chief,
        admin=body.admin,
        since=body.since,
        caller=caller,
    )


@router.delete("/{oid}/employees/{account_oid}", response_model=EmploymentOut, summary="End an employment")
def dismiss(oid: RowId, account_oid: RowId, caller: AdminCallerDep, session: SessionDep) -> dict[str, Any]:
    return admin.dismiss(session, oid, account_oid, caller=caller)
