"""Access tokens as JWTs (RFC 9068): ``typ: at+jwt``, audience-bound, short-lived."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from idp.keys.service import KeyStore
from idp.oauth2.clients import OAuthClient
from idp.oauth2.errors import InvalidTargetError


def resolve_audience(client: OAuthClient, resources: list[str], issuer: str) -> str:
    """RFC 8707: one ``resource`` names the audience; none means the client's default."""
    if len(resources) > 1:
        raise InvalidTargetError("Only one resource per token request is supported.")
    allowed = set(client.row.audiences)
    if client.row.default_audience:
        allowed.add(client.row.default_audience)
    if resources:
        if resources[0] not in allowed:
            raise InvalidTargetError(f"The client may not request tokens for {resources[0]!r}.")
        return resources[0]
    return client.row.default_audience or issuer


class AccessTokenIssuer:
    def __init__(self, keys: KeyStore, issuer: str, ttl: int, clock: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self.issuer = issuer
        self.ttl = ttl
        self.clock = clock

    def issue(
        self,
        client: OAuthClient,
        *,
        subject: str,
        scope: str,
        audience: str,
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
            "client_id": client.client_id,
            "scope": scope,
        }
        if extra:
            claims.update(extra)
        token = self.keys.sign(claims, client.row.signing_alg, typ="at+jwt")
        return token, claims
