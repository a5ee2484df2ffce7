"""UserInfo (OIDC Core §5.3): claims by the token's scopes, for a live access token of ours."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.accounts.protection import FieldCipher
from idp.keys.service import KeyStore
from idp.tokens import service as tokens_service
from idp.tokens.verify import OwnTokenError, verify_own_jwt
from shared.tokens import InsufficientScopeError, InvalidTokenError

REALM = "userinfo"


def userinfo(
    session: Session, keys: KeyStore, cipher: FieldCipher, issuer: str, token: str
) -> dict[str, Any]:
    try:
        claims = verify_own_jwt(token, keys, issuer, typ="at+jwt")
    except OwnTokenError:
        raise InvalidTokenError("The access token is invalid or expired.", realm=REALM) from None
    if tokens_service.access_token_revoked(session, str(claims.get("jti", ""))):
        raise InvalidTokenError("The access token was revoked.", realm=REALM)
    scopes = set(str(claims.get("scope", "")).split())
    if "openid" not in scopes:
        raise InsufficientScopeError(
            "The access token was not issued with the openid scope.", realm=REALM, scope="openid"
        )
    account = accounts_service.account_by_sub(session, str(claims.get("sub", "")))
    if account is None:
        raise InvalidTokenError("The access token names no account.", realm=REALM)
    requested = tokens_service.userinfo_claims_of(session, str(claims["jti"]))
    return accounts_service.claims_for(account, cipher, scopes, requested)
