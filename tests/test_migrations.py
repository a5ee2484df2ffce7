"""Every service: the migration history round-trips, and the models agree with it."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from shared import migrations
from tests.conftest import MIGRATIONS

SERVICES = ["idp", "egisz_api", "notifier"]


@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_downgrade_upgrade(service: str, make_db: Callable[..., str]) -> None:
    url = make_db(service, migrate=False)
    migrations.upgrade(MIGRATIONS[service], url)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert len(tables) > 1
    migrations.downgrade(MIGRATIONS[service], url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrations.upgrade(MIGRATIONS[service], url)
    assert set(inspect(engine).get_table_names()) == tables
    assert migrations.is_at_head(engine, MIGRATIONS[service])
    engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_models_and_migrations_agree(service: str, make_db: Callable[..., str]) -> None:
    url = make_db(service, migrate=False)
    migrations.upgrade(MIGRATIONS[service], url)  # for real, not the session's template copy
    metadata = importlib.import_module(f"{service}.models").Base.metadata
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations of {service}: {diff}"
