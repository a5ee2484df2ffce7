"""The per-process revocation list behind introspection (idp.tokens.revocations), and the cache
of verified signatures (idp.tokens.verify): attacked where memory could vouch for a dead token."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jose import jwt
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from idp.keys import service as keys_service
from idp.tokens import revocations as revocations_module
from idp.tokens.models import IssuedAccessToken
from idp.tokens.revocations import RevocationList
from shared.db import make_engine, make_sessionmaker, utcnow
from tests.idp.conftest import Provider


async def _introspect(provider: Provider, token: str) -> dict[str, Any]:
    response = await provider.http.post("/introspect", data={"token": token}, auth=provider.rp.basic())
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _jti(token: str) -> str:
    return str(jwt.get_unverified_claims(token)["jti"])


@pytest.fixture
def other_replica(provider: Provider) -> Iterator[sessionmaker[Session]]:
    """Sessions of another process: same database, but they cannot tell this app's list."""
    engine = make_engine(provider.app.state.settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


class Clock:
    """Wall and monotonic time that move only when the test says so; starts at the real now, since
    the rows a test stores are stamped with it."""

    def __init__(self) -> None:
        self._start = utcnow()
        self._elapsed = 0.0

    def wall(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return 1000.0 + self._elapsed

    def advance(self, seconds: float) -> None:
        self._elapsed += seconds


def _store(factory: sessionmaker[Session], jti: str, *, revoked_ago: float, expires_in: float) -> None:
    now = utcnow()
    with factory() as session:
        session.add(
            IssuedAccessToken(
                jti=jti,
                client_id="rp-web",
                expires_at=now + dt.timedelta(seconds=expires_in),
                revoked_at=now - dt.timedelta(seconds=revoked_ago),
            )
        )
        session.commit()


async def test_a_revocation_by_another_replica_reaches_introspection_within_the_interval(
    provider: Provider, other_replica: sessionmaker[Session]
) -> None:
    provider.app.state.client_directory._ttl = 300  # a cached client: introspection's memory path
    revocations: RevocationList = provider.app.state.revocations
    revocations.sync_seconds = 0.2
    revocations.changed()  # wake the reader so it takes the short interval now
    tokens = await provider.tokens(scope="openid")
    jti = _jti(tokens["access_token"])
    assert (await _introspect(provider, tokens["access_token"]))["active"] is True
    assert revocations.answer(jti) is False  # memory answers: no database read per call

    with other_replica() as session:
        session.execute(
            update(IssuedAccessToken).where(IssuedAccessToken.jti == jti).values(revoked_at=utcnow())
        )
        session.commit()

    # a bounded poll for the real background reader (sync_seconds=0.2), not a timed assertion
    deadline = time.monotonic() + 10
    while (await _introspect(provider, tokens["access_token"]))["active"]:
        assert time.monotonic() < deadline, "the other replica's revocation never reached memory"
        await asyncio.sleep(0.05)
    assert revocations.answer(jti) is True


async def test_a_revocation_made_here_is_seen_at_once_even_with_a_slow_reader(provider: Provider) -> None:
    provider.app.state.client_directory._ttl = 300  # a cached client: introspection's memory path
    revocations: RevocationList = provider.app.state.revocations
    revocations.sync_seconds = 3600  # the reader only runs when woken
    rs_token = await provider.tokens(scope="openid")
    assert (await _introspect(provider, rs_token["access_token"]))["active"] is True
    await provider.http.post("/revoke", data={"token": rs_token["access_token"]}, auth=provider.rp.basic())
    assert (await _introspect(provider, rs_token["access_token"]))["active"] is False


def test_the_list_declines_until_it_has_read_and_after_a_local_change(
    other_replica: sessionmaker[Session],
) -> None:
    factory = other_replica
    revocations = RevocationList(factory, sync_seconds=1)
    assert revocations.answer("anything") is None  # never read: cannot vouch
    revocations.sync()
    assert revocations.answer("anything") is False
    _store(factory, "jti-1", revoked_ago=0, expires_in=600)
    revocations.changed()  # what a committed local revocation does
    assert revocations.answer("jti-1") is None  # the database must be asked until the next read
    revocations.sync()
    assert revocations.answer("jti-1") is True


def test_a_list_that_cannot_read_stops_answering(other_replica: sessionmaker[Session]) -> None:
    clock = Clock()
    revocations = RevocationList(other_replica, sync_seconds=1, clock=clock.wall, monotonic=clock.monotonic)
    revocations.sync()
    assert revocations.answer("x") is False
    clock.advance(revocations_module.STALE_AFTER)  # the last good read is just old enough
    assert revocations.answer("x") is False
    clock.advance(1)  # no read since: memory can no longer vouch
    assert revocations.answer("x") is None


def test_reads_pick_up_late_commits_and_forget_expired_tokens(other_replica: sessionmaker[Session]) -> None:
    factory = other_replica
    clock = Clock()
    revocations = RevocationList(factory, sync_seconds=1, clock=clock.wall, monotonic=clock.monotonic)
    revocations.sync()
    # stamped 30 s ago by a transaction that only committed now: inside the overlap, still found
    _store(factory, "late", revoked_ago=30, expires_in=600)
    _store(factory, "short", revoked_ago=0, expires_in=1)
    revocations.sync()
    assert revocations.answer("late") is True and revocations.answer("short") is True
    clock.advance(2)  # "short" has expired
    revocations.sync()
    assert revocations.answer("late") is True
    assert revocations.answer("short") is False and len(revocations) == 1


async def test_a_cached_signature_does_not_outlive_its_key(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid")
    token = tokens["access_token"]
    assert (await _introspect(provider, token))["active"] is True  # verified once: now cached
    kid = jwt.get_unverified_header(token)["kid"]
    with provider.app.state.session_factory() as session:
        keys_service.add_next_key(session, provider.app.state.key_encryptor, "RS256")
        keys_service.promote_next_key(session, "RS256")
        retired = keys_service.retire_expired_previous_keys(session, "RS256", dt.timedelta(0))
        session.commit()
    assert kid in retired
    provider.app.state.key_store.invalidate()
    assert await _introspect(provider, token) == {"active": False}


async def test_a_tampered_token_is_not_taken_for_the_cached_original(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid")
    token = tokens["access_token"]
    assert (await _introspect(provider, token))["active"] is True
    header, _, signature = token.split(".")
    claims = jwt.get_unverified_claims(token)
    claims["scope"] = "openid admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    assert await _introspect(provider, forged) == {"active": False}
    assert (await _introspect(provider, token))["active"] is True
