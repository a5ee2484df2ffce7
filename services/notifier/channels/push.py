"""Push notifications through a webhook (a push relay that owns the FCM/APNs/RuStore credentials)."""

from __future__ import annotations

import httpx

from notifier.channels.base import (
    Envelope,
    TransientSendError,
    classify_http,
    provider_id_from,
    transport_reason,
)


class WebhookPushSender:
    channel = "push"
    name = "push-webhook"

    def __init__(
        self,
        *,
        url: str,
        auth_header: str,
        auth_value: str | None,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.auth_header = auth_header
        self.auth_value = auth_value
        self.client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def send(self, envelope: Envelope) -> str | None:
        payload = {
            "id": envelope.message_id,
            "token": envelope.address,
            "title": envelope.content.push_title,
            "body": envelope.content.push_body,
            "template": envelope.template,
            "locale": envelope.locale,
        }
        headers = {"Idempotency-Key": envelope.message_id}
        if self.auth_value:
            headers[self.auth_header] = self.auth_value
        try:
            response = await self.client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientSendError(transport_reason("push webhook", exc)) from None
        classify_http(response, "push webhook")
        return provider_id_from(response)

    async def aclose(self) -> None:
        await self.client.aclose()
