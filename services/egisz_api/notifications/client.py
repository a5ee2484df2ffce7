"""EGISZ's client of the notifier (``POST /v1/messages``, shared/contracts/notifier.py).

EGISZ is a client of the idp like any integrator: it gets its service token by the
``client_credentials`` grant at the idp's ``/token`` (client ``egisz-api``, scope ``notify:send``,
audience ``notifier``), keeps it until a minute before it expires, and sends each notice with an
``Idempotency-Key``. The notifier accepts any idp token with that audience and scope (its
``sending_client`` dependency). Nothing here logs a token, a secret or an address.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import httpx

from shared.contracts.notifier import IDEMPOTENCY_HEADER, MessageAccepted, MessageRequest
from shared.logging import outgoing_headers

logger = logging.getLogger("egisz_api.notifications")


class NotifierError(Exception):
    """The notice was not accepted; ``retry`` says whether trying later may help."""

    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class ServiceTokens:
    """The EGISZ service token from the idp (RFC 6749 §4.4), reused until shortly before ``exp``."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = "notify:send",
        http: httpx.Client,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._http = http
        self._monotonic = monotonic
        self._token: str | None = None
        self._good_until = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._token is not None and self._monotonic() < self._good_until:
                return self._token
            try:
                response = self._http.post(
                    self.token_url,
                    data={"grant_type": "client_credentials", "scope": self.scope},
                    auth=(self.client_id, self._secret),
                )
            except httpx.HTTPError as exc:
                raise NotifierError(f"idp unreachable: {type(exc).__name__}") from exc
            if response.status_code != 200:
                raise NotifierError(f"idp refused the service token: {response.status_code}")
            body = response.json()
            self._token = str(body["access_token"])
            self._good_until = self._monotonic() + max(0, int(body.get("expires_in", 300)) - 60)
            return self._token


class NotifierClient:
    def __init__(self, base_url: str, tokens: Callable[[], str], *, http: httpx.Client) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self._http = http

    def send(self, request: MessageRequest, *, idempotency_key: str) -> MessageAccepted:
        headers = {
            "Authorization": f"Bearer {self.tokens()}",
            IDEMPOTENCY_HEADER: idempotency_key,
            **outgoing_headers(),
        }
        body = request.model_dump(mode="json", exclude_none=True)
        try:
            response = self._http.post(f"{self.base_url}/v1/messages", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise NotifierError(f"notifier unreachable: {type(exc).__name__}") from exc
        if response.status_code in (200, 202):
            return MessageAccepted.model_validate(response.json())
        code = ""
        with contextlib.suppress(ValueError):
            code = str(response.json().get("code", ""))
        # 4xx but 429: our request is wrong (a bug), retrying cannot help; 429 and 5xx: try later
        retry = response.status_code == 429 or response.status_code >= 500
        if not retry:
            logger.error("notifier refused a notice", extra={"status": response.status_code, "code": code})
        raise NotifierError(f"notifier answered {response.status_code} {code}".strip(), retry=retry)
