"""Rate limits on top of the ``limits`` library: per recipient (at intake) and per channel (at send).

Counters live in process memory, or in Redis when ``redis_url`` is set so that every replica counts
against the same windows. Keys never hold an address: the caller passes keyed digests. When Redis
cannot be reached the limits fail open (a warning is logged and counted): a citizen waiting for a
code is better served by a missing limit than by an error. The idp's login throttle follows the
same rule (``idp/login/throttle.py`` argues it); short socket timeouts keep a Redis that does not
answer from holding intake.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger("notifier.throttling")

#: seconds to connect to Redis and to wait for one answer before the limits fail open
REDIS_TIMEOUT = 0.5


class RateLimits:
    def __init__(
        self,
        *,
        recipient_limit: str,
        channel_rates: Mapping[str, str],
        redis_url: str | None = None,
        key_prefix: str = "notifier",
    ) -> None:
        self.storage: Storage
        if redis_url:
            self.storage = RedisStorage(
                redis_url,
                key_prefix=key_prefix,
                wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
            )
        else:
            self.storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.recipient_items: list[RateLimitItem] = parse_many(recipient_limit)
        self.channel_items: dict[str, list[RateLimitItem]] = {
            channel: parse_many(rate) for channel, rate in channel_rates.items()
        }
        self.storage_errors = 0

    def _retry_after(self, item: RateLimitItem, key: str) -> float:
        stats = self.limiter.get_window_stats(item, key)
        return max(stats.reset_time - time.time(), 0.0)

    def _acquire(self, items: Iterable[RateLimitItem], keys: list[str]) -> float | None:
        """Hit every (item, key) if all have room; else the seconds until the tightest one has room."""
        pairs = [(item, key) for item in items for key in keys]
        try:
            waits = [self._retry_after(item, key) for item, key in pairs if not self.limiter.test(item, key)]
            if waits:
                return max(waits)
            for item, key in pairs:
                self.limiter.hit(item, key)
        except Exception as exc:  # the storage is down: fail open
            self.storage_errors += 1
            logger.warning(
                "rate-limit storage unavailable; limit not applied", extra={"error": type(exc).__name__}
            )
        return None

    def hit_recipient(self, digests: list[str]) -> int | None:
        """Count one message for each recipient digest; None if allowed, else Retry-After seconds."""
        wait = self._acquire(self.recipient_items, [f"recipient:{d}" for d in digests])
        return None if wait is None else max(1, math.ceil(wait))

    def try_send(self, channel: str) -> float | None:
        """Take one send from the channel's global budget; None if allowed, else seconds to wait."""
        items = self.channel_items.get(channel)
        if not items:
            return None
        return self._acquire(items, [f"channel:{channel}"])

    def close(self) -> None:
        if isinstance(self.storage, MemoryStorage):
            self.storage.timer.cancel()
        elif isinstance(self.storage, RedisStorage):
            self.storage.storage.close()
            self.storage.storage.connection_pool.disconnect()
