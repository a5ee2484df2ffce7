"""POST /login holds no database lock while it hashes the password or calls the notifier (issue 9:
"logins queue behind a lock held across the password hash"), and the lockout still holds when
the lock is taken only for the writes.

Each test attacks from a second database connection at the moment the login would be holding a
lock: another writer (SQLite's write lock), or ``FOR UPDATE NOWAIT`` / an advisory lock try on
PostgreSQL. Either fails at once if the login holds the lock, instead of waiting."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import create_engine, event, text, update
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from idp.accounts.models import Account
from idp.notifications.client import NotifierClient
from idp.second_factor.repository import _LOCK_NAMESPACE
from shared.db import is_sqlite
from tests.conftest import idp_settings
from tests.idp.accounts.conftest import PASSWORD, World, csrf, login, notifier_replaced
from tests.live import serve_in_thread

EMAIL = "maria@example.test"


@contextmanager
def other_connection(world: World) -> Iterator[Engine]:
    """A second client of the idp's database that never waits for a lock."""
    url = world.idp_app.state.settings.database_url
    args: dict[str, Any] = {"timeout": 0} if is_sqlite(url) else {"options": "-c lock_timeout=1"}
    engine = create_engine(url, connect_args=args)
    try:
        yield engine
    finally:
        engine.dispose()


def lock_account_now(engine: Engine, account_id: int) -> None:
    """What 5 parallel wrong passwords do: lock the account (raises if a lock is held)."""
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)
    with engine.begin() as conn:
        conn.execute(
            update(Account).where(Account.id == account_id).values(locked_until=until, failed_logins=0)
        )


def account_id(world: World) -> int:
    with world.idp_app.state.session_factory() as session:
        return int(session.execute(text("SELECT id FROM accounts")).scalar_one())


async def test_right_password_is_refused_when_the_account_locks_while_it_is_hashed(world: World) -> None:
    """The lookup reads the account unlocked; before the password's verdict is written, parallel
    wrong passwords lock it (done here by another connection right after the lookup). The right
    password must find the lock when it writes: 401 «locked», no session."""
    world.make_account()
    ident = account_id(world)
    fired: list[bool] = []

    def after_lookup(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not fired and statement.lstrip().upper().startswith("SELECT") and "FROM accounts" in statement:
            fired.append(True)
            with other_connection(world) as other:
                lock_account_now(other, ident)  # fails at once if the login holds the write lock

    engine = world.idp_app.state.engine
    async with world.client() as browser:
        form = await browser.get("/login")  # no account query before the POST
        event.listen(engine, "after_cursor_execute", after_lookup)
        try:
            answer = await browser.post(
                "/login",
                data={"login": EMAIL, "password": PASSWORD, "csrf_token": csrf(form.text)},
            )
        finally:
            event.remove(engine, "after_cursor_execute", after_lookup)
    assert fired == [True]
    assert answer.status_code == 401 and "Учётная запись заблокирована" in answer.text
    assert "idp_session" not in answer.headers.get("set-cookie", "")


class LockProbe:
    """A notifier that, when the idp calls it, checks from another connection that the idp holds
    no lock on the database or on the account, and that the code it is asked to send exists."""

    def __init__(self, world: World, account: int) -> None:
        self.world, self.account = world, account
        self.seen: list[str] = []

    def messages(self, request: Request) -> JSONResponse:
        code_id = int(request.headers["idempotency-key"].removeprefix("code:"))
        with other_connection(self.world) as other, other.begin() as conn:
            if other.dialect.name == "sqlite":
                conn.exec_driver_sql("DELETE FROM one_time_codes WHERE id = -1")  # takes the write lock
            else:
                conn.execute(
                    text("SELECT id FROM accounts WHERE id = :id FOR UPDATE NOWAIT"), {"id": self.account}
                )
                free = conn.execute(
                    text("SELECT pg_try_advisory_xact_lock(:ns, :id)"),
                    {"ns": _LOCK_NAMESPACE, "id": self.account},
                ).scalar_one()
                assert free, "the account's code lock is held during the call"
            found = conn.execute(text("SELECT count(*) FROM one_time_codes WHERE id = :id"), {"id": code_id})
            self.seen.append("code row committed" if found.scalar_one() == 1 else "code row missing")
        return JSONResponse({"id": "m-1", "status": "queued"}, status_code=202)


async def test_the_notifier_is_called_with_no_lock_held_and_the_code_committed(world: World) -> None:
    world.make_account()
    probe = LockProbe(world, account_id(world))
    app = Starlette(routes=[Route("/v1/messages", probe.messages, methods=["POST"])])
    with serve_in_thread(app) as base:
        probing = NotifierClient(base, lambda: "token", timeout=10, retries=0)
        with notifier_replaced(world.idp_app.state, probing):
            async with world.client() as browser:
                first = await login(browser, EMAIL, PASSWORD)  # a new browser: a code by SMS
    # a lock held during the call makes the probe fail (500): the page would report the notifier
    assert first.status_code == 303 and "problem" not in first.headers["location"], first.headers
    assert probe.seen == ["code row committed"]


async def test_signed_in_pages_do_not_deadlock_a_full_threadpool(make_db: Callable[..., str]) -> None:
    """The browser-session dependency writes (last seen) and so takes the write lock; the page
    handler then needs another worker thread. With the lock still held, a full threadpool whose
    workers all wait for that lock is a deadlock until SQLite's busy timeout (30 s) answers 500:
    what made the issue's trivial GETs slow under load. One worker thread, four signed-in pages
    at once: every one answers 200."""
    from idp.accounts.service import NewAccount, create_account
    from idp.main import create_app

    app = create_app(idp_settings(make_db("idp"), threadpool_size=1, login_rate_limit="1000/minute"))
    with serve_in_thread(app) as base:
        with app.state.session_factory() as session:
            create_account(
                session,
                app.state.field_cipher,
                NewAccount(last_name="Орлова", first_name="Вера", email=EMAIL, password=PASSWORD),
            )
            session.commit()
        async with httpx.AsyncClient(base_url=base, timeout=120) as browser:
            signed = await login(browser, EMAIL, PASSWORD)  # no confirmed contact: no code
            assert signed.status_code == 303 and signed.headers["location"] == "/account"
            pages = await asyncio.gather(*(browser.get("/") for _ in range(4)))
    assert [p.status_code for p in pages] == [200] * 4
