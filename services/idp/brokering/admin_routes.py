"""Admin REST API for the banks of «Войти через банк» (docs/bank-id.md); needs an admin token
(client_credentials, scope ``admin``), like ``/admin/clients``. Every change is audited by
``brokering/admin.py``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, Security, status

from idp.brokering import admin
from idp.brokering.schemas import BankOut
from idp.dependencies import AdminCallerDep, AdminDep, CipherDep, LoginContextDep, SessionDep, SettingsDep
from idp.settings import BankProvider
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses
from shared.path_ids import text_id

router = APIRouter(
    prefix="/admin/banks",
    tags=["admin"],
    dependencies=[Security(bearer_scheme)],
    responses=problem_responses(BEARER_ERRORS),
)

BankIdPath = Annotated[str, text_id(32, "The bank's id.")]


@router.get("", response_model=list[BankOut], summary="List the banks (without their secrets)")
def list_banks(_: AdminDep, session: SessionDep, settings: SettingsDep, cipher: CipherDep) -> list[BankOut]:
    return admin.list_banks(session, settings, cipher)


@router.post(
    "",
    response_model=BankOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a bank",
    responses=problem_responses({409: "A bank with this id exists (`bank_exists`)"}),
)
def add_bank(
    body: BankProvider,
    caller: AdminCallerDep,
    session: SessionDep,
    settings: SettingsDep,
    cipher: CipherDep,
    ctx: LoginContextDep,
) -> BankOut:
    return admin.add_bank(session, settings, cipher, body, caller=caller, now=ctx.clock())


@router.delete(
    "/{bank_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a bank, its links and its logins in flight",
    responses=problem_responses(
        {
            404: "No bank with this id (`bank_not_found`)",
            409: "The bank is configured in IDP_BANK_PROVIDERS (`bank_in_settings`)",
        }
    ),
)
def remove_bank(
    bank_id: BankIdPath, caller: AdminCallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    admin.remove_bank(session, settings, bank_id, caller=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
