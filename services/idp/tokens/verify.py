"""Checking tokens this idp signed itself (access tokens, ID token hints)."""

from __future__ import annotations

from typing import Any

from jose import jwk, jws, jwt
from jose.exceptions import JOSEError

from idp.keys.service import KeyStore

_ALGS = ("RS256", "ES256")


class OwnTokenError(Exception):
    pass


def verify_own_jwt(
    token: str, keys: KeyStore, issuer: str, *, verify_exp: bool = True, typ: str | None = None
) -> dict[str, Any]:
    """Claims of a JWT signed by one of our published keys, issued by us; else OwnTokenError.

    The audience is the caller's business (introspection, hints); ``alg`` must be ours, so
    ``none`` and HMAC tricks are refused before any key is used.
    """
    try:
        header = jws.get_unverified_header(token)
    except JOSEError as exc:
        raise OwnTokenError("malformed") from exc
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in _ALGS or not isinstance(kid, str):
        raise OwnTokenError("algorithm or key id not accepted")
    if typ is not None and str(header.get("typ", "")).lower() != typ:
        raise OwnTokenError("wrong token type")
    data = keys.public_jwk(kid)
    if data is None or data.get("alg") != alg:
        raise OwnTokenError("unknown key")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            jwk.construct(data, algorithm=alg),
            algorithms=[alg],
            issuer=issuer,
            options={"verify_aud": False, "verify_exp": verify_exp, "verify_at_hash": False, "leeway": 5},
        )
    except JOSEError as exc:
        raise OwnTokenError(str(exc)) from exc
    return claims
