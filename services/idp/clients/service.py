"""Client registration rules."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from idp.clients import repository
from idp.clients.errors import ClientExistsError, ClientNotFoundError, InvalidClientMetadataError
from idp.clients.models import Client
from idp.clients.secrets import SecretHasher, new_client_secret
from idp.organizations import service as organizations
from shared.db import utcnow


@dataclass
class ClientSpec:
    client_id: str
    name: str
    client_type: str = "confidential"
    token_endpoint_auth_method: str = "client_secret_basic"
    grant_types: list[str] = field(default_factory=lambda: ["client_credentials"])
    scopes: list[str] = field(default_factory=list)
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    backchannel_logout_uri: str | None = None
    jwks: dict[str, Any] | None = None
    jwks_uri: str | None = None
    signing_alg: str = "RS256"
    default_audience: str | None = None
    audiences: list[str] = field(default_factory=list)
    #: an integrator system's medical organisation (EGISZ.md §5 ``mis``)
    organization_oid: int | None = None


def register_client(
    session: Session, hasher: SecretHasher, spec: ClientSpec, secret: str | None = None
) -> tuple[Client, str | None]:
    """Create a client. Returns it with its plain secret (shown once), or None when it has none."""
    if repository.get_by_client_id(session, spec.client_id) is not None:
        raise ClientExistsError(f"Client {spec.client_id!r} already exists.")
    needs_secret = spec.client_type == "confidential" and spec.token_endpoint_auth_method.startswith(
        "client_secret"
    )
    plain = (secret or new_client_secret()) if needs_secret else None
    client = Client(
        client_id=spec.client_id,
        name=spec.name,
        client_type=spec.client_type,
        secret_hash=hasher.hash(plain) if plain else None,
        token_endpoint_auth_method=spec.token_endpoint_auth_method,
        grant_types=list(spec.grant_types),
        scopes=list(spec.scopes),
        redirect_uris=list(spec.redirect_uris),
        post_logout_redirect_uris=list(spec.post_logout_redirect_uris),
        backchannel_logout_uri=spec.backchannel_logout_uri,
        jwks=spec.jwks,
        jwks_uri=spec.jwks_uri,
        signing_alg=spec.signing_alg,
        default_audience=spec.default_audience,
        audiences=list(spec.audiences),
        organization_oid=spec.organization_oid,
        secret_rotated_at=utcnow() if plain else None,
    )
    return repository.add(session, client), plain


def ensure_client(session: Session, hasher: SecretHasher, spec: ClientSpec, secret: str) -> Client:
    """Idempotent registration for seeds and config import: create, or update to match ``spec``."""
    client = repository.get_by_client_id(session, spec.client_id)
    if client is None:
        created, _ = register_client(session, hasher, spec, secret)
        return created
    for name, value in vars(spec).items():
        setattr(client, name, value)
    client.secret_hash = hasher.hash(secret) if secret else None
    session.flush()
    return client


def get_client(session: Session, client_id: str) -> Client:
    client = repository.get_by_client_id(session, client_id)
    if client is None:
        raise ClientNotFoundError(f"No client {client_id!r}.")
    return client


def find_client(session: Session, client_id: str) -> Client | None:
    return repository.get_by_client_id(session, client_id)


def list_clients(session: Session) -> list[Client]:
    return list(repository.list_clients(session))


def update_client(session: Session, client_id: str, spec: ClientSpec) -> Client:
    client = get_client(session, client_id)
    if spec.client_id != client_id:
        raise InvalidClientMetadataError("client_id cannot change.")
    for name, value in vars(spec).items():
        setattr(client, name, value)
    if spec.client_type == "public" or not spec.token_endpoint_auth_method.startswith("client_secret"):
        client.secret_hash = None
    session.flush()
    return client


def rotate_secret(session: Session, hasher: SecretHasher, client_id: str) -> str:
    client = get_client(session, client_id)
    if client.client_type != "confidential" or not client.token_endpoint_auth_method.startswith(
        "client_secret"
    ):
        raise InvalidClientMetadataError("This client does not authenticate with a secret.")
    secret = new_client_secret()
    client.secret_hash = hasher.hash(secret)
    client.secret_rotated_at = utcnow()
    session.flush()
    return secret


def delete_client(session: Session, client_id: str) -> None:
    repository.delete(session, get_client(session, client_id))


class ClientDirectory:
    """Registered clients cached per process for ``ttl`` seconds (the token endpoint's hot path).

    A change made through this process (admin API, CLI in-process) invalidates its entry at once;
    other replicas see it within ``ttl``. ``ttl=0`` turns the cache off.
    """

    def __init__(self, ttl: float) -> None:
        self._ttl = ttl
        self._entries: dict[str, tuple[float, Client | None]] = {}
        #: client_id → the OGRN of the organisation an ``mis`` client is bound to, read with the
        #: client (the ``org_ogrn`` of its tokens without a query on the hot path)
        self._ogrns: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def peek(self, client_id: str) -> tuple[bool, Client | None]:
        """(hit, client) without touching the database."""
        if self._ttl <= 0:
            return False, None
        with self._lock:
            entry = self._entries.get(client_id)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return False, None
        return True, entry[1]

    def get(self, session: Session, client_id: str) -> Client | None:
        hit, client = self.peek(client_id)
        if hit:
            return client
        client = repository.get_by_client_id(session, client_id)
        ogrn = _organization_ogrn(session, client)
        if self._ttl > 0:
            if client is not None:
                session.expunge(client)  # a detached snapshot, safe to share between requests
            with self._lock:
                self._entries[client_id] = (time.monotonic(), client)
        with self._lock:
            self._ogrns[client_id] = ogrn
        return client

    def organization_ogrn(self, client_id: str) -> str | None:
        """The OGRN of the organisation the client (as :meth:`get` last read it) is bound to."""
        with self._lock:
            return self._ogrns.get(client_id)

    def invalidate(self, client_id: str) -> None:
        with self._lock:
            self._entries.pop(client_id, None)
            self._ogrns.pop(client_id, None)


def _organization_ogrn(session: Session, client: Client | None) -> str | None:
    if client is None or client.organization_oid is None:
        return None
    organization = organizations.find_organization(session, client.organization_oid)
    return organization.ogrn if organization is not None else None
