"""The grants: authorization_code (+PKCE S256 only), refresh_token (rotating), client_credentials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidGrantError,
    InvalidRequestError,
)
from authlib.oauth2.rfc7636 import CodeChallenge

from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.oauth2 import scopes
from idp.oauth2.clients import OAuthClient
from idp.tokens import service as tokens_service
from idp.tokens.errors import GrantRejectedError
from idp.tokens.models import AuthorizationCode, RefreshToken

if TYPE_CHECKING:
    from idp.oauth2.server import IdpAuthorizationServer

#: Client authentication methods at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
#: the grants IdpAuthorizationServer registers (and discovery advertises)
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
CONFIDENTIAL_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


@dataclass
class AuthorizedUser:
    """The person a grant is for, with what their login proved."""

    account: Account
    ctx: tokens_service.AuthContext

    def get_user_id(self) -> str:
        return self.account.sub


class CodeView:
    """AuthorizationCodeMixin over a redeemed code row."""

    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())


class RefreshView:
    def __init__(self, row: RefreshToken) -> None:
        self.row = row

    def get_scope(self) -> str:
        return self.row.scope

    def check_client(self, client: OAuthClient) -> bool:
        return self.row.client_id == client.client_id

    def is_expired(self) -> bool:
        return False  # checked when spent

    def is_revoked(self) -> bool:
        return False


class S256Only(CodeChallenge):
    """PKCE with S256 only (RFC 9700 §2.1.1); ``plain`` and a missing method are refused."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def get_authorization_code_challenge(self, authorization_code: CodeView) -> str | None:
        return authorization_code.row.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: CodeView) -> str | None:
        return authorization_code.row.code_challenge_method


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    server: IdpAuthorizationServer

    def create_authorization_response(
        self, redirect_uri: str, grant_user: AuthorizedUser | None
    ) -> tuple[int, str, list[tuple[str, str]]]:
        if grant_user is None:
            raise AccessDeniedError(redirect_uri=redirect_uri)
        self.request.user = grant_user
        code = self.server.issue_code(self.request, grant_user)
        params = [("code", code)]
        if self.request.payload.state:
            params.append(("state", self.request.payload.state))
        params.append(("iss", self.server.issuer))  # RFC 9207 §2: mix-up defence
        return 302, "", [("Location", add_params_to_uri(redirect_uri, params))]

    def query_authorization_code(self, code: str, client: OAuthClient) -> CodeView:
        try:
            row = tokens_service.redeem_code(self.server.session, code, client.client_id)
        except GrantRejectedError as exc:
            raise InvalidGrantError(exc.detail) from exc
        return CodeView(row)

    def delete_authorization_code(self, authorization_code: CodeView) -> None:
        return None  # single use is enforced by the atomic claim in redeem_code

    def authenticate_user(self, authorization_code: CodeView) -> AuthorizedUser | None:
        row = authorization_code.row
        account = accounts_service.get_account(self.server.session, row.account_id)
        return AuthorizedUser(account, tokens_service.context_of(row)) if account else None


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: IdpAuthorizationServer

    def _validate_request_token(self, client: OAuthClient) -> RefreshView:
        value = self.request.form.get("refresh_token")
        if not value:
            raise InvalidRequestError("Missing 'refresh_token' in request.")
        try:
            row = tokens_service.spend_refresh_token(
                self.server.session, value, client.client_id, self.server.settings.refresh_reuse_grace_seconds
            )
        except GrantRejectedError as exc:
            raise InvalidGrantError(exc.detail) from exc
        return RefreshView(row)

    def authenticate_user(self, refresh_token: RefreshView) -> AuthorizedUser | None:
        row = refresh_token.row
        account = accounts_service.get_account(self.server.session, row.account_id)
        return AuthorizedUser(account, tokens_service.context_of(row)) if account else None

    def revoke_old_credential(self, refresh_token: RefreshView) -> None:
        return None  # spent atomically in _validate_request_token


class ServiceClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    def validate_requested_scope(self) -> None:
        scopes.refuse_unregistered_scopes(self.request.client.row.scopes, self.request.payload.scope)
        super().validate_requested_scope()
