"""R-NOT-2 under a crash: the notifier is killed with SIGKILL while it is sending, and no accepted
message is lost.

200 messages are accepted by a real notifier process (dispatcher off), then a second process
dispatches them to a real SMTP server (aiosmtpd, loopback) and is killed mid-dispatch; a third
process takes over once the dead process's claims have run out their (short, heartbeat-renewed)
lease. Every message must
arrive at least once (at-least-once delivery), and none more than twice (only the sends that were
in flight at the kill may repeat). Codes must not appear in any process log.
"""

from __future__ import annotations

import collections
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from tests.integration.processes import ServiceProcess, run_cli
from tests.live import free_port

pytestmark = pytest.mark.integration

COUNT = 200
KILL_AFTER = 50


class CountingSmtp:
    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.counts[str(message["X-Notifier-Message-Id"])] += 1
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())

    def distinct(self) -> int:
        with self.lock:
            return len(self.counts)


@pytest.fixture
def smtp() -> Iterator[tuple[CountingSmtp, int]]:
    sink = CountingSmtp()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _wait(predicate: Any, timeout: float, what: str) -> None:
    """A bounded poll for real processes' work (not a timed assertion: the timeout bounds a hang)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _token(issuer: str, caller: dict[str, str]) -> str:
    response = httpx.post(
        f"{issuer}/token",
        data={"grant_type": "client_credentials", "scope": "notify:send"},
        auth=(caller["client_id"], caller["client_secret"]),
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def _enqueue(base_url: str, token: str) -> dict[str, str]:
    """POST the messages from 8 threads; returns message id -> its code."""
    local = threading.local()  # one keep-alive client per thread (a new one costs an SSL context)
    clients: list[httpx.Client] = []

    def post(i: int) -> tuple[str, str]:
        code = f"ZX{i:06d}"  # letters no log line (hex ids, timestamps) can contain by chance
        body = {
            "template": "otp_code",
            "params": {"code": code},
            "recipient": {"email": f"citizen{i}@example.test"},
            "channels": ["email"],
        }
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"crash-{i}"}
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, timeout=30)
            clients.append(local.client)
        response = local.client.post("/v1/messages", json=body, headers=headers)
        assert response.status_code == 202, response.text
        return response.json()["id"], code

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(pool.map(post, range(COUNT)))
    finally:
        for client in clients:
            client.close()


def _sending(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT count(*) FROM messages WHERE status = 'sending'")).scalar_one()
            )
    finally:
        engine.dispose()


def test_a_killed_notifier_loses_no_message(tmp_path: Path, smtp: tuple[CountingSmtp, int]) -> None:
    from tests.conftest import create_database, drop_database

    sink, smtp_port = smtp
    urls = {name: create_database(tmp_path, name) for name in ("idp", "notifier")}
    idp_port = free_port()
    issuer = f"http://127.0.0.1:{idp_port}"
    idp_settings = {"dev_mode": True, "database_url": urls["idp"], "issuer": issuer, "port": idp_port}
    idp = ServiceProcess("idp", idp_settings, tmp_path / "idp.log")
    port = free_port()
    notifier_settings: dict[str, Any] = {
        "dev_mode": True,
        "database_url": urls["notifier"],
        "port": port,
        "idp_issuer": issuer,
        "idp_jwks_url": f"{issuer}/.well-known/jwks.json",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_security": "none",
        "recipient_rate_limit": "100000/minute",
        "email_send_rate": "250/second",  # slow enough that the kill lands mid-dispatch
        "dispatcher_concurrency": 16,
        "dispatcher_poll_seconds": 0.1,
        # A short lease, renewed by heartbeat (every 0.5 s) while the sends run: the live process
        # keeps its claims, the killed one's run out while the replacement process starts.
        "claim_lease_seconds": 1.5,
        "retry_base_seconds": 0.05,
        "retry_max_seconds": 0.5,
        "email_attempts": 5,
    }
    log = tmp_path / "notifier.log"
    accepting = ServiceProcess("notifier", {**notifier_settings, "dispatcher_enabled": False}, log)
    notifier = ServiceProcess("notifier", notifier_settings, log)
    try:
        idp.start()
        caller = run_cli(
            "idp",
            idp_settings,
            "add-client",
            "crash-caller",
            "--scope",
            "notify:send",
            "--audience",
            "notifier",
        )
        token = _token(issuer, caller)

        accepting.start()
        codes = _enqueue(accepting.base_url, token)
        accepting.stop()
        assert len(codes) == COUNT and sink.total() == 0

        notifier.start(migrate=False)
        _wait(lambda: sink.total() >= KILL_AFTER, 60, f"{KILL_AFTER} e-mails")
        notifier.kill()
        at_kill = sink.distinct()
        in_flight = _sending(urls["notifier"])
        assert at_kill < COUNT, "the kill must land mid-dispatch"
        assert in_flight > 0, "some messages were claimed by the killed process"

        notifier.start(migrate=False)  # a new process; the old claims come back after their lease
        _wait(lambda: sink.distinct() >= COUNT, 90, f"all {COUNT} e-mails")
        notifier.stop()
    finally:
        for proc in (accepting, notifier, idp):
            proc.stop()
        for url in urls.values():
            drop_database(url)

    assert set(sink.counts) == set(codes), "every accepted message arrived"
    repeats = {mid: n for mid, n in sink.counts.items() if n > 1}
    assert max(sink.counts.values()) <= 2, f"a message arrived more than twice: {repeats}"
    assert len(repeats) <= in_flight, "only messages in flight at the kill may repeat"
    logs = log.read_text(errors="replace") + (tmp_path / "idp.log").read_text(errors="replace")
    assert "reclaimed messages whose dispatcher died" in logs
    leaked = [code for code in codes.values() if code in logs]
    assert not leaked, f"codes in the logs: {leaked[:5]}"
