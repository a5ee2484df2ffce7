"""Fixtures of the audit tests: a migrated egisz database, sinks over a journal in tmp_path, AccessRecords,
and (for the HTTP tests) a real JWKS endpoint on loopback with tokens signed by its key."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from egisz_api.audit.balp import AccessRecord, Outcome
from egisz_api.audit.journal import Journal
from egisz_api.audit.sink import DurableAuditSink
from shared.db import make_engine, make_sessionmaker
from tests.conftest import running
from tests.live import serve_in_thread

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def access(**overrides: Any) -> AccessRecord:
    values: dict[str, Any] = {
        "interaction": "read",
        "recorded": T0,
        "outcome": Outcome.SUCCESS,
        "subject": "doctor-7",
        "subject_name": "Иванов Иван Иванович",
        "who": "Practitioner/7",
        "roles": ("practitioner",),
        "client_id": "mis-1",
        "source_ip": "10.0.0.5",
        "resource_type": "Observation",
        "resource_id": "obs-1",
        "patient_id": "p1",
        "purpose_of_use": ("TREAT",),
        "token_id": "jti-1",
        "request_id": "req-1",
    }
    values.update(overrides)
    return AccessRecord(**values)


@pytest.fixture
def egisz_db(make_db: Callable[..., str]) -> Iterator[tuple[str, Engine]]:
    url = make_db("egisz_api")
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


@pytest.fixture
def factory(egisz_db: tuple[str, Engine]) -> sessionmaker[Session]:
    return make_sessionmaker(egisz_db[1], write_lock=True)


@pytest.fixture
def journal_dir(tmp_path: Path) -> Path:
    return tmp_path / "journal"


@pytest.fixture
def make_sink(factory: sessionmaker[Session], journal_dir: Path) -> Iterator[Callable[..., DurableAuditSink]]:
    sinks: list[DurableAuditSink] = []

    def _make(**options: Any) -> DurableAuditSink:
        sink = DurableAuditSink(
            options.pop("session_factory", factory),
            Journal(journal_dir, fsync=options.pop("fsync", True)),
            observer="egisz-test",
            **options,
        )
        sinks.append(sink)
        return sink

    yield _make
    for sink in sinks:
        sink.close()


class TokenMinter:
    """An RS256 key published at a real JWKS URL; tokens for the egisz audience."""

    issuer = "https://idp.test"
    kid = "audit-test-key"

    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.jwk = {**jwk.construct(public, "RS256").to_dict(), "kid": self.kid, "use": "sig"}
        self.jwks_url = ""

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": "egisz", "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}
        body.update(claims)
        return str(jwt.encode(body, self.pem, algorithm="RS256", headers={"kid": self.kid}))


@pytest.fixture(scope="module")
def minter() -> Iterator[TokenMinter]:
    minted = TokenMinter()

    async def jwks(_request: Any) -> JSONResponse:
        return JSONResponse({"keys": [minted.jwk]})

    with serve_in_thread(Starlette(routes=[Route("/jwks", jwks)])) as base:
        minted.jwks_url = f"{base}/jwks"
        yield minted


@pytest.fixture
async def egisz_app(
    egisz_db: tuple[str, Engine], minter: TokenMinter, journal_dir: Path
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    settings = EgiszSettings(
        database_url=egisz_db[0],
        dev_mode=True,
        idp_issuer=minter.issuer,
        idp_jwks_url=minter.jwks_url,
        audit_journal_dir=journal_dir,
        audit_journal_fsync=False,
    )
    app = create_app(settings)
    async with running(app) as client:
        yield app, client
