"""Per-IP rate limit in front of the login, code and recovery forms (the `limits` library).

Memory storage for a single instance; Redis when ``IDP_REDIS_URL`` is set, so that every replica
counts against the same window.
"""

from __future__ import annotations

import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LoginThrottle:
    def __init__(self, rate: str, redis_url: str | None = None) -> None:
        self._item = parse(rate)
        storage = storage_from_string(redis_url if redis_url else "memory://")
        self._limiter = MovingWindowRateLimiter(storage)

    def allow(self, ip: str | None, action: str) -> bool:
        """Count one attempt; False when this address is over the limit."""
        return bool(self._limiter.hit(self._item, "idp-login", action, ip or "unknown"))

    def retry_after(self, ip: str | None, action: str) -> int:
        reset, _ = self._limiter.get_window_stats(self._item, "idp-login", action, ip or "unknown")
        return max(1, int(reset - time.time()))
