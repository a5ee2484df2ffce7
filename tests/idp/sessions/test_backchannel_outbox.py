"""Durable back-channel logout (OIDC Back-Channel Logout 1.0 §2.5, §2.8): the outbox is written with
the session's end, survives a restart, and the dispatcher retries, gives up and reclaims by the
rules. The dispatcher is driven by its one-pass function with an injected clock; receivers are real
HTTP servers on loopback ports."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import pytest
from fastapi import FastAPI, Form, Response
from jose import jwt
from sqlalchemy import select

from idp.accounts.service import create_account
from idp.clients.service import ClientSpec, delete_client, register_client
from idp.sessions import outbox
from idp.sessions import service as sessions_service
from idp.sessions.backchannel import BackchannelDispatcher, build_dispatcher
from idp.sessions.models import BackchannelLogout
from shared.db import utcnow
from shared.outbox import run_write_transaction
from tests.conftest import idp_settings, running
from tests.idp.conftest import CITIZEN, ISSUER, decode
from tests.live import free_port, serve_in_thread

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class Receiver:
    """A relying party's back-channel endpoint: answers the queued statuses, then 200."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.answers: list[int] = []
        self.received = threading.Event()
        self.app = FastAPI()

        @self.app.post("/bc")
        def receive(logout_token: str = Form()) -> Response:
            status = self.answers.pop(0) if self.answers else 200
            if status == 200:
                self.tokens.append(logout_token)
                self.received.set()
            return Response(status_code=status, headers={"Cache-Control": "no-store"})

    @contextmanager
    def serving(self, port: int) -> Iterator[None]:
        with serve_in_thread(self.app, port):
            yield


@dataclass
class World:
    app: FastAPI
    port: int
    sub: str
    account_id: int

    def dispatcher(self, clock: Clock) -> BackchannelDispatcher:
        state = self.app.state
        return build_dispatcher(
            state.settings, state.session_factory, state.token_issuer, clock=clock, rng=random.Random(7)
        )

    def end_a_session(self, on_commit: Callable[..., object] | None = None) -> str:
        """A session in which rp-bc got tokens, ended (as by logout); its sid."""
        state = self.app.state
        with state.write_session_factory() as session:
            row, _ = sessions_service.start_session(
                session,
                state.session_policy,
                account_id=self.account_id,
                acr="a",
                amr=["pwd"],
                ip=None,
                user_agent=None,
            )
            sessions_service.remember_client(session, row, "rp-bc")
            sessions_service.remember_client(session, row, "rp-quiet")  # no back-channel URI
            sessions_service.end_session(session, row, "logout", subject=self.sub, on_commit=on_commit)
            session.commit()
            return row.sid

    def rows(self) -> list[BackchannelLogout]:
        with self.app.state.session_factory() as session:
            return list(session.scalars(select(BackchannelLogout).order_by(BackchannelLogout.id)))


def _settings(url: str, **overrides: object) -> object:
    values: dict[str, object] = {
        "issuer": ISSUER,
        "backchannel_dispatcher_enabled": False,  # the tests drive it by hand
        "backchannel_logout_attempts": 3,
        "backchannel_logout_backoff": 10.0,
        "backchannel_logout_lease_seconds": 60.0,
        "backchannel_logout_timeout": 2.0,
    }
    values.update(overrides)
    return idp_settings(url, **values)


@asynccontextmanager
async def idp_app(url: str, **overrides: object) -> AsyncIterator[FastAPI]:
    from idp.main import create_app

    app = create_app(_settings(url, **overrides))  # type: ignore[arg-type]
    async with running(app):
        yield app


def _seed(app: FastAPI, port: int) -> World:
    """A person, and two relying parties: rp-bc listens on ``port``, rp-quiet has no back-channel."""
    with app.state.write_session_factory() as session:
        account = create_account(session, app.state.field_cipher, CITIZEN)
        for client_id, uri in (("rp-bc", f"http://127.0.0.1:{port}/bc"), ("rp-quiet", None)):
            register_client(
                session,
                app.state.secret_hasher,
                ClientSpec(
                    client_id=client_id,
                    name=client_id,
                    grant_types=["authorization_code"],
                    scopes=["openid"],
                    redirect_uris=["https://rp.example.test/cb"],
                    backchannel_logout_uri=uri,
                    signing_alg="ES256",
                ),
            )
        session.commit()
        return World(app, port, account.sub, account.id)


