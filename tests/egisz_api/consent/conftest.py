"""The FHIR test kit (an issuer with a real JWKS endpoint, settings, helpers) for consent tests, and
a database session for the service tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from shared.db import make_engine, make_sessionmaker
from tests.egisz_api.fhir.conftest import client, fhir_app, issuer, world  # noqa: F401


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, minutes: int = 1) -> dt.datetime:
        self.now += dt.timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def session(make_db: Callable[..., str]) -> Iterator[Session]:
    engine = make_engine(make_db("egisz_api"))
    try:
        with make_sessionmaker(engine, write_lock=True)() as s:
            yield s
    finally:
        engine.dispose()
