"""Admin API actions on clients. Every one is an ``admin_action`` event in the security log with
the admin client's id (R-SEC-1), and none may leave the idp without an admin client.

An *admin client* is one that can get an admin token: confidential, with the ``client_credentials``
grant and the ``admin`` scope (``dependencies.require_admin``). Deleting the last one, or changing
it so that it no longer is one, is refused with 409 ``last_admin_client``; the refusal is logged
too (the route answers it without raising, so that the event commits).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from idp.audit import service as audit
from idp.audit.service import AdminCaller
from idp.clients import repository, service
from idp.clients.errors import EsiaManagedClientError, LastAdminClientError
from idp.clients.models import ESIA_SIGNED_SECRET, Client
from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientDirectory, ClientSpec

ADMIN_SCOPE = "admin"


def is_admin_client(client: Client | ClientSpec) -> bool:
    return (
        client.client_type == "confidential"
        and "client_credentials" in client.grant_types
        and ADMIN_SCOPE in client.scopes
    )


def _keep_an_admin(
    session: Session, client: Client, after: ClientSpec | None, *, caller: AdminCaller, action: str
) -> None:
    """Refuse when ``client`` is an admin client, stops being one (``after`` None: deleted), and no
    other admin client exists."""
    if not is_admin_client(client) or (after is not None and is_admin_client(after)):
        return
    others = [c for c in repository.lock_all(session) if c.id != client.id and is_admin_client(c)]
    if others:
        return
    audit.record_admin_action(
        session,
        caller,
        action,
        result="failure",
        details={"client_id": client.client_id, "reason": "last_admin_client"},
    )
    verb = (
        "delete"
        if after is None
        else "take the admin scope, the client_credentials grant or confidentiality from"
    )
    raise LastAdminClientError(
        f"Refusing to {verb} {client.client_id!r}: it is the last client that can get an admin token, "
        "and without one nobody can use the admin API. Register another admin client first."
    )


def _not_esia(client: Client) -> None:
    if client.token_endpoint_auth_method == ESIA_SIGNED_SECRET:
        raise EsiaManagedClientError(
            f"{client.client_id!r} is a client of the ESIA face: change or remove it through "
            "/admin/esia/clients (python -m idp esia client ...)."
        )


def create_client(
    session: Session,
    hasher: SecretHasher,
    directory: ClientDirectory,
    spec: ClientSpec,
    *,
    caller: AdminCaller,
) -> tuple[Client, str | None]:
    client, secret = service.register_client(session, hasher, spec)
    directory.invalidate(spec.client_id)  # a cached "no such client" must not outlive the creation
    audit.record_admin_action(
        session,
        caller,
        "client_created",
        details={"client_id": client.client_id, "admin_client": is_admin_client(client)},
    )
    return client, secret


def update_client(
    session: Session, directory: ClientDirectory, client_id: str, spec: ClientSpec, *, caller: AdminCaller
) -> Client:
    client = service.get_client(session, client_id)
    _not_esia(client)
    _keep_an_admin(session, client, spec, caller=caller, action="client_updated")
    before = _metadata(client)
    client = service.update_client(session, client_id, spec)
    directory.invalidate(client_id)
    changed = sorted(name for name, value in _metadata(client).items() if before.get(name) != value)
    audit.record_admin_action(
        session, caller, "client_updated", details={"client_id": client_id, "changed": changed}
    )
    return client


def rotate_secret(
    session: Session, hasher: SecretHasher, directory: ClientDirectory, client_id: str, *, caller: AdminCaller
) -> str:
    _not_esia(service.get_client(session, client_id))
    secret = service.rotate_secret(session, hasher, client_id)
    directory.invalidate(client_id)
    audit.record_admin_action(session, caller, "client_secret_rotated", details={"client_id": client_id})
    return secret


def delete_client(
    session: Session, directory: ClientDirectory, client_id: str, *, caller: AdminCaller
) -> None:
    client = service.get_client(session, client_id)
    _not_esia(client)
    _keep_an_admin(session, client, None, caller=caller, action="client_deleted")
    service.delete_client(session, client_id)
    directory.invalidate(client_id)
    audit.record_admin_action(session, caller, "client_deleted", details={"client_id": client_id})


def _metadata(client: Client) -> dict[str, Any]:
    return {field.name: getattr(client, field.name) for field in dataclasses.fields(ClientSpec)}
