"""SMS through an HTTP gateway: a generic adapter shaped by settings, and an SMS.ru-shaped one.

Both send the notifier's message id as an ``Idempotency-Key`` header; the generic adapter can also
put it in the body (``message_id`` in ``sms_http_body``), which is where most gateways take a
client reference to drop duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from notifier.channels.base import (
    Envelope,
    PermanentSendError,
    TransientSendError,
    classify_http,
    provider_id_from,
    transport_reason,
)
from notifier.settings import SMS_BODY_SOURCES

#: SMS.ru status codes that mean "later" rather than "never": 220 service temporarily unavailable,
#: 500 server error. Everything else (bad number, no money, limits) is not fixed by retrying.
SMSRU_TRANSIENT = frozenset({220, 500})


class HttpSmsGateway:
    channel = "sms"
    name = "sms-http"

    def __init__(
        self,
        *,
        url: str,
        body: Mapping[str, str],
        body_format: str,
        auth_header: str,
        auth_value: str | None,
        sender_name: str | None,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        unknown = set(body.values()) - SMS_BODY_SOURCES
        if unknown:
            raise ValueError(f"unknown SMS body source(s): {', '.join(sorted(unknown))}")
        self.url = url
        self.body = dict(body)
        self.body_format = body_format
        self.auth_header = auth_header
        self.auth_value = auth_value
        self.sender_name = sender_name
        self.client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def send(self, envelope: Envelope) -> str | None:
        values = {
            "phone": envelope.address,
            "phone_digits": envelope.address.lstrip("+"),
            "text": envelope.content.sms,
            "message_id": envelope.message_id,
            "sender": self.sender_name or "",
        }
        payload = {name: values[source] for name, source in self.body.items()}
        headers = {"Idempotency-Key": envelope.message_id}
        if self.auth_value:
            headers[self.auth_header] = self.auth_value
        kwargs: dict[str, Any] = {"json": payload} if self.body_format == "json" else {"data": payload}
        try:
            response = await self.client.post(self.url, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientSendError(transport_reason("SMS gateway", exc)) from None
        except httpx.HTTPError as exc:
            raise TransientSendError(transport_reason("SMS gateway", exc)) from None
        classify_http(response, "SMS gateway")
        return provider_id_from(response)

    async def aclose(self) -> None:
        await self.client.aclose()


class SmsRuGateway:
    """The shape of SMS.ru's ``sms/send``: form fields api_id, to, msg, json=1; answer per number."""

    channel = "sms"
    name = "smsru"

    def __init__(
        self,
        *,
        url: str,
        api_id: str,
        sender_name: str | None,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.api_id = api_id
        self.sender_name = sender_name
        self.client = httpx.AsyncClient(timeout=timeout, transport=transport)

    @staticmethod
    def _fail(code: Any) -> None:
        reason = f"SMS.ru status_code {code}"
        if isinstance(code, int) and code in SMSRU_TRANSIENT:
            raise TransientSendError(reason)
        raise PermanentSendError(reason)

    async def send(self, envelope: Envelope) -> str | None:
        number = envelope.address.lstrip("+")
        form = {"api_id": self.api_id, "to": number, "msg": envelope.content.sms, "json": "1"}
        if self.sender_name:
            form["from"] = self.sender_name
        try:
            # SMS.ru itself has no idempotency field; the header costs nothing and a proxy may use it.
            response = await self.client.post(
                self.url, data=form, headers={"Idempotency-Key": envelope.message_id}
            )
        except httpx.HTTPError as exc:
            raise TransientSendError(transport_reason("SMS.ru", exc)) from None
        classify_http(response, "SMS.ru")
        try:
            data = response.json()
        except ValueError:
            raise TransientSendError("SMS.ru answered something other than JSON") from None
        if data.get("status") != "OK":
            self._fail(data.get("status_code"))
        per_number = (data.get("sms") or {}).get(number) or {}
        if per_number.get("status") != "OK":
            self._fail(per_number.get("status_code"))
        sms_id = per_number.get("sms_id")
        return str(sms_id) if sms_id else None

    async def aclose(self) -> None:
        await self.client.aclose()
