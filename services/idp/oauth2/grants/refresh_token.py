"""The refresh_token grant (RFC 6749 §6), rotating with reuse detection (RFC 9700 §4.14).

Reads top to bottom, as node-oidc-provider's ``lib/actions/grants/refresh_token.js`` does:

    find → client → revoked → expired → scope → consumed → issue

Nothing is written before "consumed": a request that fails an earlier check leaves the token as it
was. "consumed" spends the token atomically; a spent one that comes back revokes its whole family,
the live successor included, unless it comes back within the optional grace period
(``refresh_reuse_grace_seconds``: a client retrying a lost response, not a thief).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749.grants import BaseGrant, TokenEndpointMixin
from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.oauth2.clients import OAuthClient
from idp.oauth2.grants import errors
from idp.oauth2.grants.common import (
    TOKEN_AUTH_METHODS,
    AuthorizedUser,
    GrantResponse,
    PersonGrant,
    authenticate_client,
    issue_for_person,
    required,
)
from idp.tokens import service as tokens_service
from idp.tokens.models import RefreshToken
from shared.db import utcnow

if TYPE_CHECKING:
    from idp.oauth2.server import IdpAuthorizationServer

GRANT_TYPE = "refresh_token"


class RefreshGrant(BaseGrant, TokenEndpointMixin):
    GRANT_TYPE = GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    server: IdpAuthorizationServer

    def validate_token_request(self) -> None:
        self.request.client = authenticate_client(self, GRANT_TYPE)

    def create_token_response(self) -> GrantResponse:
        client: OAuthClient = self.request.client
        form = self.request.form
        session = self.server.session
        now = utcnow()
        token = find_refresh_token(session, required(form, "refresh_token"))
        check_client(token, client)
        check_not_revoked(token)
        check_not_expired(token, now)
        scope = narrowed_scope(token, self.request.payload.scope)
        consume(session, token, now, self.server.settings.refresh_reuse_grace_seconds)
        user = person_of(session, token)
        grant = PersonGrant(
            grant_type=GRANT_TYPE,
            scope=scope,
            family_id=token.family_id,
            resource=token.resource,
            claims_request=token.claims_request,
            refresh_expires=token.expires_at,  # rotation never extends the family's life
            patient=token.patient_id,
        )
        return issue_for_person(self.server, self.request, client, user, grant)


def find_refresh_token(session: Session, value: str) -> RefreshToken:
    token = tokens_service.find_refresh_token(session, value)
    if token is None:
        raise errors.RefreshTokenNotFoundError()
    return token


def check_client(token: RefreshToken, client: OAuthClient) -> None:
    """RFC 6749 §6: bound to the client it was issued to."""
    if token.client_id != client.client_id:
        raise errors.RefreshTokenClientMismatchError()


def check_not_revoked(token: RefreshToken) -> None:
    if token.revoked_at is not None:
        raise errors.RefreshTokenRevokedError()


def check_not_expired(token: RefreshToken, now: dt.datetime) -> None:
    if token.expires_at <= now:
        raise errors.RefreshTokenExpiredError()


def narrowed_scope(token: RefreshToken, requested: str | None) -> str:
    """RFC 6749 §6: a narrower scope may be asked for, never a wider one; none means the same."""
    if not requested:
        return token.scope
    if not set(requested.split()) <= set(token.scope.split()):
        raise errors.ScopeWideningError()
    return requested


def consume(session: Session, token: RefreshToken, now: dt.datetime, grace_seconds: int) -> None:
    """Spend the token; a spent one revokes its family (RFC 9700 §4.14) unless within the grace."""
    if tokens_service.spend_refresh_token(session, token, now):
        return
    spent_at = tokens_service.spent_at(session, token) or now
    if grace_seconds and now - spent_at <= dt.timedelta(seconds=grace_seconds):
        return  # a client retry within the grace period, not theft
    tokens_service.revoke_refresh_family(session, token)
    raise errors.RefreshTokenReusedError()


def person_of(session: Session, token: RefreshToken) -> AuthorizedUser:
    account = accounts_service.get_account(session, token.account_id)
    if account is None:
        raise errors.AccountGoneError()
    return AuthorizedUser(account, tokens_service.context_of(token))
