"""The request session is finished before the response leaves: committed for a 202, rolled back and
closed for an error (on SQLite a session left open would keep the write lock it took)."""

from __future__ import annotations

from typing import Any

from tests.notifier.conftest import otp


async def test_an_error_answer_leaves_no_session_open(start_notifier: Any) -> None:
    async with start_notifier(dev_outbox=True, dispatcher_enabled=False) as n:
        pool = n.app.state.engine.pool
        refused = await n.send({**otp(), "template": "no_such_template"})
        after_error = pool.checkedout()
        accepted = await n.send(otp())
        after_success = pool.checkedout()
    assert refused.status_code == 422 and accepted.status_code == 202
    assert (after_error, after_success) == (0, 0)


async def test_a_202_means_the_message_is_committed(start_notifier: Any) -> None:
    from notifier.messages.models import Message

    async with start_notifier(dev_outbox=True, dispatcher_enabled=False) as n:
        message_id = (await n.send(otp())).json()["id"]
        with n.app.state.session_factory() as other:  # another connection sees it at once
            assert other.get(Message, message_id) is not None
