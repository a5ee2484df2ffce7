"""Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from idp.keys.service import KeyStore

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: §2.4 leaves the lifetime open; two minutes covers a delivery with retries.
LOGOUT_TOKEN_TTL = 120


class LogoutTokens:
    def __init__(self, keys: KeyStore, issuer: str, clock: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self.issuer = issuer
        self.clock = clock

    def logout_token(self, *, client_id: str, alg: str, subject: str, sid: str) -> str:
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": client_id,
            "iat": now,
            "exp": now + LOGOUT_TOKEN_TTL,
            "jti": secrets.token_urlsafe(16),  # §2.4: required, lets the RP refuse replays
            "sid": sid,
            "events": {BACKCHANNEL_EVENT: {}},
        }
        return self.keys.sign(claims, alg, {"typ": "logout+jwt"})  # §2.4: explicit typing
