"""Signed tokens the idp issues: access tokens (RFC 9068), ID tokens (OIDC Core §2) and logout
tokens (OIDC Back-Channel Logout §2.4)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from idp.keys.crypto import half_hash
from idp.keys.service import KeyStore

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class AccessTokenIssuer:
    def __init__(
        self,
        keys: KeyStore,
        issuer: str,
        ttl: int,
        id_token_ttl: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.ttl = ttl
        self.id_token_ttl = id_token_ttl
        self.clock = clock

    def issue(
        self,
        *,
        client_id: str,
        alg: str,
        subject: str,
        scope: str,
        audience: str | list[str],
        extra: dict[str, Any] | None = None,
        expires_in: int | None = None,
    ) -> tuple[str, dict[str, Any]]:
        now = int(self.clock())
        ttl = expires_in or self.ttl
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "exp": now + ttl,
            "iat": now,
            "nbf": now,
            "jti": secrets.token_urlsafe(16),
            "client_id": client_id,
            "scope": scope,
        }
        if extra:
            claims.update(extra)
        return self.keys.sign(claims, alg, typ="at+jwt"), claims

    def id_token(
        self,
        *,
        client_id: str,
        alg: str,
        subject: str,
        auth_time: int,
        acr: str,
        amr: list[str],
        sid: str | None,
        nonce: str | None,
        access_token: str | None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": client_id,
            "exp": now + self.id_token_ttl,
            "iat": now,
            "auth_time": auth_time,
            "acr": acr,
            "amr": amr,
        }
        if sid:
            claims["sid"] = sid
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            claims["at_hash"] = half_hash(access_token, alg)
        for key, value in (extra_claims or {}).items():
            claims.setdefault(key, value)
        return self.keys.sign(claims, alg, typ="JWT")

    def logout_token(self, *, client_id: str, alg: str, subject: str, sid: str) -> str:
        now = int(self.clock())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": client_id,
            "iat": now,
            "exp": now + 120,
            "jti": secrets.token_urlsafe(16),
            "sid": sid,
            "events": {BACKCHANNEL_EVENT: {}},
        }
        return self.keys.sign(claims, alg, typ="logout+jwt")


class ServiceTokenSource:
    """The idp's own bearer token for calling another service (audience = that service).

    The idp is the issuer, so it signs the token itself instead of asking itself for one; the
    token is reused until a minute before it expires.
    """

    def __init__(self, issuer: AccessTokenIssuer, *, audience: str, scope: str, ttl: int = 300) -> None:
        self._issuer = issuer
        self._audience = audience
        self._scope = scope
        self._ttl = ttl
        self._token: str | None = None
        self._expires = 0.0

    def __call__(self) -> str:
        now = self._issuer.clock()
        if self._token is None or now > self._expires - 60:
            self._token, claims = self._issuer.issue(
                client_id="idp",
                alg="RS256",
                subject="idp",
                scope=self._scope,
                audience=self._audience,
                expires_in=self._ttl,
            )
            self._expires = claims["exp"]
        return self._token
