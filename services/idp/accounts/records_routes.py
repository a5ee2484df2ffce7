"""Operator API for a person's records (ОМС policy, addresses, children, vehicles, birth place,
citizenship): what the ESIA REST API returns beyond the account's own fields (docs/organizations.md)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response, Security, status
from pydantic import BaseModel, ConfigDict, Field

from idp.accounts import admin
from idp.dependencies import AdminCallerDep, CipherDep, SessionDep
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses
from shared.path_ids import RowId

router = APIRouter(
    prefix="/admin/accounts/{oid}/records",
    tags=["admin"],
    dependencies=[Security(bearer_scheme)],
    responses=problem_responses(
        {
            **BEARER_ERRORS,
            404: "No such account or record (`account_not_found`, `person_record_not_found`)",
            422: "The record's fields fail their rules (`person_record_invalid`, with `errors`)",
        }
    ),
)

Kind = Literal["medical_policy", "address", "child", "vehicle", "birth_place", "citizenship"]


class NewRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    data: dict[str, Any] = Field(description="The record's fields (docs/organizations.md lists them by kind)")


class RecordOut(BaseModel):
    id: int
    kind: str
    data: dict[str, Any]
    etag: str


@router.get("", response_model=list[RecordOut], summary="A person's records (reading them is logged)")
def list_records(
    oid: RowId, caller: AdminCallerDep, session: SessionDep, cipher: CipherDep
) -> list[dict[str, Any]]:
    return admin.list_person_records(session, cipher, oid, caller=caller)


@router.post(
    "",
    response_model=RecordOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a record (a policy, birth place or citizenship replaces the previous one)",
)
def add_record(
    oid: RowId, body: NewRecord, caller: AdminCallerDep, session: SessionDep, cipher: CipherDep
) -> dict[str, Any]:
    return admin.add_person_record(session, cipher, oid, body.kind, body.data, caller=caller)


@router.delete("/{record_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a record")
def remove_record(oid: RowId, record_id: RowId, caller: AdminCallerDep, session: SessionDep) -> Response:
    admin.remove_person_record(session, oid, record_id, caller=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
