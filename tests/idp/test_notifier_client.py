"""The idp's notifier client against a real notifier on a loopback port, a closed port, a port that
never answers, and a flaky server; failures become NotifierUnavailableError with the message a
person reads."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from idp.notifications import service
from idp.notifications.client import NotifierClient
from idp.notifications.errors import NotificationRateLimitedError, NotifierUnavailableError
from shared.contracts.notifier import MessageRequest, Recipient
from tests.conftest import LiveIdp, Templates, create_database, drop_database
from tests.live import free_port, serve_in_thread

RU = "Не удалось отправить код. Попробуйте позже или выберите другой способ"
PHONE = Recipient(phone="+79161234567")


@pytest.fixture(scope="module")
def notifier_url(
    tmp_path_factory: pytest.TempPathFactory, live_idp: LiveIdp, db_templates: Templates
) -> Iterator[str]:
    """A real notifier (dev mode: deliveries land in its dev outbox) on a loopback port."""
    from notifier.main import create_app
    from notifier.settings import NotifierSettings

    url = create_database(
        tmp_path_factory.mktemp("notifier_for_idp"), "notifier", template=db_templates.url("notifier")
    )
    settings = NotifierSettings(
        database_url=url,
        dev_mode=True,
        idp_issuer=live_idp.base_url,
        idp_jwks_url=f"{live_idp.base_url}/.well-known/jwks.json",
        recipient_rate_limit="3/minute",
        dispatcher_poll_seconds=0.05,
    )
    with serve_in_thread(create_app(settings)) as base:
        yield base
    drop_database(url)


@pytest.fixture
def client(notifier_url: str, live_idp: LiveIdp) -> Iterator[NotifierClient]:
    with NotifierClient(notifier_url, lambda: live_idp.token("notifier-caller"), timeout=5) as notifier:
        yield notifier


def _expires(minutes: int = 5) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)


def test_a_code_is_queued_and_delivered(client: NotifierClient, notifier_url: str) -> None:
    email = Recipient(email="delivered@example.test")
    message_id = service.send_code(
        client,
        code="582941",
        recipient=email,
        channels=["email"],
        expires_at=_expires(),
        idempotency_key="c-1",
    )
    deadline = time.monotonic() + 10  # a bounded poll for the real dispatcher, not a timed assertion
    while (status := client.status(message_id)).status != "delivered":
        assert time.monotonic() < deadline, f"not delivered: {status}"
        time.sleep(0.05)
    assert status.params is None, "the code is purged once delivered"
    outbox = httpx.get(
        f"{notifier_url}/dev/outbox/latest", params={"address": "delivered@example.test"}
    ).json()
    assert "582941" in outbox[0]["body"] and "Код действует 5 мин" in outbox[0]["body"]


def test_the_same_idempotency_key_sends_once(client: NotifierClient) -> None:
    email = Recipient(email="twice@example.test")
    kwargs: dict[str, Any] = {
        "code": "111222",
        "recipient": email,
        "channels": ["email"],
        "expires_at": _expires(),
        "idempotency_key": "c-2",
    }
    assert service.send_code(client, **kwargs) == service.send_code(client, **kwargs)


def test_a_security_alert_is_delivered(client: NotifierClient, notifier_url: str) -> None:
    message_id = service.send_security_alert(
        client,
        kind="new_login",
        recipient=PHONE,
        channels=["sms"],
        idempotency_key="a-1",
        at=dt.datetime(2026, 11, 21, 11, 5, tzinfo=dt.UTC),
        ip="203.0.113.7",
    )
    deadline = time.monotonic() + 10  # a bounded poll for the real dispatcher, not a timed assertion
    while (status := client.status(message_id)).status != "delivered":
        assert time.monotonic() < deadline, f"not delivered: {status}"
        time.sleep(0.05)
    assert status.template == "security_alert" and status.recipient is not None
    assert status.recipient.phone == "+7916•••4567"
    outbox = httpx.get(f"{notifier_url}/dev/outbox/latest", params={"address": PHONE.phone}).json()
    assert outbox[0]["body"] == "Вход в учётную запись 21.11 14:05. Если это не вы, смените пароль."


def test_the_recipient_limit_is_a_rate_limited_error(client: NotifierClient) -> None:
    email = Recipient(email="limited@example.test")
    for i in range(3):
        service.send_code(
            client,
            code="123456",
            recipient=email,
            channels=["email"],
            expires_at=_expires(),
            idempotency_key=f"rl-{i}",
        )
    with pytest.raises(NotificationRateLimitedError) as info:
        service.send_code(
            client,
            code="123456",
            recipient=email,
            channels=["email"],
            expires_at=_expires(),
            idempotency_key="rl-3",
        )
    assert info.value.status_code == 429 and info.value.retry_after is not None
    assert isinstance(info.value, NotifierUnavailableError), "callers handling the outage also handle this"


def test_a_refused_message_is_unavailable_for_the_person(client: NotifierClient) -> None:
    request = MessageRequest(template="otp_code", params={}, recipient=PHONE, channels=["sms"])
    with pytest.raises(NotifierUnavailableError) as info:
        client.send(request, idempotency_key="bad-1")
    assert info.value.reason == "refused: 422 missing_parameter"
    assert info.value.user_message("ru") == RU


def test_a_closed_port_is_notifier_unavailable_with_the_russian_message() -> None:
    client = NotifierClient(f"http://127.0.0.1:{free_port()}", lambda: "token", timeout=1, retry_pause=0)
    with client, pytest.raises(NotifierUnavailableError) as info:
        service.send_code(
            client,
            code="123456",
            recipient=PHONE,
            channels=["sms"],
            expires_at=_expires(),
            idempotency_key="closed",
        )
    error = info.value
    assert (error.status_code, error.code) == (503, "notifier_unavailable")
    assert error.user_message("ru") == RU
    assert error.user_message("en") == "Could not send the code. Try again later or choose another method"
    assert error.extra == {"message": RU}
    assert error.reason.startswith("notifier unreachable: ConnectError")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (the kernel completes the handshake)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_a_notifier_that_never_answers_is_unavailable_after_the_timeout(silent_port: int) -> None:
    client = NotifierClient(f"http://127.0.0.1:{silent_port}", lambda: "t", timeout=0.3, retries=0)
    request = MessageRequest(
        template="otp_code", params={"code": "123456"}, recipient=PHONE, channels=["sms"]
    )
    with client, pytest.raises(NotifierUnavailableError) as info:
        client.send(request, idempotency_key="slow")
    assert info.value.reason == "notifier unreachable: ReadTimeout"


@pytest.fixture
def flaky_notifier() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Answers 503 to the first POST, then 202; records the headers of each request."""
    seen: list[dict[str, str]] = []
    lock = threading.Lock()

    async def messages(request: Request) -> JSONResponse:
        with lock:
            seen.append(dict(request.headers))
            first = len(seen) == 1
        if first:
            return JSONResponse({"code": "overloaded"}, status_code=503)
        return JSONResponse({"id": "m-1", "status": "queued"}, status_code=202)

    app = Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])
    with serve_in_thread(app) as base:
        yield base, seen


