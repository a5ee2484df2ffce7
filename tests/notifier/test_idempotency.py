"""``Idempotency-Key`` (draft-ietf-httpapi-idempotency-key-header): a retried request returns the
message it created the first time; the key reused with another body is a 409; keys are per caller."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import func, select

from tests.conftest import LiveIdp
from tests.notifier.conftest import otp


async def test_the_same_key_and_body_return_the_same_message(start_notifier: Any) -> None:
    async with start_notifier(dev_outbox=True) as n:
        first = await n.send(otp(), key="login-42")
        second = await n.send(otp(), key="login-42")
    assert first.status_code == 202 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"


async def test_the_same_key_with_another_body_is_a_409_problem(start_notifier: Any) -> None:
    async with start_notifier(dev_outbox=True) as n:
        first = await n.send(otp(), key="login-43")
        other = otp()
        other["params"] = {"code": "111111"}
        conflict = await n.send(other, key="login-43")
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    problem = conflict.json()
    assert problem["code"] == "idempotency_key_reused" and problem["message_id"] == first.json()["id"]
    assert "111111" not in conflict.text and "483920" not in conflict.text


async def test_keys_belong_to_the_caller(start_notifier: Any, live_idp: LiveIdp) -> None:
    other_caller = f"idem-{uuid.uuid4().hex[:8]}"
    live_idp.register(other_caller, scopes=["notify:send"], audience="notifier")
    other_token = live_idp.token(other_caller)
    async with start_notifier(dev_outbox=True) as n:
        mine = await n.send(otp(), key="shared-key")
        theirs = await n.send(otp(), key="shared-key", Authorization=f"Bearer {other_token}")
    assert mine.status_code == 202 and theirs.status_code == 202
    assert mine.json()["id"] != theirs.json()["id"]


async def test_parallel_submissions_with_one_key_yield_one_message(start_notifier: Any) -> None:
    from notifier.messages.models import Message

    async with start_notifier(dev_outbox=True, recipient_rate_limit="1000/minute") as n:
        responses = await asyncio.gather(*(n.send(otp(), key="burst-1") for _ in range(12)))
        with n.app.state.session_factory() as session:
            stored = session.scalar(
                select(func.count()).select_from(Message).where(Message.idempotency_key == "burst-1")
            )
    assert sorted(r.status_code for r in responses) == [200] * 11 + [202]
    assert len({r.json()["id"] for r in responses}) == 1
    assert stored == 1


async def test_a_malformed_key_is_refused(start_notifier: Any) -> None:
    async with start_notifier(dev_outbox=True) as n:
        response = await n.send(otp(), key="with space")
        too_long = await n.send(otp(), key="k" * 256)
    assert response.status_code == 422 and too_long.status_code == 422
