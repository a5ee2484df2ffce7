"""The dispatcher: replicas share the outbox without sending a message twice; a claim left by a
dead process comes back after its lease; shutdown is clean; operators see it in /metrics."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from typing import Any

import pytest

from tests.notifier.conftest import SmtpSink, eventually, otp, smtp_settings


async def test_two_replicas_deliver_every_message_exactly_once_without_crashes(
    start_notifier: Any, smtp: tuple[SmtpSink, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="notifier.dispatcher")
    sink, port = smtp
    settings = {**smtp_settings(port), "dispatcher_concurrency": 3, "recipient_rate_limit": "1000/minute"}
    async with start_notifier(**settings, dispatcher_enabled=False) as intake:
        ids = [(await intake.send(otp(email_addr=f"u{i}@example.test"))).json()["id"] for i in range(40)]
        async with start_notifier(**settings) as first, start_notifier(**settings) as second:
            await eventually(lambda: len(sink.received) >= 40, what="40 e-mails")
            for message_id in ids:
                await first.wait_status(message_id, "delivered")
    assert sorted(sink.ids()) == sorted(ids), "each message exactly once"
    dispatchers = {r.dispatcher for r in caplog.records if r.getMessage() == "delivered"}  # type: ignore[attr-defined]
    tokens = {first.app.state.dispatcher.token, second.app.state.dispatcher.token}
    assert dispatchers == tokens, "both replicas took part"


async def test_a_claim_left_by_a_dead_process_is_retried_after_its_lease(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    from notifier.main import retry_policy
    from notifier.messages import outbox
    from shared.db import begin_immediate

    sink, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False) as n:
        message_id = (await n.send(otp())).json()["id"]
        settings = n.app.state.settings
        # Another process claims the message and dies before sending: its lease runs out in 0.3 s.
        with n.app.state.session_factory() as session:
            begin_immediate(session)
            claimed = outbox.claim_due(
                session,
                now=dt.datetime.now(dt.UTC),
                limit=10,
                lease=dt.timedelta(seconds=0.3),
                token="crashed-process",
                sealer=n.app.state.intake.sealer,
                policy=retry_policy(settings),
                rng=random.Random(1),
            )
            session.commit()
        assert [job.message_id for job in claimed.jobs] == [message_id]
        assert (await n.status(message_id))["status"] == "sending"
        assert await n.app.state.dispatcher.run_once() == 0, "the lease still holds"
        await n.app.state.dispatcher.start()
        status = await n.wait_status(message_id, "delivered")
    attempts = status["deliveries"][0]["attempts"]
    assert [a["status"] for a in attempts] == ["failed", "delivered"]
    assert attempts[0]["reason"].startswith("no result recorded")
    assert sink.ids() == [message_id]


async def test_shutdown_voids_an_unfinished_attempt_and_requeues_the_message(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    from notifier.messages.models import Message

    sink, port = smtp
    sink.delay = 30.0  # the SMTP server hangs in DATA
    # One slot, taken: stop() must not wait behind a full batch for the send timeout.
    settings = {**smtp_settings(port), "shutdown_grace_seconds": 0.2, "dispatcher_concurrency": 1}
    async with start_notifier(**settings) as n:
        message_id = (await n.send(otp())).json()["id"]
        await n.wait_status(message_id, "sending")
        dispatcher = n.app.state.dispatcher
        await dispatcher.stop()  # what the lifespan does on shutdown
        assert not dispatcher.running
        with n.app.state.session_factory() as session:
            message = session.get(Message, message_id)
            assert message is not None
            state = (message.status, message.attempts, message.claim_token, message.last_error)
    assert state == ("failed", 0, None, "interrupted by dispatcher shutdown")
    assert sink.received == []


async def test_a_stopped_dispatcher_can_be_started_again_and_drains_the_queue(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False) as n:
        ids = [(await n.send(otp(email_addr=f"d{i}@example.test"))).json()["id"] for i in range(5)]
        await asyncio.sleep(0)
        assert sink.received == []
        await n.app.state.dispatcher.start()
        await eventually(lambda: len(sink.received) == 5, what="5 e-mails")
        await n.app.state.dispatcher.stop()
    assert sorted(sink.ids()) == sorted(ids)


async def test_metrics_count_queued_sent_failed_and_latency(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    async with start_notifier(**smtp_settings(port), email_attempts=2) as n:
        ok = (await n.send(otp())).json()["id"]
        await n.wait_status(ok, "delivered")
        sink.reply = "550 5.1.1 no such user"
        bad = (await n.send(otp(email_addr="nobody@example.test"))).json()["id"]
        await n.wait_status(bad, "dead")
        metrics = (await n.client.get("/metrics")).text
    assert 'notifier_messages_queued_total{template="otp_code"} 2.0' in metrics
    assert 'notifier_messages_sent_total{channel="email"} 1.0' in metrics
    assert 'notifier_delivery_failures_total{channel="email",kind="permanent"} 1.0' in metrics
    assert 'notifier_messages_dead_total{channel="email"} 1.0' in metrics
    assert 'notifier_delivery_latency_seconds_count{channel="email"} 1.0' in metrics
    assert 'notifier_send_duration_seconds_count{channel="email"} 2.0' in metrics
    assert "http_requests_total" in metrics  # the plumbing's own metrics share the registry


async def test_finished_messages_are_forgotten_after_the_retention_period(
    start_notifier: Any, smtp: tuple[SmtpSink, int]
) -> None:
    from sqlalchemy import func, select, update

    from notifier.messages import outbox
    from notifier.messages.models import DeliveryAttempt, Message

    _, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False) as n:
        old, recent, waiting = [
            (await n.send(otp(email_addr=f"r{i}@example.test"))).json()["id"] for i in range(3)
        ]
        with n.app.state.session_factory() as session:
            session.execute(update(Message).where(Message.id == waiting).values(next_attempt_at=None))
            session.commit()
        await n.app.state.dispatcher.run_once()
        now = dt.datetime.now(dt.UTC)
        with n.app.state.session_factory() as session:
            long_ago = now - dt.timedelta(days=31)
            session.execute(update(Message).where(Message.id.in_([old, waiting])).values(updated_at=long_ago))
            counts = outbox.sweep(session, now=now, retention=dt.timedelta(days=30))
            session.commit()
            left = set(session.scalars(select(Message.id)))
            attempts = session.scalar(select(func.count()).select_from(DeliveryAttempt))
    assert left == {recent, waiting}, "delivered long ago: gone; recent or unfinished: kept"
    assert attempts == 1, "the old message's attempts went with it"
    assert counts == {"delivered": 1, "queued": 1}
