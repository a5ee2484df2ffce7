"""OIDC Back-Channel Logout 1.0: POST a logout token to each client that shared the session.

Delivery runs on a small thread pool after the ending transaction commits, retried with backoff;
failures are logged and never fail the logout itself (§2.7: the OP continues regardless).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from idp.tokens.logout_tokens import LogoutTokens

logger = logging.getLogger("idp.backchannel")


@dataclass(frozen=True)
class LogoutDelivery:
    client_id: str
    uri: str
    alg: str
    subject: str
    sid: str


class BackchannelNotifier:
    def __init__(self, tokens: LogoutTokens, attempts: int, timeout: float, backoff: float = 0.5) -> None:
        self._tokens = tokens
        self._attempts = attempts
        self._timeout = timeout
        self._backoff = backoff
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="backchannel")

    def dispatch(self, deliveries: list[LogoutDelivery]) -> list[Future[bool]]:
        return [self._pool.submit(self._deliver, d) for d in deliveries]

    def _deliver(self, delivery: LogoutDelivery) -> bool:
        token = self._tokens.logout_token(
            client_id=delivery.client_id, alg=delivery.alg, subject=delivery.subject, sid=delivery.sid
        )
        for attempt in range(1, self._attempts + 1):
            try:
                response = httpx.post(delivery.uri, data={"logout_token": token}, timeout=self._timeout)
                if response.status_code in (200, 204):
                    logger.info("back-channel logout delivered", extra={"client_id": delivery.client_id})
                    return True
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                reason = type(exc).__name__
            logger.warning(
                "back-channel logout failed",
                extra={"client_id": delivery.client_id, "attempt": attempt, "reason": reason},
            )
            if attempt < self._attempts:
                time.sleep(self._backoff * 2 ** (attempt - 1))
        return False

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
