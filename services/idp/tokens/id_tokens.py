"""ID tokens (OpenID Connect Core §2, §3.1.3.6), laid out by a token profile."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from idp.keys.service import KeyStore
from idp.tokens.profiles import OIDC, TokenProfile
from idp.tokens.schemas import Issuance, Stamp


class IdTokens:
    def __init__(self, keys: KeyStore, issuer: str, ttl: int, clock: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self.issuer = issuer
        self.ttl = ttl
        self.clock = clock

    def issue(self, issuance: Issuance, access_token: str | None, profile: TokenProfile = OIDC) -> str:
        """The signed ID token; ``at_hash`` binds it to the access token issued with it (§3.1.3.6),
        hashed with the hash of the client's algorithm."""
        now = int(self.clock())
        stamp = Stamp(
            issuer=issuance.issuer or self.issuer,
            issued_at=now,
            expires_at=now + self.ttl,
            jti=secrets.token_urlsafe(16),
        )
        at_hash = self.keys.algorithms.half_hash(access_token, issuance.alg) if access_token else None
        shaped = profile.id_token(issuance, stamp, at_hash)
        return self.keys.sign(shaped.claims, issuance.alg, shaped.header)
