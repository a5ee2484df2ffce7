"""Client secrets: 256-bit random values, stored as an HMAC-SHA256 under a server-side pepper.

A keyed fast hash is the right tool for high-entropy machine secrets (nothing to brute-force);
argon2 is for human passwords and would cap the token endpoint at a few dozen grants per second.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


class SecretHasher:
    def __init__(self, pepper: str) -> None:
        self._pepper = pepper.encode()

    def hash(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()

    def verify(self, secret: str, stored: str | None) -> bool:
        if not stored:
            return False
        return hmac.compare_digest(self.hash(secret), stored)
