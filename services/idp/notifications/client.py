"""A small synchronous client of the notifier's ``POST /v1/messages`` and ``GET /v1/messages/{id}``.

- the bearer token comes from ``token_source()`` on every call (the idp mints its own service
  token, audience ``notifier``, and may cache it);
- every send carries an ``Idempotency-Key``, so a retry after a timeout or a 5xx cannot send twice;
- every failure becomes :class:`NotifierUnavailableError` (or its rate-limit subclass) with the
  reason kept for the log; the request body (it holds the code) is never logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

from idp.notifications.errors import NotificationRateLimitedError, NotifierUnavailableError
from shared.contracts.notifier import (
    IDEMPOTENCY_HEADER,
    MessageAccepted,
    MessageRequest,
    MessageStatus,
)
from shared.logging import outgoing_headers

logger = logging.getLogger("idp.notifications")

#: answers worth one more try with the same Idempotency-Key
RETRYABLE_STATUSES = frozenset({502, 503, 504})


class NotifierClient:
    def __init__(
        self,
        base_url: str,
        token_source: Callable[[], str],
        *,
        timeout: float = 5.0,
        retries: int = 1,
        retry_pause: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.token_source = token_source
        self.retries = retries
        self.retry_pause = retry_pause
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> NotifierClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        try:
            token = self.token_source()
        except Exception as exc:
            raise self._fail(f"no service token: {type(exc).__name__}") from exc
        return {"Authorization": f"Bearer {token}", **outgoing_headers(), **(extra or {})}

    @staticmethod
    def _fail(reason: str, status: int | None = None) -> NotifierUnavailableError:
        logger.warning("notifier call failed", extra={"reason": reason, "status": status})
        return NotifierUnavailableError(reason)

    def _call(self, method: str, path: str, *, headers: dict[str, str], json: Any = None) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(method, path, headers=headers, json=json)
            except httpx.HTTPError as exc:
                if attempt > self.retries:
                    raise self._fail(f"notifier unreachable: {type(exc).__name__}") from exc
            else:
                if response.status_code not in RETRYABLE_STATUSES or attempt > self.retries:
                    return response
            time.sleep(self.retry_pause)

    def _problem_code(self, response: httpx.Response) -> str:
        try:
            return str(response.json().get("code", ""))
        except ValueError:
            return ""

    def send(self, request: MessageRequest, *, idempotency_key: str) -> MessageAccepted:
        """Queue a message; the same key with the same request returns the same message id."""
        headers = self._headers({IDEMPOTENCY_HEADER: idempotency_key})
        body = request.model_dump(mode="json", exclude_none=True)
        response = self._call("POST", "/v1/messages", headers=headers, json=body)
        if response.status_code in (200, 202):
            return MessageAccepted.model_validate(response.json())
        if response.status_code == 429:
            retry_after = response.headers.get("retry-after", "")
            seconds = int(retry_after) if retry_after.isdigit() else None
            logger.info("notifier rate-limited the recipient", extra={"retry_after": seconds})
            raise NotificationRateLimitedError("recipient rate limit", retry_after=seconds)
        code = self._problem_code(response)
        if response.status_code in (400, 409, 413, 422):
            # Our request is wrong (a bug, not an outage): log loudly; the person still gets "try later".
            logger.error("notifier refused the message", extra={"status": response.status_code, "code": code})
            raise NotifierUnavailableError(f"refused: {response.status_code} {code}")
        raise self._fail(f"notifier answered {response.status_code} {code}".strip(), response.status_code)

    def status(self, message_id: str) -> MessageStatus:
        response = self._call("GET", f"/v1/messages/{message_id}", headers=self._headers())
        if response.status_code == 200:
            return MessageStatus.model_validate(response.json())
        raise self._fail(f"status: notifier answered {response.status_code}", response.status_code)
