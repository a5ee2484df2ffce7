"""Per-IP rate limit in front of the login, code and recovery forms (the `limits` library).

Memory storage for a single instance; Redis when ``IDP_REDIS_URL`` is set, so that every replica
counts against the same window.

When Redis cannot be reached the limit fails open: the attempt is allowed, a warning is logged
and ``storage_errors`` counts it. The notifier's limits do the same (``notifier/throttling.py``),
so one rule holds for both services: a broken limit store never refuses a person. Why open here:
- failing closed would turn a Redis outage into an outage of every login, and the idp is the door
  to every service behind it;
- what the per-IP limit protects stays protected without it: each account still locks after
  ``IDP_LOCKOUT_THRESHOLD`` wrong passwords (``accounts/lockout.py``, conditional UPDATEs in the
  database, which Redis does not take part in), codes keep their attempt and send limits, and
  every guess still costs one argon2 verification;
- what is lost for the outage is the brake on one address trying many accounts, which the
  warnings make visible to the operator.
Short socket timeouts keep a Redis that does not answer from holding every form for long.
"""

from __future__ import annotations

import logging
import time

from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger("idp.login.throttle")

#: seconds to connect to Redis and to wait for one answer before the limit fails open
REDIS_TIMEOUT = 0.5


class LoginThrottle:
    def __init__(self, rate: str, redis_url: str | None = None) -> None:
        self._item = parse(rate)
        storage: Storage
        if redis_url:
            storage = RedisStorage(
                redis_url,
                wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
            )
        else:
            storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(storage)
        self.storage_errors = 0

    def _storage_down(self, exc: Exception) -> None:
        self.storage_errors += 1
        logger.warning(
            "rate-limit storage unavailable; limit not applied", extra={"error": type(exc).__name__}
        )

    def allow(self, ip: str | None, action: str) -> bool:
        """Count one attempt; False when this address is over the limit (True when the limit's
        storage is down: fail open, see the module docstring)."""
        try:
            return bool(self._limiter.hit(self._item, "idp-login", action, ip or "unknown"))
        except StorageError as exc:  # the storage is down (wrap_exceptions: any Redis error)
            self._storage_down(exc)
            return True

    def retry_after(self, ip: str | None, action: str) -> int:
        try:
            reset, _ = self._limiter.get_window_stats(self._item, "idp-login", action, ip or "unknown")
        except StorageError as exc:  # went down after allow(): a short wait is honest enough
            self._storage_down(exc)
            return 1
        return max(1, int(reset - time.time()))
