"""Operator actions on accounts (admin token): read, confirm identity in person, unlock."""

from __future__ import annotations

from fastapi import APIRouter, Security
from pydantic import BaseModel, Field

from idp.accounts import admin
from idp.dependencies import AdminCallerDep, SessionDep
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses
from shared.path_ids import RowId

router = APIRouter(
    prefix="/admin/accounts",
    tags=["admin"],
    # documents the admin token and its errors on every route (AdminCallerDep checks the token)
    dependencies=[Security(bearer_scheme)],
    responses=problem_responses({**BEARER_ERRORS, 404: "No account with this id (`account_not_found`)"}),
)


class AccountSummary(BaseModel):
    oid: int
    level: str
    registry_status: str
    registry_reason: str | None
    locked: bool


class IdentityConfirmation(BaseModel):
    operator: str = Field(min_length=1, max_length=100, description="Who checked the documents in person")
    office: str | None = Field(default=None, max_length=200, description="Service centre")


@router.get("/{oid}", response_model=AccountSummary, summary="An account's level and lock state")
def read_account(oid: RowId, caller: AdminCallerDep, session: SessionDep) -> AccountSummary:
    return AccountSummary(**admin.view_account(session, oid, caller=caller))


@router.post(
    "/{oid}/confirm-identity",
    response_model=AccountSummary,
    summary="Confirm a person's identity checked in person (level → confirmed, R-ACC-4)",
)
def confirm_identity(
    oid: RowId, body: IdentityConfirmation, caller: AdminCallerDep, session: SessionDep
) -> AccountSummary:
    summary = admin.confirm_identity(session, oid, operator=body.operator, office=body.office, caller=caller)
    return AccountSummary(**summary)


@router.post("/{oid}/unlock", response_model=AccountSummary, summary="Lift a lockout")
def unlock(oid: RowId, caller: AdminCallerDep, session: SessionDep) -> AccountSummary:
    return AccountSummary(**admin.unlock(session, oid, caller=caller))
