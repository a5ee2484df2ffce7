"""Real outside edges for the notifier: an SMTP server (aiosmtpd) and an HTTP sink for SMS and push
gateways, both on loopback ports; and a factory for notifier apps wired to them."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import LiveIdp, running
from tests.live import free_port, serve_in_thread

T = TypeVar("T")

CALLER = "notifier-caller"


# --- SMTP ---------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["X-Notifier-Message-Id"])

    def part(self, subtype: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return str(part.get_content())
        raise AssertionError(f"no text/{subtype} part")


class SmtpSink:
    """A real SMTP server that records what it accepts; ``reply`` makes it refuse DATA."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self.reply: str | None = None  # e.g. "451 4.3.0 try later" or "550 5.1.1 no such user"
        self.delay = 0.0  # seconds to hang in DATA before answering
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reply:
            return self.reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [m.message_id for m in self.received]


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


# --- HTTP gateways ------------------------------------------------------------------------------


@dataclass
class SinkRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class HttpSink:
    """Records every POST; answers from a per-path plan of statuses (then ``default``)."""

    base_url: str = ""
    requests: list[SinkRequest] = field(default_factory=list)
    plan: dict[str, list[int]] = field(default_factory=dict)
    default: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def on(self, path: str) -> list[SinkRequest]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    async def handle(self, request: Request) -> JSONResponse:
        body = await request.body()
        path = request.url.path
        with self.lock:
            self.requests.append(SinkRequest(path, dict(request.headers), body))
            planned = self.plan.get(path)
            status = planned.pop(0) if planned else self.default
            count = len(self.requests)
        if path.endswith("/sms/send"):  # SMS.ru's answer shape
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if status != 200:
                return JSONResponse({"status": "ERROR", "status_code": status}, status_code=200)
            return JSONResponse(
                {
                    "status": "OK",
                    "status_code": 100,
                    "sms": {form["to"]: {"status": "OK", "status_code": 100, "sms_id": f"000-{count}"}},
                    "balance": 100.5,
                }
            )
        return JSONResponse(
            {"id": f"gw-{count}"} if status < 300 else {"error": "planned"}, status_code=status
        )


@pytest.fixture(scope="session")
def http_sink_server() -> Iterator[HttpSink]:
    sink = HttpSink()
    app = Starlette(routes=[Route("/{path:path}", sink.handle, methods=["POST"])])
    with serve_in_thread(app) as base:
        sink.base_url = base
        yield sink


@pytest.fixture
def http_sink(http_sink_server: HttpSink) -> HttpSink:
    with http_sink_server.lock:
        http_sink_server.requests.clear()
        http_sink_server.plan.clear()
        http_sink_server.default = 200
    return http_sink_server


# --- the notifier -------------------------------------------------------------------------------

#: fast retries so that retry/fallback/dead-letter paths run in well under a second
FAST = {
    "dispatcher_poll_seconds": 0.05,
    "retry_base_seconds": 0.02,
    "retry_max_seconds": 0.1,
    # long enough that a worker starved by a loaded CI machine keeps its claim (the heartbeat and the
    # expiry of a lease are tested with their own short leases in test_lease.py, test_dispatcher.py)
    "claim_lease_seconds": 30,
    "shutdown_grace_seconds": 2,
    # a send is cut at these only when a test says so (0.3 s); otherwise they bound a hang, and a
    # local sink thread starved on a loaded CI machine must not turn an attempt into a timeout
    "email_timeout_seconds": 30,
    "sms_timeout_seconds": 30,
    "push_timeout_seconds": 30,
}


@pytest.fixture
def notifier_settings(make_db: Callable[..., str], live_idp: LiveIdp) -> Callable[..., Any]:
    """``notifier_settings(**overrides)`` → NotifierSettings on a fresh migrated database."""
    from notifier.settings import NotifierSettings

    url: dict[str, str] = {}

    def _make(**overrides: Any) -> NotifierSettings:
        if "database_url" not in overrides:
            url.setdefault("db", make_db("notifier"))
        values: dict[str, Any] = {
            "database_url": url.get("db"),
            "dev_mode": True,
            "dev_outbox": False,
            "idp_issuer": live_idp.base_url,
            "idp_jwks_url": f"{live_idp.base_url}/.well-known/jwks.json",
            **FAST,
        }
        values.update(overrides)
        return NotifierSettings(**values)

    return _make


@dataclass
class Notifier:
    app: FastAPI
    client: httpx.AsyncClient
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def send(self, body: dict[str, Any], *, key: str | None = None, **headers: str) -> httpx.Response:
        extra = {"Idempotency-Key": key} if key else {}
        return await self.client.post("/v1/messages", json=body, headers={**self.headers, **extra, **headers})

    async def status(self, message_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/v1/messages/{message_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def wait_status(self, message_id: str, *states: str, timeout: float = 60) -> dict[str, Any]:
        async def check() -> dict[str, Any] | None:
            status = await self.status(message_id)
            return status if status["status"] in states else None

        return await eventually(check, timeout=timeout, what=f"message {message_id} in {states}")


@pytest.fixture
def start_notifier(notifier_settings: Callable[..., Any], live_idp: LiveIdp) -> Callable[..., Any]:
    """``async with start_notifier(**settings) as n:`` a running notifier app with a caller token."""

    @asynccontextmanager
    async def _start(**overrides: Any) -> AsyncIterator[Notifier]:
        from notifier.main import create_app

        token = live_idp.token(CALLER)
        app = create_app(notifier_settings(**overrides))
        async with running(app) as client:
            yield Notifier(app, client, token)

    return _start


def smtp_settings(port: int) -> dict[str, Any]:
    return {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}


def sms_settings(sink: HttpSink, path: str = "/sms") -> dict[str, Any]:
    return {"sms_provider": "http", "sms_http_url": sink.url(path), "sms_http_auth_value": "Bearer gw-token"}


async def eventually(
    check: Callable[[], Awaitable[T | None]] | Callable[[], T | None], *, timeout: float = 15, what: str = ""
) -> T:
    """Poll ``check`` (sync or async) until it returns something truthy, or fail at the deadline.

    A bounded wait for real background work (the dispatcher, an SMTP thread), not a timed assertion:
    the timeout only bounds a hang, nothing is asserted about how long the work took."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        result = check()
        last = await result if asyncio.iscoroutine(result) else result  # type: ignore[assignment]
        if last:
            return last
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or check}; last: {last!r}")


def otp(
    email_addr: str | None = "citizen@example.test", phone: str | None = None, **extra: Any
) -> dict[str, Any]:
    recipient = {k: v for k, v in {"email": email_addr, "phone": phone}.items() if v}
    body: dict[str, Any] = {
        "template": "otp_code",
        "locale": "ru",
        "params": {"code": "483920"},
        "recipient": recipient,
        "channels": ["email"],
    }
    body.update(extra)
    return body
