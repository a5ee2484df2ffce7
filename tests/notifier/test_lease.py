"""Claims are short leases renewed by heartbeat while a send is in flight.

A killed dispatcher stops renewing, so its messages are taken over after one short lease instead of
a long one sized for the slowest send. Time is injected: every step names the instant it runs at.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from notifier.messages.outbox import ClaimResult
from tests.notifier.conftest import Notifier, otp, smtp_settings

#: a day ahead of the wall clock, so that a message queued now is due at every instant used here
T0 = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)
LEASE = dt.timedelta(seconds=15)


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _claim(n: Notifier, token: str, now: dt.datetime) -> ClaimResult:
    from notifier.main import retry_policy
    from notifier.messages import outbox
    from shared.db import begin_immediate

    with n.app.state.session_factory() as session:
        begin_immediate(session)
        result = outbox.claim_due(
            session,
            now=now,
            limit=10,
            lease=LEASE,
            token=token,
            sealer=n.app.state.intake.sealer,
            policy=retry_policy(n.app.state.settings),
            rng=random.Random(1),
        )
        session.commit()
    return result


def _renew(n: Notifier, token: str, now: dt.datetime) -> int:
    from notifier.messages import outbox
    from shared.db import begin_immediate

    with n.app.state.session_factory() as session:
        begin_immediate(session)
        renewed = outbox.renew_claims(session, token=token, now=now, lease=LEASE)
        session.commit()
    return renewed


def _claimed_until(n: Notifier, message_id: str) -> tuple[str | None, dt.datetime | None]:
    from notifier.messages.models import Message

    with n.app.state.session_factory() as session:
        message = session.get(Message, message_id)
        assert message is not None
        until = message.claimed_until
        return message.claim_token, until.replace(tzinfo=dt.UTC) if until and until.tzinfo is None else until


async def _queued(n: Notifier) -> str:
    response = await n.send(otp())
    assert response.status_code == 202, response.text
    message_id: str = response.json()["id"]
    return message_id


async def test_a_heartbeat_keeps_a_slow_send_claimed_past_its_first_lease(
    start_notifier: Any, smtp: Any
) -> None:
    _, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False) as n:
        message_id = await _queued(n)
        assert [j.message_id for j in _claim(n, "alive", _at(0)).jobs] == [message_id]
        assert _renew(n, "alive", _at(5)) == 1
        assert _renew(n, "alive", _at(10)) == 1
        assert _claimed_until(n, message_id) == ("alive", _at(25))
        # 20 s after the claim, past the first lease: the renewed claim still holds.
        assert _claim(n, "replica", _at(20)).jobs == []


async def test_a_killed_dispatchers_message_is_taken_over_after_one_short_lease(
    start_notifier: Any, smtp: Any
) -> None:
    _, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False) as n:
        message_id = await _queued(n)
        _claim(n, "killed", _at(0))
        assert _claim(n, "replica", _at(14)).jobs == [], "within the lease"
        # No heartbeat came: the lease ran out. The lost attempt is closed as failed and the retry
        # is scheduled after the first backoff step (NOTIFIER_RETRY_BASE_SECONDS=2, with jitter).
        assert _claim(n, "replica", _at(15)).lost == ["email"]
        taken = _claim(n, "replica", _at(17))
        assert [j.message_id for j in taken.jobs] == [message_id]
        assert _claimed_until(n, message_id) == ("replica", _at(32))


async def test_a_late_heartbeat_does_not_take_back_a_message_another_dispatcher_owns(
    start_notifier: Any, smtp: Any
) -> None:
    _, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False) as n:
        message_id = await _queued(n)
        _claim(n, "stalled", _at(0))
        assert _claim(n, "replica", _at(16)).lost == ["email"]
        assert _claim(n, "replica", _at(18)).jobs
        assert _renew(n, "stalled", _at(19)) == 0
        assert _claimed_until(n, message_id) == ("replica", _at(33))


async def test_the_dispatcher_renews_its_own_claims_with_its_clock(start_notifier: Any, smtp: Any) -> None:
    _, port = smtp
    async with start_notifier(**smtp_settings(port), dispatcher_enabled=False, claim_lease_seconds=15) as n:
        dispatcher = n.app.state.dispatcher
        assert dispatcher.heartbeat_seconds == 5.0, "a third of the lease"
        message_id = await _queued(n)
        _claim(n, dispatcher.token, _at(0))
        dispatcher.clock = lambda: _at(12)
        assert await dispatcher.renew_leases() == 1
        assert _claimed_until(n, message_id) == (dispatcher.token, _at(27))
