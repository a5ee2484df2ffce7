"""The EGISZ app on a migrated database with a clock the test moves, behind an in-process client."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import running
from tests.egisz_api.fhir.conftest import Issuer, issuer  # noqa: F401  (the JWKS-serving issuer fixture)

HTML = {"Accept": "text/html"}


class MovableClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def cabinet_settings(database_url: str, **overrides: Any) -> Any:
    from egisz_api.settings import EgiszSettings

    values: dict[str, Any] = {
        "database_url": database_url,
        "dev_mode": True,
        "audit_journal_fsync": False,
        "esia_url": "http://idp.invalid",
        "public_url": "http://testserver",
        "idp_account_url": "http://idp.invalid/account",
        "esia_demo_dir": "/nonexistent/esia",
    }
    values.update(overrides)
    return EgiszSettings(**values)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def cabinet_app(
    make_db: Callable[..., str],
    clock: MovableClock,
    tmp_path: Any,
    issuer: Issuer,  # noqa: F811  (the fixture imported above)
) -> FastAPI:
    from egisz_api.main import create_app

    settings = cabinet_settings(
        make_db("egisz_api"),
        audit_journal_dir=tmp_path / "journal",
        idp_issuer=issuer.url,
        idp_jwks_url=f"{issuer.url}/jwks",
    )
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(cabinet_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(cabinet_app) as c:
        c.headers.update(HTML)
        yield c
