"""``private_key_jwt`` client authentication (OIDC Core §9, RFC 7523 §2.2) with jti replay refusal."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from idp.oauth2.clients import OAuthClient
from idp.tokens import service as tokens_service


class JwksUriCache:
    """Client JWKS fetched from ``jwks_uri``; refreshed every ``ttl`` seconds."""

    def __init__(self, ttl: float = 300.0, timeout: float = 5.0) -> None:
        self._ttl = ttl
        self._timeout = timeout
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, uri: str) -> dict[str, Any]:
        with self._lock:
            hit = self._cache.get(uri)
            if hit and time.monotonic() - hit[0] < self._ttl:
                return hit[1]
        response = httpx.get(uri, timeout=self._timeout)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        with self._lock:
            self._cache[uri] = (time.monotonic(), data)
        return data


class PrivateKeyJwt(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, session: Session, issuer: str, jwks_cache: JwksUriCache) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self.session = session
        self.issuer = issuer
        self.jwks_cache = jwks_cache

    def get_audiences(self) -> list[str]:
        # RFC 7523 §3: the token endpoint URL; OIDC Core §9 also allows the issuer.
        return [self.issuer.rstrip("/") + "/token", self.issuer]

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        return tokens_service.accept_client_assertion(
            self.session, str(claims["sub"]), jti, int(claims["exp"])
        )

    def resolve_client_public_key(self, client: OAuthClient) -> KeySet:
        data = client.row.jwks
        if not data and client.row.jwks_uri:
            data = self.jwks_cache.get(client.row.jwks_uri)
        return KeySet.import_key_set(data or {"keys": []})  # type: ignore[arg-type]
