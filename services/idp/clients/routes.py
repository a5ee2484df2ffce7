"""Admin REST API for clients; needs an admin token (client_credentials, scope ``admin``)."""

from __future__ import annotations

from fastapi import APIRouter, Response, Security, status

from idp.clients import service
from idp.clients.models import Client
from idp.clients.schemas import ClientCreated, ClientIn, ClientOut, SecretRotated
from idp.clients.service import ClientSpec
from idp.dependencies import AdminDep, DirectoryDep, HasherDep, SessionDep
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses

router = APIRouter(
    prefix="/admin/clients",
    tags=["admin"],
    # documents the admin token and its errors on every route (AdminDep checks the token)
    dependencies=[Security(bearer_scheme)],
    responses=problem_responses(BEARER_ERRORS),
)
_NOT_FOUND = problem_responses({404: "No client with this id (`client_not_found`)"})


def _out(client: Client) -> ClientOut:
    return ClientOut.model_validate(client, from_attributes=True)


def _spec(body: ClientIn) -> ClientSpec:
    return ClientSpec(**body.model_dump())


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
    body: ClientIn, _: AdminDep, session: SessionDep, hasher: HasherDep, directory: DirectoryDep
) -> ClientCreated:
    client, secret = service.register_client(session, hasher, _spec(body))
    directory.invalidate(body.client_id)  # a cached "no such client" must not outlive the creation
    return ClientCreated(**_out(client).model_dump(), client_secret=secret)


@router.get("/{client_id}", response_model=ClientOut, summary="Read a client", responses=_NOT_FOUND)
def read_client(client_id: str, _: AdminDep, session: SessionDep) -> ClientOut:
    return _out(service.get_client(session, client_id))


@router.put(
    "/{client_id}", response_model=ClientOut, summary="Replace a client's metadata", responses=_NOT_FOUND
)
def update_client(
    client_id: str, body: ClientIn, _: AdminDep, session: SessionDep, directory: DirectoryDep
) -> ClientOut:
    client = service.update_client(session, client_id, _spec(body))
    directory.invalidate(client_id)
    return _out(client)


@router.post(
    "/{client_id}/secret",
    response_model=SecretRotated,
    summary="Rotate the client secret",
    responses=_NOT_FOUND,
)
def rotate_secret(
    client_id: str, _: AdminDep, session: SessionDep, hasher: HasherDep, directory: DirectoryDep
) -> SecretRotated:
    secret = service.rotate_secret(session, hasher, client_id)
    directory.invalidate(client_id)
    return SecretRotated(client_id=client_id, client_secret=secret)


@router.delete(
    "/{client_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a client", responses=_NOT_FOUND
)
def delete_client(client_id: str, _: AdminDep, session: SessionDep, directory: DirectoryDep) -> Response:
    service.delete_client(session, client_id)
    directory.invalidate(client_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
