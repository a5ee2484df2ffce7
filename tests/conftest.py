"""Fixtures that build real things: migrated databases, apps from create_app, httpx clients.

Databases are SQLite files under pytest's tmp_path by default. With ``TEST_DATABASE_URL`` set to a
PostgreSQL server URL (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), every
service database is a fresh PostgreSQL database created here and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared import migrations

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = {
    "idp": ROOT / "services/idp/migrations",
    "egisz_api": ROOT / "services/egisz_api/migrations",
    "notifier": ROOT / "services/notifier/migrations",
}
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _pg_admin_url() -> str:
    assert TEST_DATABASE_URL
    return TEST_DATABASE_URL


def create_database(tmp_path: Path, name: str) -> str:
    """A fresh, empty database URL for one service in one test."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    db_name = f"t_{name}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()
    return make_url(_pg_admin_url()).set(database=db_name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def make_db(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``make_db("idp")`` → URL of a new database; ``migrate=True`` upgrades it to head."""
    created: list[str] = []

    def _make(service: str, *, migrate: bool = True) -> str:
        url = create_database(tmp_path, f"{service}_{len(created)}")
        created.append(url)
        if migrate:
            migrations.upgrade(MIGRATIONS[service], url)
        return url

    yield _make
    for url in created:
        drop_database(url)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan entered, behind an in-process httpx client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def idp_settings(database_url: str, **overrides: Any) -> Any:
    from idp.settings import IdpSettings

    values: dict[str, Any] = {
        "database_url": database_url,
        "dev_mode": True,
        "log_json": True,
        "key_cache_seconds": 0,
        "metadata_cache_seconds": 0,
        "client_cache_seconds": 0,
        "backchannel_logout_backoff": 0.05,
    }
    values.update(overrides)
    return IdpSettings(**values)


@pytest.fixture
async def idp(make_db: Callable[..., str]) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    from idp.main import create_app

    app = create_app(idp_settings(make_db("idp")))
    async with running(app) as client:
        yield app, client


class LiveIdp:
    """A real idp on a loopback port with registered service clients."""

    def __init__(self, app: FastAPI, base_url: str) -> None:
        self.app = app
        self.base_url = base_url
        self.secrets: dict[str, str] = {}

    def register(self, client_id: str, *, scopes: list[str], audience: str) -> None:
        from idp.clients.service import ClientSpec, register_client

        spec = ClientSpec(
            client_id=client_id,
            name=client_id,
            grant_types=["client_credentials"],
            scopes=scopes,
            default_audience=audience,
            audiences=[audience],
        )
        with self.app.state.write_session_factory() as session:
            _, secret = register_client(session, self.app.state.secret_hasher, spec)
            session.commit()
        assert secret
        self.secrets[client_id] = secret

    def token(self, client_id: str, **form: str) -> str:
        response = httpx.post(
            f"{self.base_url}/token",
            data={"grant_type": "client_credentials", **form},
            auth=(client_id, self.secrets[client_id]),
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


@pytest.fixture(scope="session")
def live_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveIdp]:
    from idp.main import create_app
    from tests.live import serve_in_thread

    tmp = tmp_path_factory.mktemp("live_idp")
    url = create_database(tmp, "live_idp")
    migrations.upgrade(MIGRATIONS["idp"], url)
    from tests.live import free_port

    port = free_port()
    app = create_app(idp_settings(url, issuer=f"http://127.0.0.1:{port}"))
    with serve_in_thread(app, port) as base:
        idp = LiveIdp(app, base)
        idp.register("notifier-caller", scopes=["notify:send"], audience="notifier")
        idp.register("egisz-caller", scopes=["egisz:read"], audience="egisz")
        yield idp
    drop_database(url)
