"""The FHIR server of tests/egisz_api/fhir with its notification dispatcher stopped (each test drives
it by hand: one pass is one ``run_once``), and a clock the test moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import running
from tests.egisz_api.fhir.conftest import Issuer, fhir_settings, issuer  # noqa: F401 (fixture)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notify_app(make_db: Callable[..., str], issuer: Issuer, clock: Clock) -> FastAPI:  # noqa: F811
    from egisz_api.main import create_app

    settings = fhir_settings(
        make_db("egisz_api"), issuer, notifications_enabled=False, audit_journal_fsync=False
    )
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(notify_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(notify_app) as c:
        yield c
