"""The authorization_code grant (RFC 6749 §4.1) with PKCE S256 only (RFC 7636, RFC 9700 §2.1.1).

At the token endpoint it reads top to bottom, as node-oidc-provider's
``lib/actions/grants/authorization_code.js`` does:

    find → expired → PKCE → client → redirect_uri → consumed → issue

Nothing is written before "consumed": a request that fails an earlier check leaves the code as it
was. "consumed" claims the code atomically, so of parallel exchanges exactly one gets tokens; a
used code that comes back revokes every token its first exchange issued (RFC 6749 §4.1.2,
RFC 9700 §4.5). Client authentication is Authlib's (RFC 6749 §3.2.1, OIDC Core §9).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import TYPE_CHECKING, ClassVar

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import AccessDeniedError
from authlib.oauth2.rfc7636 import CodeChallenge
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
from idp.tokens.models import AuthorizationCode
from shared.db import utcnow

if TYPE_CHECKING:
    import datetime as dt

    from idp.oauth2.server import IdpAuthorizationServer

GRANT_TYPE = "authorization_code"
#: RFC 7636 §4.1: 43-128 characters of the unreserved set
VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    server: IdpAuthorizationServer

    # --- authorization endpoint (RFC 6749 §4.1.2) ----------------------------------------
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

    # --- token endpoint (RFC 6749 §4.1.3) -------------------------------------------------
    def validate_token_request(self) -> None:
        self.request.client = authenticate_client(self, GRANT_TYPE)

    def create_token_response(self) -> GrantResponse:
        client: OAuthClient = self.request.client
        form = self.request.form
        session = self.server.session
        now = utcnow()
        code = find_code(session, required(form, "code"))
        check_not_expired(code, now)
        check_pkce(code, form.get("code_verifier"), client)
        check_client(code, client)
        check_redirect_uri(code, form.get("redirect_uri"))
        family_id = consume(session, code, now)
        user = person_of(session, code)
        grant = PersonGrant(
            grant_type=GRANT_TYPE,
            scope=code.scope,
            family_id=family_id,
            resource=code.resource,
            claims_request=code.claims_request,
            nonce=code.nonce,  # OIDC Core §3.1.3.6: the ID token echoes the request's nonce
            patient=code.patient_id,
        )
        return issue_for_person(self.server, self.request, client, user, grant)


def find_code(session: Session, value: str) -> AuthorizationCode:
    code = tokens_service.find_code(session, value)
    if code is None:
        raise errors.CodeNotFoundError()
    return code


def check_not_expired(code: AuthorizationCode, now: dt.datetime) -> None:
    if code.expires_at <= now:
        raise errors.CodeExpiredError()


def check_pkce(code: AuthorizationCode, verifier: str | None, client: OAuthClient) -> None:
    """RFC 7636 §4.6 with S256 only; RFC 9700 §4.8: no verifier without a challenge (downgrade);
    public clients always use PKCE (RFC 9700 §2.1.1)."""
    challenge = code.code_challenge
    if not challenge and not verifier:
        if client.is_public:
            raise errors.VerifierMissingError()
        return
    if not challenge:
        raise errors.VerifierWithoutChallengeError()
    if not verifier:
        raise errors.VerifierMissingError()
    if not VERIFIER.match(verifier):
        raise errors.VerifierMalformedError()
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    if not hmac.compare_digest(computed, challenge):
        raise errors.VerifierMismatchError()


def check_client(code: AuthorizationCode, client: OAuthClient) -> None:
    """RFC 6749 §4.1.3: the code was issued to the authenticated client."""
    if code.client_id != client.client_id:
        raise errors.CodeClientMismatchError()


def check_redirect_uri(code: AuthorizationCode, redirect_uri: str | None) -> None:
    """RFC 6749 §4.1.3: identical to the authorization request's (always sent: OIDC Core §3.1.2.1)."""
    if redirect_uri != code.redirect_uri:
        raise errors.RedirectUriMismatchError()


def consume(session: Session, code: AuthorizationCode, now: dt.datetime) -> str:
    """Claim the code; a used one revokes what its first exchange issued. Returns the new family."""
    if not tokens_service.consume_code(session, code, now):
        tokens_service.revoke_code_tokens(session, code)
        raise errors.CodeAlreadyUsedError()
    assert code.family_id is not None
    return code.family_id


def person_of(session: Session, code: AuthorizationCode) -> AuthorizedUser:
    account = accounts_service.get_account(session, code.account_id)
    if account is None:
        raise errors.AccountGoneError()
    return AuthorizedUser(account, tokens_service.context_of(code))


class S256Only(CodeChallenge):
    """PKCE at the authorization endpoint: S256 only (RFC 9700 §2.1.1); ``plain`` and a missing
    method are refused. The token endpoint's half is :func:`check_pkce`."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def __call__(self, grant: grants.AuthorizationCodeGrant) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.validate_code_challenge)
