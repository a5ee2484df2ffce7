"""The passkey tests' world: an in-process idp (issuer http://testserver, a movable clock), two
accounts, and the flows a browser goes through (login, registration, options, submission)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.accounts.service import NewAccount, create_account
from idp.audit.models import SecurityEvent
from idp.main import create_app
from idp.sessions.models import UserSession
from tests.conftest import idp_settings, running
from tests.idp.conftest import CITIZEN, PASSWORD, _csrf
from tests.idp.passkeys.authenticator import SoftAuthenticator

ORIGIN = "http://testserver"
RP_ID = "testserver"
OTHER = NewAccount(
    last_name="Иванов",
    first_name="Иван",
    middle_name=None,
    birth_date=dt.date(1985, 5, 6),
    gender="M",
    email="ivan@example.test",
    phone="+79161119988",
    snils=None,
    password=PASSWORD,
)


class MovableClock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class World:
    app: Any
    clock: MovableClock
    http: httpx.AsyncClient

    def browser(self) -> httpx.AsyncClient:
        """Another browser (its own cookies) on the same app."""
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url=ORIGIN)

    def db(self) -> Any:
        return self.app.state.session_factory()

    def events(self, event_type: str) -> list[SecurityEvent]:
        with self.db() as session:
            return list(
                session.scalars(
                    select(SecurityEvent)
                    .where(SecurityEvent.event_type == event_type)
                    .order_by(SecurityEvent.id)
                )
            )

    def last_session(self, email: str) -> UserSession:
        with self.db() as session:
            account = session.scalar(select(Account).where(Account.email == email))
            assert account is not None
            row = session.scalar(
                select(UserSession)
                .where(UserSession.account_id == account.id)
                .order_by(UserSession.id.desc())
            )
            assert row is not None
            return row

    def require_second_factor(self, email: str) -> None:
        with self.db() as session:
            account = session.scalar(select(Account).where(Account.email == email))
            assert account is not None
            account.phone_verified = True
            session.commit()


@pytest.fixture
async def world(make_db: Callable[..., str]) -> AsyncIterator[World]:
    clock = MovableClock()
    app = create_app(idp_settings(make_db("idp"), issuer=ORIGIN), clock=clock)
    async with running(app) as http:
        with app.state.session_factory() as session:
            create_account(session, app.state.field_cipher, CITIZEN)
            create_account(session, app.state.field_cipher, OTHER)
            session.commit()
        yield World(app, clock, http)


async def password_login(http: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await http.get("/login")
    done = await http.post(
        "/login", data={"login": email, "password": PASSWORD, "csrf_token": _csrf(page.text)}
    )
    assert done.status_code == 303, done.text
    return done


async def register(
    http: httpx.AsyncClient, authenticator: SoftAuthenticator, name: str = "Телефон", **lie: Any
) -> httpx.Response:
    csrf = _csrf((await http.get("/account/passkeys")).text)
    options = await http.post("/account/passkeys/options", data={"csrf_token": csrf})
    assert options.status_code == 200, options.text
    body = options.json()
    return await http.post(
        "/account/passkeys",
        data={
            "csrf_token": csrf,
            "challenge": body["challenge"],
            "credential": authenticator.create(body["publicKey"], **lie),
            "name": name,
        },
    )


async def enrolled(world: World, email: str, **kwargs: Any) -> SoftAuthenticator:
    """A browser of ``email`` logs in and registers a passkey; the authenticator that holds it."""
    async with world.browser() as http:
        await password_login(http, email)
        authenticator = SoftAuthenticator(RP_ID, ORIGIN, **kwargs)
        done = await register(http, authenticator)
        assert done.status_code == 303, done.text
        if email == CITIZEN.email:
            csrf = _csrf((await http.get("/account/passkeys")).text)
            await http.post(
                "/account/passkeys/passwordless", data={"csrf_token": csrf, "passwordless": "yes"}
            )
    return authenticator


async def options_for(http: httpx.AsyncClient, pending: str = "") -> tuple[str, dict[str, Any], str]:
    page = await http.get("/login/passkey", params={"p": pending} if pending else {})
    assert page.status_code == 200, page.text
    csrf = _csrf(page.text)
    answer = await http.post("/login/passkey/options", data={"csrf_token": csrf, "p": pending})
    assert answer.status_code == 200, answer.text
    return csrf, answer.json()["publicKey"], answer.json()["challenge"]


async def submit(
    http: httpx.AsyncClient, csrf: str, challenge: str, credential: str, pending: str = ""
) -> httpx.Response:
    return await http.post(
        "/login/passkey",
        data={"csrf_token": csrf, "challenge": challenge, "credential": credential, "p": pending},
    )


async def password_and_passkey(http: httpx.AsyncClient, email: str, authenticator: SoftAuthenticator) -> str:
    """A password login whose only second factor is the passkey (no confirmed phone or e-mail):
    straight to the passkey page, then signed in; where the login continues to."""
    done = await password_login(http, email)
    location = done.headers["location"]
    assert location.startswith("/login/passkey?p="), location
    pending = location.split("p=", 1)[1]
    csrf, options, challenge = await options_for(http, pending)
    signed_in = await submit(http, csrf, challenge, authenticator.get(options), pending)
    assert signed_in.status_code == 303, signed_in.text
    return str(signed_in.headers["location"])


async def pending_login(http: httpx.AsyncClient, email: str) -> str:
    done = await password_login(http, email)
    location = done.headers["location"]
    assert location.startswith("/login/code?"), location
    match = re.search(r"p=([^&]+)", location)
    assert match
    return match.group(1)


def reason_of(event: SecurityEvent) -> str:
    return str(event.details["reason"])
