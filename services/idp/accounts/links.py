"""Signed, expiring e-mail confirmation links (R-ACC-3): ``/confirm-email?token=...``.

The token binds the account, the exact address being confirmed and an expiry, under an HMAC key
derived from the cookie key; changing the address again makes an old link useless.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"email-confirmation-link", hashlib.sha256).digest()


def make_token(secret: str, account_id: int, email: str, ttl: int, now: float | None = None) -> str:
    payload = {"a": account_id, "e": email, "x": int((now or time.time()) + ttl)}
    raw = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(hmac.new(_key(secret), raw, hashlib.sha256).digest()).rstrip(b"=")
    return f"{raw.decode()}.{signature.decode()}"


class LinkError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # invalid | expired


def read_token(secret: str, token: str, now: float | None = None) -> tuple[int, str]:
    raw, _, signature = token.partition(".")
    expected = base64.urlsafe_b64encode(hmac.new(_key(secret), raw.encode(), hashlib.sha256).digest()).rstrip(
        b"="
    )
    # As bytes: compare_digest refuses str with non-ASCII characters (a 500 on `token=a.%C3%BC`).
    if not signature or not hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape")):
        raise LinkError("invalid")
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        account_id, email, expires = int(payload["a"]), str(payload["e"]), int(payload["x"])
    except (ValueError, KeyError, TypeError) as exc:
        raise LinkError("invalid") from exc
    if expires < (now or time.time()):
        raise LinkError("expired")
    return account_id, email
