"""FastAPI dependency aliases for the idp: settings, the request's session, collaborators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from idp.accounts.contacts import AccountsContext
from idp.accounts.protection import FieldCipher
from idp.audit.service import AdminCaller
from idp.brokering.context import BankContext
from idp.clients import admin as clients_admin
from idp.clients import service as clients_service
from idp.clients.secrets import SecretHasher
from idp.keys.service import KeyStore
from idp.login.flow import LoginContext
from idp.login.throttle import LoginThrottle
from idp.oauth2.client_auth import JwksUriCache
from idp.oauth2.requests import HttpPayload, read_payload
from idp.oauth2.server import IdpAuthorizationServer
from idp.pki.context import PkiContext
from idp.pki.crl_fetch import HttpRevocationFetcher
from idp.sessions import service as sessions_service
from idp.sessions.backchannel import BackchannelDispatcher
from idp.settings import IdpSettings
from idp.smart.service import PatientDirectory
from idp.tokens.issuance import TokenIssuer
from idp.tokens.verify import OwnTokenError, verify_own_jwt
from shared.db import end_transaction, session_scope
from shared.tokens import InsufficientScopeError, InvalidTokenError, bearer_token

SESSION_COOKIE = "idp_session"
CSRF_COOKIE = "idp_csrf"


# Dependencies that only read app state are ``async def`` so FastAPI does not hop to the threadpool
# for them; the ones that touch the database stay ``def``.
async def get_settings(request: Request) -> IdpSettings:
    settings: IdpSettings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed before the response is sent, rolled back on error.

    Any request through here may write, so on SQLite it takes the write lock up front (see
    shared.db.make_sessionmaker); the read-only hot paths open their sessions themselves
    (idp.oauth2.api_routes)."""
    async with session_scope(request.app.state.write_session_factory) as session:
        yield session


def _state(name: str) -> Any:
    async def getter(request: Request) -> Any:
        return getattr(request.app.state, name)

    return getter


SettingsDep = Annotated[IdpSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
KeyStoreDep = Annotated[KeyStore, Depends(_state("key_store"))]
HasherDep = Annotated[SecretHasher, Depends(_state("secret_hasher"))]
CipherDep = Annotated[FieldCipher, Depends(_state("field_cipher"))]
DirectoryDep = Annotated[clients_service.ClientDirectory, Depends(_state("client_directory"))]
TokensDep = Annotated[TokenIssuer, Depends(_state("token_issuer"))]
PolicyDep = Annotated[sessions_service.SessionPolicy, Depends(_state("session_policy"))]
BackchannelDep = Annotated[BackchannelDispatcher, Depends(_state("backchannel"))]
PayloadDep = Annotated[HttpPayload, Depends(read_payload)]
LoginContextDep = Annotated[LoginContext, Depends(_state("login_context"))]
PkiContextDep = Annotated[PkiContext, Depends(_state("pki_context"))]
AccountsContextDep = Annotated[AccountsContext, Depends(_state("accounts_context"))]
ThrottleDep = Annotated[LoginThrottle, Depends(_state("login_throttle"))]
CrlFetcherDep = Annotated[HttpRevocationFetcher, Depends(_state("crl_fetcher"))]
BankContextDep = Annotated[BankContext, Depends(_state("bank_context"))]


@dataclass(frozen=True)
class OAuthCollaborators:
    """What the Authlib server needs besides the request's session, built once in main.py."""

    settings: IdpSettings
    secret_hasher: SecretHasher
    token_issuer: TokenIssuer
    field_cipher: FieldCipher
    jwks_uri_cache: JwksUriCache
    client_directory: clients_service.ClientDirectory
    #: the FHIR server's Patient lookup for SMART launches (idp.smart)
    patient_directory: PatientDirectory


def authorization_server(oauth: OAuthCollaborators, session: Session) -> IdpAuthorizationServer:
    """The Authlib server for one request, around that request's session (which owns the
    transaction)."""
    return IdpAuthorizationServer(
        session,
        oauth.settings,
        oauth.secret_hasher,
        oauth.token_issuer,
        oauth.field_cipher,
        oauth.jwks_uri_cache,
        oauth.client_directory,
        oauth.patient_directory,
    )


async def get_authorization_server(request: Request, session: SessionDep) -> IdpAuthorizationServer:
    return authorization_server(request.app.state.oauth, session)


AuthorizationServerDep = Annotated[IdpAuthorizationServer, Depends(get_authorization_server)]


def _look_up_browser_session(
    session: Session, policy: sessions_service.SessionPolicy, cookie: str
) -> sessions_service.SessionLookup:
    lookup = sessions_service.resolve_session(session, policy, cookie)
    # The lookup writes (last seen, or the end of a timed-out session), so it holds the write
    # lock; the handler runs in another worker thread. Held across that hop, a threadpool full of
    # workers waiting for the lock would keep the handler from ever running (a deadlock until
    # SQLite's busy timeout). Commit the lookup's own small write here.
    end_transaction(session)
    return lookup


async def get_browser_session(
    request: Request, session: SessionDep, policy: PolicyDep
) -> sessions_service.SessionLookup:
    """The browser's session. Without a session cookie (most logins: a person signing in has none
    yet) there is nothing to look up: no database, and no threadpool hop for it."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return sessions_service.SessionLookup(None)
    return await run_in_threadpool(_look_up_browser_session, session, policy, cookie)


BrowserSessionDep = Annotated[sessions_service.SessionLookup, Depends(get_browser_session)]


def require_admin(
    request: Request, keys: KeyStoreDep, settings: SettingsDep, session: SessionDep, directory: DirectoryDep
) -> dict[str, Any]:
    """An admin credential: our own access token with scope ``admin`` and the idp as audience,
    whose client still exists and is still an admin client (a deleted or demoted admin's token is
    refused at once in this process, within IDP_CLIENT_CACHE_SECONDS in the others)."""
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
    client = directory.get(session, str(claims.get("client_id")))
    if client is None or not clients_admin.is_admin_client(client):
        raise InvalidTokenError("The token's client is no longer an admin client.", realm="admin")
    return claims


AdminDep = Annotated[dict[str, Any], Depends(require_admin)]


def get_admin_caller(request: Request, claims: AdminDep) -> AdminCaller:
    """The admin client behind the token, for the security log (every admin action is audited)."""
    return AdminCaller(
        client_id=str(claims.get("client_id") or claims.get("sub")),
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


AdminCallerDep = Annotated[AdminCaller, Depends(get_admin_caller)]
