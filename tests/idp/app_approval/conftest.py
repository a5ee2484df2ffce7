"""A stand for app confirmation (issue 15 item 1): the idp in process with a movable clock, two
accounts, browsers (own cookie jars) and the simulated app page. The notifier is an address where
nothing listens, so no code is ever delivered: the code page is where the app option is chosen
(tests/idp/app_approval/test_push_live.py runs the push through a real notifier)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.accounts.service import NewAccount, create_account
from idp.audit.models import SecurityEvent
from tests.conftest import idp_settings, running
from tests.idp.conftest import CITIZEN, PASSWORD

OTHER = NewAccount(
    last_name="Смирнов",
    first_name="Олег",
    email="oleg@example.test",
    phone="+79160001122",
    snils="112-233-446 96",
    password=PASSWORD,
)
CODE_TTL = 300


class MovableClock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:2000]
    return match.group(1)


def query_value(location: str, name: str) -> str:
    return parse_qs(urlsplit(location).query)[name][0]


@dataclasses.dataclass
class Approval:
    """A login waiting for the app, as its browser sees it."""

    browser: httpx.AsyncClient
    handle: str
    number: int
    pending: str


@dataclasses.dataclass
class Stand:
    app: Any
    clock: MovableClock
    citizen_id: int
    other_id: int
    clients: list[httpx.AsyncClient]

    def browser(self) -> httpx.AsyncClient:
        """A new browser: its own cookie jar."""
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.clients.append(client)
        return client

    def update_account(self, account_id: int, **values: Any) -> None:
        with self.app.state.write_session_factory() as session:
            account = session.get(Account, account_id)
            assert account is not None
            for name, value in values.items():
                setattr(account, name, value)
            session.commit()

    def events(self, *types: str) -> list[SecurityEvent]:
        with self.app.state.session_factory() as session:
            query = select(SecurityEvent).order_by(SecurityEvent.id)
            if types:
                query = query.where(SecurityEvent.event_type.in_(types))
            return list(session.scalars(query))

    async def password_login(self, browser: httpx.AsyncClient, login: str) -> httpx.Response:
        page = await browser.get("/login")
        return await browser.post(
            "/login", data={"login": login, "password": PASSWORD, "csrf_token": csrf(page.text)}
        )

    async def add_device(self, login: str, name: str = "Мой телефон") -> str:
        """Signs in (no second factor: contacts unconfirmed) and connects an app; its credential."""
        browser = self.browser()
        assert (await self.password_login(browser, login)).status_code == 303
        page = await browser.get("/account/security/app")
        added = await browser.post(
            "/account/security/app",
            data={"name": name, "current_password": PASSWORD, "csrf_token": csrf(page.text)},
        )
        assert added.status_code == 200, added.text[:2000]
        match = re.search(r'class="secret"><code>([^<]+)</code>', added.text)
        assert match, added.text[:3000]
        return html.unescape(match.group(1))

    async def start_login(self, login: str, browser: httpx.AsyncClient | None = None) -> Approval:
        """Password, then «Подтвердить в приложении» on the code page."""
        browser = browser or self.browser()
        sent = await self.password_login(browser, login)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/login/code"), sent.text[:500]
        pending = query_value(sent.headers["location"], "p")
        code_page = await browser.get(sent.headers["location"])
        assert "Подтвердить в приложении" in code_page.text
        started = await browser.post("/login/app", data={"p": pending, "csrf_token": csrf(code_page.text)})
        assert started.status_code == 303, started.text[:1000]
        handle = query_value(started.headers["location"], "a")
        page = await browser.get(started.headers["location"])
        assert page.status_code == 200, page.text[:1000]
        match = re.search(r'class="secret"><code>([0-9]{2})</code>', page.text)
        assert match, page.text[:3000]
        return Approval(browser, handle, int(match.group(1)), pending)

    async def app_requests(self, credential: str) -> list[dict[str, Any]]:
        """The waiting sign-ins as the app's API lists them."""
        answer = await self.browser().get(
            "/api/app/approvals", headers={"Authorization": f"Bearer {credential}"}
        )
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["approvals"]
        return items

    async def tap(
        self, credential: str, handle: str, decision: str, number: int | None = None
    ) -> httpx.Response:
        """A tap on the simulated app page (dev mode)."""
        data = {
            "k": credential,
            "decision": decision,
            **({"number": str(number)} if number is not None else {}),
        }
        return await self.browser().post(f"/dev/app/approvals/{handle}", data=data)

    async def api_answer(self, credential: str, handle: str, body: dict[str, Any]) -> httpx.Response:
        return await self.browser().post(
            f"/api/app/approvals/{handle}", json=body, headers={"Authorization": f"Bearer {credential}"}
        )

    async def check(self, approval: Approval, browser: httpx.AsyncClient | None = None) -> httpx.Response:
        """«Проверить» on the login page."""
        browser = browser or approval.browser
        page = await browser.get("/login")  # any page gives the browser its CSRF token
        return await browser.post(
            "/login/app/check", data={"a": approval.handle, "csrf_token": csrf(page.text)}
        )


@pytest.fixture
async def stand(make_db: Callable[..., str]) -> AsyncIterator[Stand]:
    from idp.main import create_app

    clock = MovableClock()
    settings = idp_settings(
        make_db("idp"),
        notifier_url="http://127.0.0.1:9",  # discard: nothing is ever delivered
        login_rate_limit="1000/minute",
        code_ttl_seconds=CODE_TTL,
    )
    app = create_app(settings, clock=clock)
    async with running(app):
        with app.state.write_session_factory() as session:
            citizen_id = create_account(session, app.state.field_cipher, CITIZEN).id
            other_id = create_account(session, app.state.field_cipher, OTHER).id
            session.commit()
        stand = Stand(app, clock, citizen_id, other_id, [])
        try:
            yield stand
        finally:
            for client in stand.clients:
                await client.aclose()
