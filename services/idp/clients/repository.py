from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.clients.models import Client


def get_by_client_id(session: Session, client_id: str) -> Client | None:
    if "\x00" in client_id:
        # No stored id holds a NUL, and PostgreSQL refuses one in a query parameter: HTTP Basic
        # `\x00:x` at /token or /introspect was a 500 there, before any credential was checked.
        return None
    return session.scalar(select(Client).where(Client.client_id == client_id))


def list_clients(session: Session) -> Sequence[Client]:
    return session.scalars(select(Client).order_by(Client.id)).all()


def add(session: Session, client: Client) -> Client:
    session.add(client)
    session.flush()
    return client


def delete(session: Session, client: Client) -> None:
    session.delete(client)
    session.flush()


def lock_all(session: Session) -> Sequence[Client]:
    """Every client, locked until the transaction ends (``FOR UPDATE`` on PostgreSQL; SQLite's
    ``BEGIN IMMEDIATE`` already serialises writers): two admins removing the last two admin clients
    at once must not both succeed."""
    return session.scalars(select(Client).order_by(Client.id).with_for_update()).all()
