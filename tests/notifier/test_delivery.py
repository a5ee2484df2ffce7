"""Delivery through real local gateways: SMTP (aiosmtpd) and an HTTP sink for SMS and push.

Covers R-NOT-1 (codes and notices by e-mail, SMS and push; a failed channel is retried and falls
back to the next one) and R-NOT-2 (a gateway outage does not lose messages and is visible).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.notifier.conftest import (
    HttpSink,
    SmtpSink,
    eventually,
    otp,
    sms_settings,
    smtp_settings,
)


async def test_an_email_arrives_with_the_message_id_and_both_parts(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    async with start_notifier(**smtp_settings(port)) as n:
        response = await n.send(otp())
        assert response.status_code == 202, response.text
        message_id = response.json()["id"]
        status = await n.wait_status(message_id, "delivered")
    assert status["delivered_channel"] == "email"
    [mail] = sink.received
    assert mail.rcpt_tos == ["citizen@example.test"]
    # At-least-once: the id travels in Message-ID so that a duplicate can be recognised.
    assert message_id in mail.message["Message-ID"]
    assert mail.message["Subject"] == "Код подтверждения"
    assert "483920" in mail.part("plain") and "483920" in mail.part("html")
    assert mail.message["Auto-Submitted"] == "auto-generated"


async def test_an_sms_goes_to_the_gateway_with_an_idempotency_key(
    start_notifier: Any, http_sink: HttpSink
) -> None:
    async with start_notifier(**sms_settings(http_sink)) as n:
        response = await n.send(otp(email_addr=None, phone="+79161234567", channels=["sms"]))
        message_id = response.json()["id"]
        status = await n.wait_status(message_id, "delivered")
    [request] = http_sink.on("/sms")
    assert request.headers["idempotency-key"] == message_id
    assert request.headers["authorization"] == "Bearer gw-token"
    body = request.json()
    assert body["to"] == "+79161234567" and body["client_ref"] == message_id
    assert body["text"] == "Код: 483920. Действует 10 мин. Никому не сообщайте его."
    assert status["deliveries"][0]["attempts"][0]["status"] == "delivered"


async def test_the_smsru_shaped_adapter_posts_its_form(start_notifier: Any, http_sink: HttpSink) -> None:
    settings = {
        "sms_provider": "smsru",
        "smsru_url": http_sink.url("/smsru/sms/send"),
        "smsru_api_id": "api-1",
    }
    async with start_notifier(**settings) as n:
        response = await n.send(otp(email_addr=None, phone="+79161234567", channels=["sms"]))
        await n.wait_status(response.json()["id"], "delivered")
    [request] = http_sink.on("/smsru/sms/send")
    form = request.form()
    assert form == {
        "api_id": "api-1",
        "to": "79161234567",
        "msg": "Код: 483920. Действует 10 мин. Никому не сообщайте его.",
        "json": "1",
    }


async def test_an_smsru_error_status_falls_back_to_email(
    start_notifier: Any, http_sink: HttpSink, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    http_sink.plan["/smsru/sms/send"] = [207]  # SMS.ru: "cannot send to this number" → not retried
    settings = {
        "sms_provider": "smsru",
        "smsru_url": http_sink.url("/smsru/sms/send"),
        "smsru_api_id": "api-1",
    }
    async with start_notifier(**settings, **smtp_settings(port)) as n:
        body = otp(phone="+79161234567", channels=["sms", "email"])
        status = await n.wait_status((await n.send(body)).json()["id"], "delivered")
    sms, mail = status["deliveries"]
    assert [a["reason"] for a in sms["attempts"]] == ["SMS.ru status_code 207"]
    assert mail["status"] == "delivered" and len(sink.received) == 1


async def test_push_goes_to_the_webhook(start_notifier: Any, http_sink: HttpSink) -> None:
    settings = {"push_webhook_url": http_sink.url("/push"), "push_webhook_auth_value": "Key k1"}
    body = {
        "template": "security_alert",
        "locale": "en",
        "params": {"kind": "new_login", "at": "2026-11-21T11:05:00+00:00"},
        "recipient": {"push_token": "device-token-1"},
        "channels": ["push"],
    }
    async with start_notifier(**settings) as n:
        message_id = (await n.send(body)).json()["id"]
        await n.wait_status(message_id, "delivered")
    [request] = http_sink.on("/push")
    assert request.headers["idempotency-key"] == message_id and request.headers["authorization"] == "Key k1"
    assert request.json() == {
        "id": message_id,
        "token": "device-token-1",
        "title": "New sign-in to your account",
        "body": "New sign-in to your account 21.11 14:05. If it was not you, change your password.",
        "template": "security_alert",
        "locale": "en",
    }


async def test_sms_gateway_500_falls_back_to_email_after_the_sms_budget(
    start_notifier: Any, http_sink: HttpSink, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    http_sink.default = 500
    async with start_notifier(**sms_settings(http_sink), **smtp_settings(port), sms_attempts=2) as n:
        body = otp(phone="+79161234567", channels=["sms", "email"])
        status = await n.wait_status((await n.send(body)).json()["id"], "delivered")
    assert status["delivered_channel"] == "email"
    sms, mail = status["deliveries"]
    assert sms["status"] == "failed"
    assert [(a["number"], a["status"], a["reason"]) for a in sms["attempts"]] == [
        (1, "failed", "SMS gateway answered HTTP 500"),
        (2, "failed", "SMS gateway answered HTTP 500"),
    ]
    assert mail["status"] == "delivered" and [a["status"] for a in mail["attempts"]] == ["delivered"]
    assert len(http_sink.on("/sms")) == 2 and len(sink.received) == 1


async def test_a_failed_attempt_is_retried_then_succeeds(start_notifier: Any, http_sink: HttpSink) -> None:
    http_sink.plan["/sms"] = [503, 502]
    async with start_notifier(**sms_settings(http_sink), sms_attempts=3) as n:
        body = otp(email_addr=None, phone="+79161234567", channels=["sms"])
        status = await n.wait_status((await n.send(body)).json()["id"], "delivered")
    attempts = status["deliveries"][0]["attempts"]
    assert [a["status"] for a in attempts] == ["failed", "failed", "delivered"]
    # Same message id on every try: the gateway can drop a repeat.
    assert len({r.headers["idempotency-key"] for r in http_sink.on("/sms")}) == 1


async def test_a_4xx_from_the_gateway_is_not_retried_on_that_channel(
    start_notifier: Any, http_sink: HttpSink
) -> None:
    http_sink.plan["/sms"] = [400]
    async with start_notifier(**sms_settings(http_sink), sms_attempts=3) as n:
        body = otp(email_addr=None, phone="+79161234567", channels=["sms"])
        status = await n.wait_status((await n.send(body)).json()["id"], "dead")
    assert len(http_sink.on("/sms")) == 1
    assert status["last_error"] == "SMS gateway answered HTTP 400"


async def test_every_channel_failing_ends_in_the_dead_letters(
    start_notifier: Any, http_sink: HttpSink, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    http_sink.default = 500
    sink.reply = "451 4.3.0 mailbox busy"
    settings = {**sms_settings(http_sink), **smtp_settings(port), "sms_attempts": 2, "email_attempts": 2}
    async with start_notifier(**settings) as n:
        body = otp(phone="+79161234567", channels=["sms", "email"])
        status = await n.wait_status((await n.send(body)).json()["id"], "dead")
        metrics = (await n.client.get("/metrics")).text
    assert [d["status"] for d in status["deliveries"]] == ["failed", "failed"]
    assert [a["reason"] for a in status["deliveries"][1]["attempts"]] == ["SMTP answered 451"] * 2
    assert status["next_attempt_at"] is None
    assert 'notifier_messages_dead_total{channel="email"} 1.0' in metrics


async def test_the_dead_letter_bound_caps_attempts_over_all_channels(
    start_notifier: Any, http_sink: HttpSink
) -> None:
    http_sink.default = 503
    async with start_notifier(**sms_settings(http_sink), sms_attempts=5, max_attempts=3) as n:
        body = otp(email_addr=None, phone="+79161234567", channels=["sms"])
        await n.wait_status((await n.send(body)).json()["id"], "dead")
    assert len(http_sink.on("/sms")) == 3


async def test_an_unreachable_smtp_server_is_a_transient_failure(start_notifier: Any) -> None:
    from tests.live import free_port

    async with start_notifier(**smtp_settings(free_port()), email_attempts=2) as n:
        status = await n.wait_status((await n.send(otp())).json()["id"], "dead")
    reasons = [a["reason"] for a in status["deliveries"][0]["attempts"]]
    assert len(reasons) == 2 and all(r.startswith("SMTP unreachable") for r in reasons)


async def test_a_send_over_the_channel_timeout_is_cut_and_counted_as_failed(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    sink.delay = 3.0  # the server hangs in DATA
    async with start_notifier(**smtp_settings(port), email_timeout_seconds=0.3, email_attempts=1) as n:
        status = await n.wait_status((await n.send(otp())).json()["id"], "dead")
        metrics = (await n.client.get("/metrics")).text
    assert status["last_error"] == "smtp timed out after 0.3 s"
    assert 'notifier_delivery_failures_total{channel="email",kind="timeout"} 1.0' in metrics


async def test_the_validity_in_the_text_comes_from_expires_at(
    start_notifier: Any, http_sink: HttpSink
) -> None:
    async with start_notifier(**sms_settings(http_sink)) as n:
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)
        body = otp(email_addr=None, phone="+79161234567", channels=["sms"], expires_at=expires.isoformat())
        await n.wait_status((await n.send(body)).json()["id"], "delivered")
    [request] = http_sink.on("/sms")
    assert request.json()["text"] == "Код: 483920. Действует 3 мин. Никому не сообщайте его."


async def test_an_expired_code_is_not_sent_late(start_notifier: Any, smtp: tuple[SmtpSink, int]) -> None:
    sink, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False) as n:
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(milliseconds=300)
        message_id = (await n.send(otp(expires_at=expires.isoformat()))).json()["id"]
        await eventually(lambda: dt.datetime.now(dt.UTC) > expires, what="the code's expiry")
        await n.app.state.dispatcher.run_once()
        status = await n.status(message_id)
    assert status["status"] == "expired"
    assert status["params"] is None and status["params_purged_at"] is not None
    assert sink.received == []


async def test_a_code_whose_retry_would_come_too_late_expires_instead(
    start_notifier: Any, http_sink: HttpSink
) -> None:
    http_sink.default = 503
    settings = {**sms_settings(http_sink), "retry_base_seconds": 60, "retry_max_seconds": 60}
    async with start_notifier(**settings) as n:
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
        body = otp(email_addr=None, phone="+79161234567", channels=["sms"], expires_at=expires.isoformat())
        await n.wait_status((await n.send(body)).json()["id"], "expired")
    assert len(http_sink.on("/sms")) == 1


async def test_an_already_expired_code_is_refused(start_notifier: Any) -> None:
    async with start_notifier(dev_outbox=True) as n:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        response = await n.send(otp(expires_at=past.isoformat()))
    assert response.status_code == 422 and response.json()["code"] == "already_expired"


async def test_a_channel_without_a_gateway_is_skipped_in_a_fallback_list(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    _, port = smtp
    async with start_notifier(**smtp_settings(port)) as n:
        body = otp(phone="+79161234567", channels=["sms", "email"])
        status = await n.wait_status((await n.send(body)).json()["id"], "delivered")
        only_sms = await n.send(otp(email_addr=None, phone="+79161234567", channels=["sms"]))
    assert status["deliveries"][0]["attempts"][0]["reason"] == "channel sms is not configured"
    assert only_sms.status_code == 422 and only_sms.json()["code"] == "channel_unavailable"
