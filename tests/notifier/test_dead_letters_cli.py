"""`python -m notifier dead-letters list|requeue`: operators see dead messages and put them back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.processes import run_cli
from tests.notifier.conftest import HttpSink, otp, sms_settings


def _cli_in_process(settings: Any, *argv: str) -> int:
    """The same argument parsing and handlers as ``python -m notifier``, minus a process start."""
    from notifier.cli import register
    from shared.cli import run_cli as shared_run_cli

    return shared_run_cli(
        prog="notifier",
        settings_factory=lambda: settings,
        app_factory="notifier.main:create_app",
        migrations_path=Path("services/notifier/migrations"),
        extra=register,
        argv=list(argv),
    )


async def test_dead_letters_are_listed_and_requeued(
    start_notifier: Any, http_sink: HttpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    http_sink.default = 500
    async with start_notifier(**sms_settings(http_sink), sms_attempts=1) as n:
        dead = (await n.send(otp(email_addr=None, phone="+79161234567", channels=["sms"]))).json()["id"]
        other = (await n.send(otp(email_addr=None, phone="+79161234568", channels=["sms"]))).json()["id"]
        await n.wait_status(dead, "dead")
        await n.wait_status(other, "dead")
        settings = n.app.state.settings

        # the real entry point, once
        env = {"database_url": settings.database_url, "dev_mode": True}
        listed = await asyncio.to_thread(run_cli, "notifier", env, "dead-letters", "list")
        assert {row["id"] for row in listed} == {dead, other}
        row = next(r for r in listed if r["id"] == dead)
        assert row["recipient"] == {"phone": "+7916•••4567"} and row["requeueable"] is True
        assert row["last_error"] == "SMS gateway answered HTTP 500" and row["attempts"] == 1
        assert "483920" not in json.dumps(listed)

        http_sink.default = 200
        capsys.readouterr()
        assert await asyncio.to_thread(_cli_in_process, settings, "dead-letters", "requeue", dead) == 0
        assert json.loads(capsys.readouterr().out) == {"requeued": [dead], "refused": {}}
        status = await n.wait_status(dead, "delivered")
        assert [a["status"] for a in status["deliveries"][0]["attempts"]] == ["failed", "delivered"]
        assert (await n.status(other))["status"] == "dead", "only the named message was requeued"

        with pytest.raises(SystemExit, match="is delivered, not dead"):
            await asyncio.to_thread(_cli_in_process, settings, "dead-letters", "requeue", dead)
        with pytest.raises(SystemExit, match="No message nope"):
            await asyncio.to_thread(_cli_in_process, settings, "dead-letters", "requeue", "nope")


async def test_requeue_all_and_refusals(
    start_notifier: Any, http_sink: HttpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    http_sink.default = 500
    async with start_notifier(**sms_settings(http_sink), sms_attempts=1) as n:
        soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).isoformat()
        code = (
            await n.send(otp(email_addr=None, phone="+79161234567", channels=["sms"], expires_at=soon))
        ).json()
        alert = otp(email_addr=None, phone="+79161234567", channels=["sms"], template="security_alert")
        alert["params"] = {"kind": "lockout"}
        notice = (await n.send(alert)).json()
        await n.wait_status(code["id"], "dead")
        await n.wait_status(notice["id"], "dead")
        await n.app.state.dispatcher.stop()  # keep the requeued message where we can see it
        from tests.notifier.conftest import eventually

        await eventually(lambda: dt.datetime.now(dt.UTC).isoformat() > soon, what="the code to expire")
        capsys.readouterr()
        await asyncio.to_thread(_cli_in_process, n.app.state.settings, "dead-letters", "requeue", "--all")
        result = json.loads(capsys.readouterr().out)
        assert result["requeued"] == [notice["id"]]
        assert list(result["refused"]) == [code["id"]]
        # expired after its failed attempt, or (on a loaded machine) before it was ever sent, when
        # expiry already erased its recipient and code: refused either way, saying which
        reason = result["refused"][code["id"]]
        assert "expired" in reason or "no recipient or parameters left" in reason, reason
        assert (await n.status(notice["id"]))["status"] == "queued"
