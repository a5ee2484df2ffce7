"""FastAPI dependency aliases for the idp: settings, the request's session, collaborators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from idp.accounts.protection import FieldCipher
from idp.clients.secrets import SecretHasher
from idp.keys.service import KeyStore
from idp.oauth2.metadata import supported_scopes
from idp.oauth2.requests import HttpPayload, read_payload
from idp.oauth2.server import IdpAuthorizationServer
from idp.sessions import service as sessions_service
from idp.sessions.backchannel import BackchannelNotifier
from idp.settings import IdpSettings
from idp.tokens.access import AccessTokenIssuer
from idp.tokens.verify import OwnTokenError, verify_own_jwt
from shared.db import begin_immediate
from shared.tokens import InsufficientScopeError, InvalidTokenError, bearer_token

SESSION_COOKIE = "idp_session"
CSRF_COOKIE = "idp_csrf"


def get_settings(request: Request) -> IdpSettings:
    settings: IdpSettings = request.app.state.settings
    return settings


#: Routes that only read. Every other request may write, and on SQLite takes the write lock when
#: its transaction begins (BEGIN IMMEDIATE): a deferred transaction that later upgrades to a write
#: fails at once with "database is locked" when another writer is active (no busy wait).
READ_ONLY_PATHS = frozenset(
    {
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/userinfo",
        "/introspect",
    }
)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back when it raises."""
    session: Session = request.app.state.session_factory()
    if request.url.path not in READ_ONLY_PATHS:
        begin_immediate(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _state(name: str) -> Any:
    def getter(request: Request) -> Any:
        return getattr(request.app.state, name)

    return getter


SettingsDep = Annotated[IdpSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
KeyStoreDep = Annotated[KeyStore, Depends(_state("key_store"))]
HasherDep = Annotated[SecretHasher, Depends(_state("secret_hasher"))]
CipherDep = Annotated[FieldCipher, Depends(_state("field_cipher"))]
TokensDep = Annotated[AccessTokenIssuer, Depends(_state("token_issuer"))]
PolicyDep = Annotated[sessions_service.SessionPolicy, Depends(_state("session_policy"))]
BackchannelDep = Annotated[BackchannelNotifier, Depends(_state("backchannel"))]
PayloadDep = Annotated[HttpPayload, Depends(read_payload)]


def get_authorization_server(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    tokens: TokensDep,
    cipher: CipherDep,
) -> IdpAuthorizationServer:
    return IdpAuthorizationServer(
        session, settings, hasher, tokens, cipher, request.app.state.jwks_uri_cache, supported_scopes(session)
    )


AuthorizationServerDep = Annotated[IdpAuthorizationServer, Depends(get_authorization_server)]


def get_browser_session(
    request: Request, session: SessionDep, policy: PolicyDep
) -> sessions_service.SessionLookup:
    return sessions_service.resolve_session(session, policy, request.cookies.get(SESSION_COOKIE))


BrowserSessionDep = Annotated[sessions_service.SessionLookup, Depends(get_browser_session)]


def require_admin(request: Request, keys: KeyStoreDep, settings: SettingsDep) -> dict[str, Any]:
    """An admin credential: our own access token with scope ``admin`` and the idp as audience."""
    token = bearer_token(request, realm="admin")
    try:
        claims = verify_own_jwt(token, keys, settings.issuer, typ="at+jwt")
    except OwnTokenError:
        raise InvalidTokenError("The admin token is invalid or expired.", realm="admin") from None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.issuer not in audiences:
        raise InvalidTokenError("The token is not meant for the idp.", realm="admin")
    if "admin" not in str(claims.get("scope", "")).split():
        raise InsufficientScopeError("The admin scope is required.", realm="admin", scope="admin")
    return claims


AdminDep = Annotated[dict[str, Any], Depends(require_admin)]
