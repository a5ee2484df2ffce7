"""Codes and addresses: sealed at rest, masked in answers, purged after delivery, never logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import text

from tests.notifier.conftest import HttpSink, SmtpSink, otp, sms_settings, smtp_settings

#: letters outside hex so that no id or timestamp in a log line can contain it by chance
CODE = "QZ4839"
ADDRESS = "citizen@example.test"
PHONE = "+79161234567"


def _raw_row(app: Any, message_id: str) -> dict[str, Any]:
    with app.state.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM messages WHERE id = :id"), {"id": message_id}).mappings().one()
    return dict(row)


async def test_recipient_and_params_are_sealed_at_rest(start_notifier: Any) -> None:
    async with start_notifier(dispatcher_enabled=False, dev_outbox=True) as n:
        message_id = (await n.send(otp(params={"code": CODE}))).json()["id"]
        row = _raw_row(n.app, message_id)
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    assert CODE.encode() not in stored
    assert ADDRESS.encode() not in stored and b"citizen" not in stored
    assert row["recipient_sealed"] and row["params_sealed"]


async def test_codes_are_masked_in_the_status_then_purged_after_delivery(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    _, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False) as n:
        message_id = (await n.send(otp())).json()["id"]
        queued = await n.status(message_id)
        await n.app.state.dispatcher.run_once()
        delivered = await n.status(message_id)
        row = _raw_row(n.app, message_id)
    assert queued["params"] == {"code": "••••••"}
    assert queued["recipient"] == {"email": "ci•••@example.test", "phone": None, "push_token": None}
    assert delivered["status"] == "delivered"
    assert delivered["params"] is None and delivered["params_purged_at"] is not None
    assert row["params_sealed"] is None
    # metadata stays: template, channel, timestamps, the (sealed) recipient
    assert delivered["template"] == "otp_code" and delivered["recipient"]["email"] == "ci•••@example.test"


async def test_non_secret_params_are_shown(start_notifier: Any) -> None:
    body = otp(template="security_alert", params={"kind": "lockout", "locked_minutes": 30})
    async with start_notifier(dispatcher_enabled=False, dev_outbox=True) as n:
        status = await n.status((await n.send(body)).json()["id"])
    assert status["params"] == {"kind": "lockout", "locked_minutes": 30}


async def test_codes_and_addresses_never_reach_the_logs(
    start_notifier: Any,
    smtp: tuple[SmtpSink, int],
    http_sink: HttpSink,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    sink, port = smtp
    http_sink.plan["/sms"] = [500, 400]  # a retry, then a permanent failure and a fallback to e-mail
    async with start_notifier(**smtp_settings(port), **sms_settings(http_sink), log_level="DEBUG") as n:
        body = otp(phone=PHONE, channels=["sms", "email"], params={"code": CODE})
        message_id = (await n.send(body, key="log-check")).json()["id"]
        status = await n.wait_status(message_id, "delivered")
        bad = otp()
        bad["params"] = {"code": "12"}  # invalid: the 422 must not echo it either
        refused = await n.send(bad)
    assert status["delivered_channel"] == "email" and sink.received
    assert refused.status_code == 422 and '12"' not in refused.text
    # Everything our process logged, minus the test's own SMTP server (aiosmtpd logs DATA lines).
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    lines = [line for line in capfd.readouterr().err.splitlines() if '"logger": "mail.log' not in line]
    logged = "\n".join(str(record.__dict__) for record in ours) + "\n".join(lines)
    assert message_id in logged, "the logs do name the message"
    for secret in (CODE, ADDRESS, PHONE, PHONE.lstrip("+")):
        assert secret not in logged