@pytest.fixture
async def world(make_db: Callable[..., str]) -> AsyncIterator[World]:
    async with idp_app(make_db("idp")) as app:
        yield _seed(app, free_port())


async def _jwks(app: FastAPI) -> dict[str, object]:
    return dict(app.state.key_store.jwks())


async def test_ending_a_session_writes_one_row_per_listening_client_and_no_token(world: World) -> None:
    sid = world.end_a_session()
    [row] = world.rows()
    assert (row.client_id, row.subject, row.sid, row.status, row.attempts) == (
        "rp-bc",
        world.sub,
        sid,
        "queued",
        0,
    )
    stored = [str(getattr(row, c.key)) for c in BackchannelLogout.__table__.columns]
    assert not any(value.startswith("eyJ") for value in stored), "a logout token must not be stored"


async def test_a_rolled_back_session_end_queues_nothing(world: World) -> None:
    state = world.app.state
    with state.write_session_factory() as session:
        row, _ = sessions_service.start_session(
            session,
            state.session_policy,
            account_id=world.account_id,
            acr="a",
            amr=["pwd"],
            ip=None,
            user_agent=None,
        )
        sessions_service.remember_client(session, row, "rp-bc")
        session.commit()
        sessions_service.end_session(session, row, "logout", subject=world.sub, on_commit=None)
        session.rollback()
    assert world.rows() == []


async def test_a_logout_queued_before_a_restart_is_delivered_after_it(make_db: Callable[..., str]) -> None:
    url, port = make_db("idp"), free_port()
    async with idp_app(url) as first:
        before = _seed(first, port)
        sid, sub = before.end_a_session(), before.sub
    # That process has stopped (its lifespan ended) before delivering anything; a new one starts.
    async with idp_app(url) as restarted:
        world = World(restarted, port, sub, 0)
        assert [r.status for r in world.rows()] == ["queued"]
        receiver = Receiver()
        with receiver.serving(port):
            dispatcher = world.dispatcher(Clock(utcnow()))
            assert await dispatcher.run_once() == 1
        [token] = receiver.tokens
        assert jwt.get_unverified_header(token)["typ"] == "logout+jwt"
        claims = decode(token, await _jwks(restarted), audience="rp-bc")
        assert claims["sid"] == sid and claims["sub"] == sub and BACKCHANNEL_EVENT in claims["events"]
        assert "nonce" not in claims and claims["exp"] - claims["iat"] <= 120
        [row] = world.rows()
        assert (row.status, row.attempts, row.last_error) == ("delivered", 1, None)
        assert await dispatcher.run_once() == 0, "delivered means delivered once"


async def test_a_receiver_that_is_down_then_up_gets_the_logout(world: World) -> None:
    world.end_a_session()
    clock = Clock(utcnow())
    dispatcher = world.dispatcher(clock)
    assert await dispatcher.run_once() == 1  # nothing listens on the port yet
    [row] = world.rows()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "ConnectError")
    assert row.next_attempt_at is not None and row.next_attempt_at > clock.now
    assert await dispatcher.run_once() == 0, "not due before its backoff"
    receiver = Receiver()
    with receiver.serving(world.port):
        clock.advance(10.0)  # the first retry waits 5-10 s (backoff 10 s, equal jitter)
        assert await dispatcher.run_once() == 1
    assert len(receiver.tokens) == 1
    [row] = world.rows()
    assert (row.status, row.attempts) == ("delivered", 2)


async def test_retries_stop_after_the_configured_attempts(world: World) -> None:
    world.end_a_session()
    clock = Clock(utcnow())
    dispatcher = world.dispatcher(clock)
    receiver = Receiver()
    receiver.answers = [503, 503, 503, 503]
    with receiver.serving(world.port):
        for _ in range(3):
            assert await dispatcher.run_once() == 1
            clock.advance(3600)
        assert await dispatcher.run_once() == 0
    [row] = world.rows()
    assert (row.status, row.attempts, row.last_error) == ("dead", 3, "HTTP 503")
    assert receiver.tokens == [] and receiver.answers == [503]


