"""Operator actions on accounts (admin token): confirm identity in person, unlock."""

from __future__ import annotations

from fastapi import APIRouter, Security
from pydantic import BaseModel, Field

from idp.accounts import admin
from idp.dependencies import AdminDep, SessionDep
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses

router = APIRouter(
    prefix="/admin/accounts",
    tags=["admin"],
    # documents the admin token and its errors on every route (AdminDep checks the token)
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
def read_account(oid: int, claims: AdminDep, session: SessionDep) -> AccountSummary:
    return AccountSummary(**admin.summary(session, oid))


@router.post(
    "/{oid}/confirm-identity",
    response_model=AccountSummary,
    summary="Confirm a person's identity checked in person (level → confirmed, R-ACC-4)",
)
def confirm_identity(
    oid: int, body: IdentityConfirmation, claims: AdminDep, session: SessionDep
) -> AccountSummary:
    admin.confirm_identity(session, oid, operator=body.operator, admin_client=str(claims.get("client_id")))
    return AccountSummary(**admin.summary(session, oid))


@router.post("/{oid}/unlock", response_model=AccountSummary, summary="Lift a lockout")
def unlock(oid: int, claims: AdminDep, session: SessionDep) -> AccountSummary:
    admin.unlock(session, oid, admin_client=str(claims.get("client_id")))
    return AccountSummary(**admin.summary(session, oid))
