"""A migrated egisz database with the demo records seeded on a fixed day, and the real durable
audit trail (journal in tmp_path, fsync off) that the record pages write to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from egisz_api.audit.journal import Journal
from egisz_api.audit.sink import DurableAuditSink
from egisz_api.seed import seed_records
from shared.db import make_engine, make_sessionmaker

#: the seed day: 2026-12-01 12:00 MSK
SEED_NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
IVANOV, PETROVA = "demo-ivanov", "demo-petrova"


def seed_clock() -> dt.datetime:
    return SEED_NOW


@pytest.fixture
def factory(make_db: Callable[..., str]) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(make_db("egisz_api"))
    made = make_sessionmaker(engine, write_lock=True)
    with made() as session:
        seed_records(session, clock=seed_clock)
        session.commit()
    yield made
    engine.dispose()


@pytest.fixture
def trail(factory: sessionmaker[Session], tmp_path: Path) -> Iterator[DurableAuditSink]:
    sink = DurableAuditSink(factory, Journal(tmp_path / "journal", fsync=False), observer="egisz-test")
    sink.start()
    yield sink
    sink.close()
