"""A migrated egisz database with the demo records seeded on a fixed day, and the real durable
audit trail (journal in tmp_path, fsync off) that the record pages write to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from egisz_api.audit.journal import Journal
from egisz_api.audit.sink import DurableAuditSink
from egisz_api.seed import seed_records
from shared.db import make_engine, make_sessionmaker
from tests.conftest import Templates, create_database, drop_database

#: the seed day: 2026-12-01 12:00 MSK
SEED_NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
IVANOV, PETROVA = "demo-ivanov", "demo-petrova"


def seed_clock() -> dt.datetime:
    return SEED_NOW


@pytest.fixture(scope="session")
def seeded_template(db_templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated egisz database with the demo records, seeded once; tests get copies."""
    url = create_database(
        tmp_path_factory.mktemp("seeded"), "egisz_seeded", template=db_templates.url("egisz_api")
    )
    engine = make_engine(url)
    with make_sessionmaker(engine, write_lock=True)() as session:
        seed_records(session, clock=seed_clock)
        session.commit()
    engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    yield url
    drop_database(url)


@pytest.fixture
def seeded_db(seeded_template: str, tmp_path: Path) -> Iterator[str]:
    url = create_database(tmp_path, "egisz_copy", template=seeded_template)
    yield url
    drop_database(url)


@pytest.fixture
def factory(seeded_db: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(seeded_db)
    yield make_sessionmaker(engine, write_lock=True)
    engine.dispose()


@pytest.fixture
def trail(factory: sessionmaker[Session], tmp_path: Path) -> Iterator[DurableAuditSink]:
    sink = DurableAuditSink(factory, Journal(tmp_path / "journal", fsync=False), observer="egisz-test")
    sink.start()
    yield sink
    sink.close()
