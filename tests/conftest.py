"""Fixtures that build real things: migrated databases, apps from create_app, httpx clients.

Databases are SQLite files under pytest's tmp_path by default. With ``TEST_DATABASE_URL`` set to a
PostgreSQL server URL (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), every
service database is a fresh PostgreSQL database created here and dropped afterwards.

Migrating is the slow part of a fresh database, so each service is migrated once per session (per
xdist worker) into a template, and every test gets a copy of it: the SQLite file is copied, a
PostgreSQL database is created ``TEMPLATE`` the migrated one. ``make_db(service, migrate=False)``
still gives an empty database for the tests that run the migrations themselves.
"""

from __future__ import annotations

import os
import shutil
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
from tests import xdist_groups

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = {
    "idp": ROOT / "services/idp/migrations",
    "egisz_api": ROOT / "services/egisz_api/migrations",
    "notifier": ROOT / "services/notifier/migrations",
}
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
#: Unique per test process (each xdist worker is one): PostgreSQL database names of concurrent runs,
#: and of the workers of one run, never meet on the shared server.
RUN_ID = uuid.uuid4().hex[:8]


def _pg_admin_url() -> str:
    assert TEST_DATABASE_URL
    return TEST_DATABASE_URL


def _pg_url(db_name: str) -> str:
    # A test database need not survive a crash: commits return without waiting for the WAL flush
    # (the suite commits thousands of times; durability is PostgreSQL's, not under test here).
    url = make_url(_pg_admin_url()).set(database=db_name)
    url = url.update_query_dict({"options": "-c synchronous_commit=off"})
    return url.render_as_string(hide_password=False)


def _pg_execute(statement: str) -> None:
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def create_database(tmp_path: Path, name: str, *, template: str | None = None) -> str:
    """A new database URL for one service in one test: empty, or a copy of ``template`` (a URL
    from :class:`Templates`)."""
    if not TEST_DATABASE_URL:
        path = tmp_path / f"{name}.db"
        if template is not None:
            source = make_url(template).database
            assert source
            shutil.copyfile(source, path)
        return f"sqlite:///{path}"
    db_name = f"t_{name}_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    # CREATE DATABASE ... TEMPLATE copies the migrated database (PostgreSQL requires that nobody is
    # connected to the template: Templates disposes its engines before handing the URL out)
    source = f' TEMPLATE "{make_url(template).database}"' if template is not None else ""
    _pg_execute(f'CREATE DATABASE "{db_name}"{source}')
    return _pg_url(db_name)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    _pg_execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


class Templates:
    """One database per service, migrated to head on first use; tests copy it."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._urls: dict[str, str] = {}

    def url(self, service: str) -> str:
        if service not in self._urls:
            url = create_database(self._folder, f"tpl_{service}")
            # migrations.upgrade opens its engine with NullPool and disposes it: no connection is
            # left on the template, which PostgreSQL's CREATE DATABASE ... TEMPLATE requires
            migrations.upgrade(MIGRATIONS[service], url)
            self._urls[service] = url
        return self._urls[service]

    def drop_all(self) -> None:
        for url in self._urls.values():
            drop_database(url)


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.drop_all()


@pytest.fixture
def make_db(tmp_path: Path, db_templates: Templates) -> Iterator[Callable[..., str]]:
    """``make_db("idp")`` → URL of a new database at head (a copy of the session's migrated
    template); ``migrate=False`` → an empty one."""
    created: list[str] = []

    def _make(service: str, *, migrate: bool = True) -> str:
        template = db_templates.url(service) if migrate else None
        url = create_database(tmp_path, f"{service}_{len(created)}", template=template)
        created.append(url)
        return url

    yield _make
    for url in created:
        drop_database(url)


def pytest_configure(config: pytest.Config) -> None:
    xdist_groups.configure(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    xdist_groups.unconfigure(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_DATABASE_URL:
        # the same test, on the same SQLite or none, as in the SQLite pass: running it again here
        # would check nothing new (CI runs both passes)
        once = pytest.mark.skip(reason="database_independent: ran in the SQLite pass")
        for item in items:
            if item.get_closest_marker("database_independent"):
                item.add_marker(once)
    xdist_groups.record_groups(config, items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup``: see tests/xdist_groups.py (a module-scoped fixture keeps its module
    on one worker)."""
    return xdist_groups.make_scheduler(config, log)


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
            timeout=60,  # bounds a hang only: the idp thread shares a loaded CI machine
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


@pytest.fixture(scope="session")
def live_idp(tmp_path_factory: pytest.TempPathFactory, db_templates: Templates) -> Iterator[LiveIdp]:
    from idp.main import create_app
    from tests.live import free_port, serve_in_thread

    tmp = tmp_path_factory.mktemp("live_idp")
    url = create_database(tmp, "live_idp", template=db_templates.url("idp"))

    port = free_port()
    app = create_app(idp_settings(url, issuer=f"http://127.0.0.1:{port}"))
    with serve_in_thread(app, port) as base:
        idp = LiveIdp(app, base)
        idp.register("notifier-caller", scopes=["notify:send"], audience="notifier")
        idp.register("egisz-caller", scopes=["egisz:read"], audience="egisz")
        yield idp
    drop_database(url)
