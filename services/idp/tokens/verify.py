"""Checking tokens this idp signed itself (access tokens, ID token hints, admin tokens).

Verified with joserfc and the key store's cached key objects: this runs on every userinfo,
introspection and admin call, and importing a JWK per call would cost more than the signature check.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from idp.keys.jose import SignatureError
from idp.keys.service import KeyStore

LEEWAY = 5


class OwnTokenError(Exception):
    pass


def verify_own_jwt(
    token: str, keys: KeyStore, issuer: str, *, verify_exp: bool = True, typ: str | None = None
) -> dict[str, Any]:
    """Claims of a JWT signed by one of our published keys and issued by us; else OwnTokenError.

    The audience is the caller's business (introspection, hints); ``alg`` must be one the key
    store signs with, so ``none`` and HMAC tricks are refused before any key is used.
    """
    header, claims = _signed_by_us(token, keys)
    if typ is not None and str(header.get("typ", "")).lower() != typ:
        raise OwnTokenError("wrong token type")
    if claims.get("iss") != issuer:
        raise OwnTokenError("wrong issuer")
    now = time.time()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if verify_exp and (not isinstance(exp, int | float) or exp + LEEWAY < now):
        raise OwnTokenError("expired")
    if isinstance(nbf, int | float) and nbf - LEEWAY > now:
        raise OwnTokenError("not yet valid")
    return dict(claims)


class _Verified:
    """Tokens whose signature checked out, keyed by the whole compact string.

    A resource server introspects the same token many times; its ECDSA/RSA check costs more than
    the rest of the request. The answer for an identical string cannot change while the key that
    signed it is still published, so an entry is only used if the key store still holds the very
    key object it was checked with (a retired or rotated key misses). Expiry and every other claim
    check still run on each call. Bounded LRU; shared by the threads of a process.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[object, dict[str, Any], dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, keys: KeyStore) -> tuple[dict[str, Any], dict[str, Any]] | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            self._entries.move_to_end(token)
        key, header, claims = entry
        if keys.verification_key(str(header["kid"])) is not key:
            return None
        return header, claims

    def put(self, token: str, key: object, header: dict[str, Any], claims: dict[str, Any]) -> None:
        with self._lock:
            self._entries[token] = (key, header, claims)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)


_verified = _Verified(size=4096)


def _signed_by_us(token: str, keys: KeyStore) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWS signed with one of our published keys."""
    known = _verified.get(token, keys)
    if known is not None:
        return known
    try:
        header, claims, key = keys.verify(token)
    except SignatureError as exc:
        raise OwnTokenError(str(exc)) from exc
    _verified.put(token, key, header, claims)
    return header, claims