def test_a_503_is_retried_once_with_the_same_key(flaky_notifier: tuple[str, list[dict[str, str]]]) -> None:
    base, seen = flaky_notifier
    with NotifierClient(base, lambda: "svc-token", retry_pause=0) as client:
        accepted = client.send(
            MessageRequest(template="otp_code", params={"code": "123456"}, recipient=PHONE, channels=["sms"]),
            idempotency_key="retry-1",
        )
    assert accepted.id == "m-1"
    assert [h["idempotency-key"] for h in seen] == ["retry-1", "retry-1"]
    assert seen[0]["authorization"] == "Bearer svc-token"


def test_a_failing_token_source_is_notifier_unavailable(notifier_url: str) -> None:
    def no_token() -> str:
        raise RuntimeError("idp keys not loaded")

    client = NotifierClient(notifier_url, no_token)
    with client, pytest.raises(NotifierUnavailableError, match="Could not send the code") as info:
        client.status("whatever")
    assert info.value.reason == "no service token: RuntimeError"


def test_codes_are_not_logged_by_the_client(
    silent_port: int, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level("DEBUG")
    client = NotifierClient(f"http://127.0.0.1:{silent_port}", lambda: "t", timeout=0.2, retries=1)
    with client, pytest.raises(NotifierUnavailableError):
        service.send_code(
            client,
            code="QZ7731",
            recipient=PHONE,
            channels=["sms"],
            expires_at=_expires(),
            idempotency_key="log",
        )
    logged = "\n".join(str(r.__dict__) for r in caplog.records)
    assert "notifier call failed" in logged
    assert "QZ7731" not in logged and "79161234567" not in logged