async def test_a_receiver_that_refuses_the_logout_is_not_retried(world: World) -> None:
    """§2.8: 400 says the RP refused this logout; sending it again would not change its mind."""
    world.end_a_session()
    clock = Clock(utcnow())
    receiver = Receiver()
    receiver.answers = [400]
    with receiver.serving(world.port):
        assert await world.dispatcher(clock).run_once() == 1
        clock.advance(3600)
        assert await world.dispatcher(clock).run_once() == 0
    [row] = world.rows()
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, "HTTP 400")


async def test_a_claim_whose_dispatcher_died_is_taken_again_after_the_lease(world: World) -> None:
    world.end_a_session()
    clock = Clock(utcnow())
    survivor = world.dispatcher(clock)
    # Another process claims the row and dies before recording anything.
    run_write_transaction(
        world.app.state.write_session_factory,
        lambda s: outbox.claim_due(
            s, now=clock.now, limit=10, token="dead-process", policy=survivor.policy, rng=random.Random(1)
        ),
    )
    receiver = Receiver()
    with receiver.serving(world.port):
        assert await survivor.run_once() == 0, "the lease still holds"
        clock.advance(61)
        assert await survivor.run_once() == 1
    assert len(receiver.tokens) == 1
    [row] = world.rows()
    assert (row.status, row.attempts) == ("delivered", 2), "the lost attempt counts"


async def test_a_deleted_client_ends_its_pending_logouts_as_dead(world: World) -> None:
    world.end_a_session()
    with world.app.state.write_session_factory() as session:
        delete_client(session, "rp-bc")
        session.commit()
    assert await world.dispatcher(Clock(utcnow())).run_once() == 0
    [row] = world.rows()
    assert (row.status, row.last_error) == ("dead", outbox.NO_URI_REASON)


async def test_a_revoked_grant_queues_a_logout_for_that_client_only(world: World) -> None:
    state = world.app.state
    with state.write_session_factory() as session:
        row, _ = sessions_service.start_session(
            session,
            state.session_policy,
            account_id=world.account_id,
            acr="a",
            amr=["pwd"],
            ip=None,
            user_agent=None,
        )
        sessions_service.remember_client(session, row, "rp-bc")
        deliveries = sessions_service.log_client_out(session, world.account_id, "rp-bc", world.sub, None)
        session.commit()
    assert [d.client_id for d in deliveries] == ["rp-bc"]
    assert [(r.client_id, r.sid) for r in world.rows()] == [("rp-bc", row.sid)]


async def test_finished_logouts_are_forgotten_after_the_retention(world: World) -> None:
    world.end_a_session()
    clock = Clock(utcnow())
    receiver = Receiver()
    with receiver.serving(world.port):
        assert await world.dispatcher(clock).run_once() == 1
    clock.advance(6 * 86400)
    assert await world.dispatcher(clock).run_once() == 0
    assert [r.status for r in world.rows()] == ["delivered"], "kept for seven days"
    clock.advance(2 * 86400)
    assert await world.dispatcher(clock).run_once() == 0
    assert world.rows() == []


async def test_the_dispatcher_started_with_the_app_delivers_when_woken_by_the_commit(
    make_db: Callable[..., str],
) -> None:
    """The wiring: the lifespan starts the loop, the commit wakes it (no poll needed: 60 s)."""
    port = free_port()
    async with idp_app(
        make_db("idp"), backchannel_dispatcher_enabled=True, backchannel_dispatcher_poll_seconds=60
    ) as app:
        world = _seed(app, port)
        assert app.state.backchannel.running
        receiver = Receiver()
        with receiver.serving(port):
            world.end_a_session(on_commit=app.state.backchannel.dispatch)
            assert await asyncio.to_thread(receiver.received.wait, 30), "not delivered"
        assert len(receiver.tokens) == 1


async def test_two_dispatchers_at_once_deliver_each_logout_once(world: World) -> None:
    """Replicas: claims are row locks with SKIP LOCKED (PostgreSQL) or serialised (SQLite)."""
    sids = {world.end_a_session() for _ in range(6)}
    clock = Clock(utcnow())
    receiver = Receiver()
    with receiver.serving(world.port):
        first, second = world.dispatcher(clock), world.dispatcher(clock)
        claimed = await asyncio.gather(first.run_once(), second.run_once())
    assert sum(claimed) == 6
    jwks = await _jwks(world.app)
    assert {decode(t, jwks, audience="rp-bc")["sid"] for t in receiver.tokens} == sids
    assert len(receiver.tokens) == 6
    assert {(r.status, r.attempts) for r in world.rows()} == {("delivered", 1)}
