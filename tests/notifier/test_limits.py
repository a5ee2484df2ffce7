"""Limits: per-recipient message rate (429 + Retry-After), parameter and body size, and the global
per-channel send-rate cap; counters in memory or, with ``redis_url``, in Redis shared by replicas."""

from __future__ import annotations

import socket
import uuid
from typing import Any

import pytest

from tests.notifier.conftest import otp

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
STORAGES = [
    pytest.param({}, id="memory"),
    pytest.param({"redis_url": REDIS_URL}, id="redis", marks=needs_redis),
]


@pytest.mark.parametrize("storage", STORAGES)
async def test_a_recipient_over_its_limit_gets_429_with_retry_after(
    start_notifier: Any, storage: dict[str, Any]
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    settings = {"dev_outbox": True, "recipient_rate_limit": "2/minute", "rate_limit_key_prefix": prefix}
    async with start_notifier(**settings, **storage) as n:
        statuses = [(await n.send(otp())).status_code for _ in range(2)]
        refused = await n.send(otp())
        other = await n.send(otp(email_addr="other@example.test"))
        metrics = (await n.client.get("/metrics")).text
    assert statuses == [202, 202]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "recipient_rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert other.status_code == 202
    assert "notifier_recipient_rate_limited_total 1.0" in metrics


async def test_the_limit_ignores_case_in_email_addresses(start_notifier: Any) -> None:
    async with start_notifier(dev_outbox=True, recipient_rate_limit="1/minute") as n:
        first = await n.send(otp(email_addr="Citizen@Example.test"))
        second = await n.send(otp(email_addr="citizen@example.test"))
    assert (first.status_code, second.status_code) == (202, 429)


@needs_redis
async def test_replicas_share_the_recipient_limit_through_redis(start_notifier: Any) -> None:
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    settings = {
        "dev_outbox": True,
        "recipient_rate_limit": "2/minute",
        "rate_limit_key_prefix": prefix,
        "redis_url": REDIS_URL,
    }
    async with start_notifier(**settings) as first, start_notifier(**settings) as second:
        assert (await first.send(otp())).status_code == 202
        assert (await second.send(otp())).status_code == 202
        assert (await first.send(otp())).status_code == 429
        assert (await second.send(otp())).status_code == 429
    client = redis.Redis.from_url(REDIS_URL)
    keys = [k.decode() for k in client.scan_iter(f"{prefix}*")]
    client.close()
    assert keys, "the counters live in Redis"
    assert not any("citizen" in k or "example.test" in k for k in keys), "keys hold digests, not addresses"


async def test_oversized_params_are_a_422(start_notifier: Any) -> None:
    body = otp(template="security_alert", params={"kind": "new_login", "device": "x" * 400})
    async with start_notifier(dev_outbox=True, max_params_bytes=256) as n:
        response = await n.send(body)
    assert response.status_code == 422 and response.json()["code"] == "params_too_large"


async def test_an_oversized_body_is_a_413(start_notifier: Any) -> None:
    body = otp(params={"code": "123456", "padding": "x" * 5000})
    async with start_notifier(dev_outbox=True, max_body_bytes=4096) as n:
        response = await n.send(body)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


async def test_the_channel_send_rate_cap_delays_but_delivers(start_notifier: Any) -> None:
    async with start_notifier(
        dev_outbox=True, email_send_rate="5/second", recipient_rate_limit="100/minute"
    ) as n:
        ids = [(await n.send(otp(email_addr=f"u{i}@example.test"))).json()["id"] for i in range(7)]
        for message_id in ids:
            await n.wait_status(message_id, "delivered")
        metrics = (await n.client.get("/metrics")).text
    assert 'notifier_messages_sent_total{channel="email"} 7.0' in metrics
    throttled = [
        line for line in metrics.splitlines() if line.startswith('notifier_throttled_total{channel="email"}')
    ]
    assert throttled and float(throttled[0].split()[-1]) >= 1


def test_the_send_rate_window_refuses_beyond_its_budget() -> None:
    from notifier.throttling import RateLimits

    limits = RateLimits(recipient_limit="1/minute", channel_rates={"sms": "3/minute"})
    try:
        assert [limits.try_send("sms") for _ in range(3)] == [None, None, None]
        wait = limits.try_send("sms")
        assert wait is not None and 0 < wait <= 60
        assert limits.try_send("email") is None  # no cap configured for it
    finally:
        limits.close()


async def test_redis_down_fails_open(start_notifier: Any) -> None:
    """Redis unreachable: the recipient limit fails open (a citizen waiting for a code gets it), and
    every check it could not make is counted. Three messages to one recipient under a 1/minute
    limit: a working limit would refuse the second and the third with 429."""
    from tests.live import free_port

    settings = {
        "dev_outbox": True,
        "redis_url": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "recipient_rate_limit": "1/minute",
    }
    async with start_notifier(**settings) as n:
        responses = [await n.send(otp()) for _ in range(3)]
        assert [r.status_code for r in responses] == [202, 202, 202], [r.text for r in responses]
        for response in responses:
            await n.wait_status(response.json()["id"], "delivered")
        errors = n.app.state.intake.limits.storage_errors
    assert errors >= 3, "each of the three checks met the dead storage"
