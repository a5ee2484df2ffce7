"""Nobody can change or delete an AuditEvent: the database refuses UPDATE and DELETE (and TRUNCATE on
PostgreSQL) on audit_events, whoever sends them — an attacker with SQL access included."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, exc, text

from egisz_api.audit import service
from egisz_api.audit.balp import to_row
from egisz_api.models import Base
from shared.db import make_sessionmaker
from tests.egisz_api.audit.conftest import access

ATTACKS = [
    "UPDATE audit_events SET outcome = '0'",
    "UPDATE audit_events SET resource_json = '{}' WHERE event_id = :id",
    "DELETE FROM audit_events WHERE event_id = :id",
    "DELETE FROM audit_events",
]


def _stored(engine: Engine) -> str:
    row = to_row(access(), observer="egisz-test")
    with make_sessionmaker(engine)() as session:
        service.store_events(session, [row])
        session.commit()
    return row.event_id


def _rows(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(text("SELECT event_id, outcome FROM audit_events"))]


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_migrated_database_refuses_to_change_an_audit_event(
    egisz_db: tuple[str, Engine], attack: str
) -> None:
    engine = egisz_db[1]
    event_id = _stored(engine)
    with pytest.raises(exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text(attack), {"id": event_id})
    assert _rows(engine) == [(event_id, "0")]


def test_truncate_is_refused_on_postgresql(egisz_db: tuple[str, Engine]) -> None:
    url, engine = egisz_db
    if not url.startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE is refused above)")
    event_id = _stored(engine)
    with pytest.raises(exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))
    assert _rows(engine) == [(event_id, "0")]


def test_a_database_made_from_the_models_is_append_only_too(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    Base.metadata.create_all(engine)
    event_id = _stored(engine)
    with pytest.raises(exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
    assert _rows(engine) == [(event_id, "0")]
    engine.dispose()


def test_inserting_stays_possible_and_an_event_is_stored_once(egisz_db: tuple[str, Engine]) -> None:
    engine = egisz_db[1]
    rows = [to_row(access(), observer="egisz-test") for _ in range(3)]
    with make_sessionmaker(engine)() as session:
        assert service.store_events(session, rows[:2]) == 2
        assert service.store_events(session, rows) == 1  # replaying stored events adds none
        session.commit()
    assert sorted(r[0] for r in _rows(engine)) == sorted(r.event_id for r in rows)
