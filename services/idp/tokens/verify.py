"""Checking tokens this idp signed itself (access tokens, ID token hints, admin tokens).

Verified with the cached public key objects of the key store: this runs on every userinfo,
introspection and admin call, and parsing a JWK per call would cost more than the signature check.
"""

from __future__ import annotations

import time
from typing import Any

from idp.keys import crypto
from idp.keys.service import KeyStore

_ALGS = ("RS256", "ES256")
LEEWAY = 5


class OwnTokenError(Exception):
    pass


def verify_own_jwt(
    token: str, keys: KeyStore, issuer: str, *, verify_exp: bool = True, typ: str | None = None
) -> dict[str, Any]:
    """Claims of a JWT signed by one of our published keys and issued by us; else OwnTokenError.

    The audience is the caller's business (introspection, hints); ``alg`` must be one we sign
    with, so ``none`` and HMAC tricks are refused before any key is used.
    """
    try:
        header, claims, signing_input, signature = crypto.parse_compact(token)
    except crypto.SignatureError as exc:
        raise OwnTokenError("malformed") from exc
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in _ALGS or not isinstance(kid, str):
        raise OwnTokenError("algorithm or key id not accepted")
    if typ is not None and str(header.get("typ", "")).lower() != typ:
        raise OwnTokenError("wrong token type")
    key = keys.verification_key(kid)
    if key is None:
        raise OwnTokenError("unknown key")
    try:
        crypto.verify_signature(key, alg, signing_input, signature)
    except crypto.SignatureError as exc:
        raise OwnTokenError(str(exc)) from exc
    if claims.get("iss") != issuer:
        raise OwnTokenError("wrong issuer")
    now = time.time()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if verify_exp and (not isinstance(exp, int | float) or exp + LEEWAY < now):
        raise OwnTokenError("expired")
    if isinstance(nbf, int | float) and nbf - LEEWAY > now:
        raise OwnTokenError("not yet valid")
    return claims
