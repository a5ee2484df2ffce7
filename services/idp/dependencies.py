"""FastAPI dependency aliases for the idp: settings, the request's session, collaborators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from idp.clients.secrets import SecretHasher
from idp.keys.service import KeyStore
from idp.oauth2.requests import HttpPayload, read_payload
from idp.oauth2.server import IdpAuthorizationServer
from idp.oauth2.tokens import AccessTokenIssuer
from idp.settings import IdpSettings


def get_settings(request: Request) -> IdpSettings:
    settings: IdpSettings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back when it raises."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_key_store(request: Request) -> KeyStore:
    keys: KeyStore = request.app.state.key_store
    return keys


def get_hasher(request: Request) -> SecretHasher:
    hasher: SecretHasher = request.app.state.secret_hasher
    return hasher


SettingsDep = Annotated[IdpSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
KeyStoreDep = Annotated[KeyStore, Depends(get_key_store)]
HasherDep = Annotated[SecretHasher, Depends(get_hasher)]
PayloadDep = Annotated[HttpPayload, Depends(read_payload)]


def get_authorization_server(
    request: Request, session: SessionDep, settings: SettingsDep, hasher: HasherDep
) -> IdpAuthorizationServer:
    tokens: AccessTokenIssuer = request.app.state.token_issuer
    return IdpAuthorizationServer(session, hasher, tokens, settings.issuer)


AuthorizationServerDep = Annotated[IdpAuthorizationServer, Depends(get_authorization_server)]
