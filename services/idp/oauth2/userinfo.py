"""UserInfo (OIDC Core §5.3): claims by the token's scopes, for a live access token of ours.

Split in two so the endpoint makes one threadpool hop: :func:`check_access_token` runs on the event
loop (signature, type, revocation from the process's revocation list, scope), and :func:`claims_of`
reads the account in a thread.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from idp.accounts import service as accounts_service
from idp.accounts.protection import FieldCipher
from idp.keys.service import KeyStore
from idp.tokens import service as tokens_service
from idp.tokens.revocations import RevocationList
from idp.tokens.verify import OwnTokenError, verify_own_jwt
from shared.tokens import InsufficientScopeError, InvalidTokenError

REALM = "userinfo"


async def check_access_token(
    keys: KeyStore, issuer: str, revocations: RevocationList, token: str
) -> dict[str, Any]:
    """The claims of a live access token of ours that carries ``openid``; else the RFC 6750 error."""
    try:
        claims = verify_own_jwt(token, keys, issuer, typ="at+jwt")
    except OwnTokenError:
        raise InvalidTokenError("The access token is invalid or expired.", realm=REALM) from None
    if await revocations.is_revoked(str(claims.get("jti", ""))):
        raise InvalidTokenError("The access token was revoked.", realm=REALM)
    if "openid" not in str(claims.get("scope", "")).split():
        raise InsufficientScopeError(
            "The access token was not issued with the openid scope.", realm=REALM, scope="openid"
        )
    return claims


def claims_of(factory: sessionmaker[Session], cipher: FieldCipher, access: dict[str, Any]) -> dict[str, Any]:
    """The account's claims for a checked access token (blocking: run it in a thread)."""
    with factory() as session:
        account = accounts_service.account_by_sub(session, str(access.get("sub", "")))
        if account is None:
            raise InvalidTokenError("The access token names no account.", realm=REALM)
        requested = tokens_service.userinfo_claims_of(session, str(access["jti"]))
        scopes = set(str(access.get("scope", "")).split())
        return accounts_service.claims_for(account, cipher, scopes, requested)
