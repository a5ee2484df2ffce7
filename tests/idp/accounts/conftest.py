"""A small world for the account features: the idp and the notifier over real HTTP on loopback
ports, the notifier delivering to a real SMTP server (aiosmtpd) and a local HTTP SMS gateway.
Codes are read where a person would read them: in the SMS and the e-mail."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.routing import Route

from idp.accounts.service import NewAccount, create_account
from idp.notifications.client import NotifierClient
from tests.conftest import idp_settings
from tests.live import free_port, serve_in_thread
from tests.notifier.conftest import HttpSink, SmtpSink

PASSWORD = "Correct-Horse-9"
#: matches the built-in registry's record (accounts/registry.py DEMO_PASSPORTS)
REGISTRATION = {
    "last_name": "Сидоров",
    "first_name": "Пётр",
    "middle_name": "Алексеевич",
    "birth_date": "1978-09-30",
    "snils": "112-233-445 95",
    "inn": "",
    "phone": "+7 916 555-44-33",
    "email": "sidorov@example.test",
    "passport_series": "4512",
    "passport_number": "111222",
    "passport_issue_date": "2005-10-01",
    "passport_issuer": "ОВД района Хамовники г. Москвы",
    "passport_division_code": "772-001",
    "password": "Zebra-Lantern-77",
}


def registration_form(**overrides: str) -> dict[str, str]:
    """REGISTRATION as the page posts it: each date as its day, month and year boxes."""
    data = {**REGISTRATION, **overrides}
    for name in ("birth_date", "passport_issue_date"):
        year, month, day = data.pop(name).split("-")
        data.update({f"{name}-day": day, f"{name}-month": month, f"{name}-year": year})
    return data


CODE = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")


@dataclass
class World:
    idp_url: str
    notifier_url: str
    idp_app: Any
    smtp: SmtpSink
    sms: HttpSink

    def client(self) -> httpx.AsyncClient:
        """A browser: its own cookie jar."""
        return httpx.AsyncClient(base_url=self.idp_url, timeout=120)

    def sms_texts(self, phone: str) -> list[str]:
        """The texts of the SMS sent to ``phone`` (only the text: the gateway body also carries
        the message id, a UUID whose digits could pass for a code)."""
        return [
            str(body["text"]) for body in (r.json() for r in self.sms.on("/sms")) if body.get("to") == phone
        ]

    # The waits below are bounded polls for real deliveries (notifier dispatcher -> SMTP/SMS sinks),
    # not timed assertions: the timeout only bounds a hang.
    async def sms_code(self, phone: str, *, after: int = 0, timeout: float = 15) -> str:
        """The code in the newest SMS to ``phone`` beyond the first ``after`` ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # the newest message with a code: notices (new login, level) may arrive in between
            for text in reversed(self.sms_texts(phone)[max(after, 0) :]):
                if "код" in text.lower() and (match := CODE.search(text)):
                    return match.group(1)
            await asyncio.sleep(0.05)
        raise AssertionError(f"no SMS code for {phone}")

    def mails_to(self, address: str) -> list[Any]:
        with self.smtp.lock:
            return [m for m in self.smtp.received if address in m.rcpt_tos]

    async def mail(self, address: str, *, after: int = 0, timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mails = self.mails_to(address)
            if len(mails) > after:
                return mails[-1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no e-mail to {address}")

    async def email_code(self, address: str, *, after: int = 0, timeout: float = 15) -> str:
        """The code in the first e-mail to ``address`` beyond the first ``after`` that carries one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in self.mails_to(address)[after:]:
                if match := CODE.search(mail.part("plain")):
                    return match.group(1)
            await asyncio.sleep(0.05)
        raise AssertionError(f"no e-mailed code for {address}")

    async def wait_messages(self, phone: str, address: str, count: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.sms_texts(phone)) + len(self.mails_to(address)) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("messages did not arrive")

    def make_account(self, **overrides: Any) -> NewAccount:
        data: dict[str, Any] = {
            "last_name": "Кузнецова",
            "first_name": "Мария",
            "middle_name": "Ивановна",
            "birth_date": dt.date(1995, 6, 15),
            "email": "maria@example.test",
            "phone": "+79167778899",
            "snils": "112-233-445 95",
            "password": PASSWORD,
            "level": "standard",
            "email_verified": True,
            "phone_verified": True,
            "passport_series": "4513",
            "passport_number": "333444",
        }
        data.update(overrides)
        account = NewAccount(**data)
        with self.idp_app.state.session_factory() as session:
            create_account(session, self.idp_app.state.field_cipher, account)
            session.commit()
        return account


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def form_values(html: str) -> dict[str, str]:
    """The text fields of a page's forms as a browser would submit them (name → value), the
    day / month / year fields of a date included."""
    values = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'\bname="([^"]+)"', tag)
        kind = re.search(r'\btype="([^"]+)"', tag)
        if name and kind and kind.group(1) == "text":
            value = re.search(r'\bvalue="([^"]*)"', tag)
            values[name.group(1)] = value.group(1) if value else ""
    return values


def handle_of(location: str, name: str = "p") -> str:
    return parse_qs(urlsplit(location).query)[name][0]


async def login(browser: httpx.AsyncClient, login_value: str, password: str) -> httpx.Response:
    page = await browser.get("/login")
    return await browser.post(
        "/login", data={"login": login_value, "password": password, "csrf_token": csrf(page.text)}
    )


async def submit_code(
    browser: httpx.AsyncClient, location: str, code: str, trust: bool = False
) -> httpx.Response:
    page = await browser.get(location)
    data = {"p": handle_of(location), "code": code, "csrf_token": csrf(page.text)}
    if trust:
        data["trust"] = "yes"
    return await browser.post("/login/code", data=data)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port  # type: ignore[attr-defined]
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def sms_sink() -> Iterator[HttpSink]:
    sink = HttpSink()
    app = Starlette(routes=[Route("/{path:path}", sink.handle, methods=["POST"])])
    with serve_in_thread(app) as base:
        sink.base_url = base
        yield sink


@pytest.fixture
async def world(make_db: Callable[..., str], smtp_sink: SmtpSink, sms_sink: HttpSink) -> AsyncIterator[World]:
    from idp.main import create_app as create_idp
    from notifier.main import create_app as create_notifier
    from notifier.settings import NotifierSettings
    from tests.notifier.conftest import FAST

    idp_port, notifier_port = free_port(), free_port()
    idp_url, notifier_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{notifier_port}"
    idp_app = create_idp(
        idp_settings(
            make_db("idp"),
            issuer=idp_url,
            notifier_url=notifier_url,
            login_rate_limit="1000/minute",
            code_resend_cooldown_seconds=0,
        )
    )
    notifier_app = create_notifier(
        NotifierSettings(
            database_url=make_db("notifier"),
            dev_mode=True,
            dev_outbox=False,
            idp_issuer=idp_url,
            idp_jwks_url=f"{idp_url}/.well-known/jwks.json",
            smtp_host="127.0.0.1",
            smtp_port=smtp_sink.port,  # type: ignore[attr-defined]
            smtp_security="none",
            sms_provider="http",
            sms_http_url=sms_sink.url("/sms"),
            sms_http_auth_value="Bearer gw-token",
            recipient_rate_limit="1000/hour",
            **FAST,
        )
    )
    with serve_in_thread(idp_app, idp_port), serve_in_thread(notifier_app, notifier_port):
        yield World(idp_url, notifier_url, idp_app, smtp_sink, sms_sink)


@contextmanager
def notifier_replaced(state: Any, client: NotifierClient) -> Iterator[None]:
    """The idp app talks to ``client`` instead of its notifier for a while: the code and notice
    contexts are rebuilt around it (they are frozen and built once in create_app)."""
    saved = (state.notifier, state.login_context, state.accounts_context)
    codes = dataclasses.replace(state.login_context.codes, notifier=client)
    notices = dataclasses.replace(state.login_context.notices, notifier=client)
    state.notifier = client
    state.login_context = dataclasses.replace(state.login_context, codes=codes, notices=notices)
    state.accounts_context = dataclasses.replace(state.accounts_context, codes=codes, notices=notices)
    try:
        yield
    finally:
        client.close()
        state.notifier, state.login_context, state.accounts_context = saved
