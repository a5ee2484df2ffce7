"""Which sender serves each channel, from the settings.

A channel with a configured gateway uses it; in dev mode a channel without one delivers to the dev
outbox; otherwise the channel is unavailable (a message asking only for unavailable channels is
refused with 422, and the dispatcher skips an unavailable channel in a fallback list).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from notifier.channels.base import Sender
from notifier.channels.dev_outbox import DevOutboxSender
from notifier.channels.email import SmtpSender
from notifier.channels.push import WebhookPushSender
from notifier.channels.sms import HttpSmsGateway, SmsRuGateway
from notifier.settings import NotifierSettings

#: The dispatcher bounds each attempt with the channel's timeout; the gateway clients get a little
#: more so that the dispatcher's bound is the one that fires (and names the timeout in the reason).
CLIENT_TIMEOUT_MARGIN = 1.0


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return getter() if getter else None


def build_senders(settings: NotifierSettings, session_factory: sessionmaker[Session]) -> dict[str, Sender]:
    senders: dict[str, Sender] = {}
    if settings.smtp_host:
        senders["email"] = SmtpSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=_secret(settings.smtp_password),
            from_address=settings.smtp_from,
            timeout=settings.email_timeout_seconds + CLIENT_TIMEOUT_MARGIN,
            validate_certs=settings.smtp_validate_certs,
        )
    if settings.sms_provider == "http" and settings.sms_http_url:
        senders["sms"] = HttpSmsGateway(
            url=settings.sms_http_url,
            body=settings.sms_http_body,
            body_format=settings.sms_http_format,
            auth_header=settings.sms_http_auth_header,
            auth_value=_secret(settings.sms_http_auth_value),
            sender_name=settings.sms_sender_name,
            timeout=settings.sms_timeout_seconds + CLIENT_TIMEOUT_MARGIN,
        )
    elif settings.sms_provider == "smsru" and settings.smsru_api_id is not None:
        senders["sms"] = SmsRuGateway(
            url=settings.smsru_url,
            api_id=settings.smsru_api_id.get_secret_value(),
            sender_name=settings.sms_sender_name,
            timeout=settings.sms_timeout_seconds + CLIENT_TIMEOUT_MARGIN,
        )
    if settings.push_webhook_url:
        senders["push"] = WebhookPushSender(
            url=settings.push_webhook_url,
            auth_header=settings.push_webhook_auth_header,
            auth_value=_secret(settings.push_webhook_auth_value),
            timeout=settings.push_timeout_seconds + CLIENT_TIMEOUT_MARGIN,
        )
    if settings.dev_outbox_enabled:
        for channel in ("email", "sms", "push"):
            senders.setdefault(channel, DevOutboxSender(channel, session_factory))
    return senders
