"""One sender per channel behind one Protocol.

A sender gets an :class:`Envelope` (the message id, the address, the rendered content) and either
returns the gateway's own id for the message (or None) or raises :class:`TransientSendError`
(worth retrying: timeouts, 5xx, connection refused) or :class:`PermanentSendError` (retrying the
same channel cannot help: a rejected recipient, a 4xx) — the dispatcher then falls back to the next
channel. Reasons are short and never contain message content, since they end up in the attempt
history and the logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from notifier.rendering.renderer import Rendered


@dataclass(frozen=True)
class Envelope:
    message_id: str
    channel: str
    address: str
    template: str
    locale: str
    content: Rendered


class SendError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientSendError(SendError):
    """Worth retrying on the same channel."""


class PermanentSendError(SendError):
    """Not worth retrying on this channel: fall back to the next one."""


class Sender(Protocol):
    channel: str
    #: a short name for logs and attempt reasons (``smtp``, ``sms-http``, ``dev-outbox``, ...)
    name: str

    async def send(self, envelope: Envelope) -> str | None: ...

    async def aclose(self) -> None: ...


#: HTTP statuses that say "try again later" rather than "this request is wrong".
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def classify_http(response: httpx.Response, gateway: str) -> None:
    """Raise the right SendError for a non-2xx answer (never quoting the body: it may echo the text)."""
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = f"{gateway} answered HTTP {status}"
    if status >= 500 or status in RETRYABLE_STATUSES:
        raise TransientSendError(reason)
    raise PermanentSendError(reason)


def transport_reason(gateway: str, exc: Exception) -> str:
    return f"{gateway} unreachable: {type(exc).__name__}"


def provider_id_from(response: httpx.Response) -> str | None:
    """The gateway's id for the message, if its JSON answer has one under a usual name."""
    try:
        data: Any = response.json()
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in ("id", "message_id", "sms_id"):
            if isinstance(data.get(key), str | int):
                return str(data[key])
    return None
