"""Admin REST API for clients; needs an admin token (client_credentials, scope ``admin``).

Every change is audited by ``clients/admin.py``. A refusal to remove the last admin client is
answered here without raising, so that the request's transaction commits its audit event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, Security, status
from fastapi.responses import JSONResponse

from idp.clients import admin, service
from idp.clients.errors import LastAdminClientError
from idp.clients.models import Client
from idp.clients.schemas import ClientCreated, ClientIn, ClientOut, SecretRotated
from idp.clients.service import ClientSpec
from idp.dependencies import AdminCallerDep, AdminDep, DirectoryDep, HasherDep, SessionDep
from shared.errors import problem_response
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses
from shared.path_ids import text_id

router = APIRouter(
    prefix="/admin/clients",
    tags=["admin"],
    # documents the admin token and its errors on every route (AdminDep checks the token)
    dependencies=[Security(bearer_scheme)],
    responses=problem_responses(BEARER_ERRORS),
)
_NOT_FOUND = problem_responses({404: "No client with this id (`client_not_found`)"})

#: As stored (``clients.client_id`` is 128 characters); a NUL byte would be a 500 on PostgreSQL.
ClientIdPath = Annotated[str, text_id(128, "The client's client_id.")]

LAST_ADMIN = problem_responses(
    {
        404: "No client with this id (`client_not_found`)",
        409: "It is the last admin client (`last_admin_client`), or a client of the ESIA face, "
        "managed at /admin/esia/clients (`esia_client`)",
    }
)


def _out(client: Client) -> ClientOut:
    return ClientOut.model_validate(client, from_attributes=True)


def _spec(body: ClientIn) -> ClientSpec:
    return ClientSpec(**body.model_dump())


def _refused(request: Request, exc: LastAdminClientError) -> JSONResponse:
    return problem_response(exc.status_code, exc.code, exc.title, exc.detail, instance=request.url.path)


@router.get("", response_model=list[ClientOut], summary="List clients")
def list_clients(_: AdminDep, session: SessionDep) -> list[ClientOut]:
    return [_out(c) for c in service.list_clients(session)]


@router.post(
    "",
    response_model=ClientCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Register a client; its secret is shown once",
    responses=problem_responses({409: "A client with this id exists (`client_exists`)"}),
)
def create_client(
    body: ClientIn, caller: AdminCallerDep, session: SessionDep, hasher: HasherDep, directory: DirectoryDep
) -> ClientCreated:
    client, secret = admin.create_client(session, hasher, directory, _spec(body), caller=caller)
    return ClientCreated(**_out(client).model_dump(), client_secret=secret)


@router.get("/{client_id}", response_model=ClientOut, summary="Read a client", responses=_NOT_FOUND)
def read_client(client_id: ClientIdPath, _: AdminDep, session: SessionDep) -> ClientOut:
    return _out(service.get_client(session, client_id))


@router.put(
    "/{client_id}", response_model=ClientOut, summary="Replace a client's metadata", responses=LAST_ADMIN
)
def update_client(
    request: Request,
    client_id: ClientIdPath,
    body: ClientIn,
    caller: AdminCallerDep,
    session: SessionDep,
    directory: DirectoryDep,
) -> ClientOut | JSONResponse:
    try:
        return _out(admin.update_client(session, directory, client_id, _spec(body), caller=caller))
    except LastAdminClientError as exc:
        return _refused(request, exc)


@router.post(
    "/{client_id}/secret",
    response_model=SecretRotated,
    summary="Rotate the client secret",
    responses={
        **_NOT_FOUND,
        **problem_responses({409: "A client of the ESIA face (`esia_client`): it has no shared secret"}),
    },
)
def rotate_secret(
    client_id: ClientIdPath,
    caller: AdminCallerDep,
    session: SessionDep,
    hasher: HasherDep,
    directory: DirectoryDep,
) -> SecretRotated:
    secret = admin.rotate_secret(session, hasher, directory, client_id, caller=caller)
    return SecretRotated(client_id=client_id, client_secret=secret)


@router.delete(
    "/{client_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a client", responses=LAST_ADMIN
)
def delete_client(
    request: Request,
    client_id: ClientIdPath,
    caller: AdminCallerDep,
    session: SessionDep,
    directory: DirectoryDep,
) -> Response:
    try:
        admin.delete_client(session, directory, client_id, caller=caller)
    except LastAdminClientError as exc:
        return _refused(request, exc)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
