"""Alembic driven from code: each service keeps its history in ``<service>/migrations``.

No ``alembic.ini``: the config is built here from the service's script location and database URL,
so ``python -m idp migrate`` and the test fixtures run the very same path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, pool
from sqlalchemy.engine import Connection, Engine, make_url

from shared.db import UTCDateTime


def alembic_config(script_location: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.set_main_option(
        "file_template",
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s",
    )
    cfg.attributes["configure_logger"] = False
    return cfg


def _ensure_sqlite_folder(database_url: str) -> None:
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def upgrade(script_location: Path, database_url: str, revision: str = "head") -> None:
    _ensure_sqlite_folder(database_url)
    command.upgrade(alembic_config(script_location, database_url), revision)


def downgrade(script_location: Path, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(script_location, database_url), revision)


def head_revisions(script_location: Path) -> set[str]:
    script = ScriptDirectory(str(script_location))
    return set(script.get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def is_at_head(engine: Engine, script_location: Path) -> bool:
    return current_revisions(engine) == head_revisions(script_location)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Our UTCDateTime decorator is a plain timezone-aware DateTime in the schema.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(context: Any, target_metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py`` (online and offline modes)."""
    url = context.config.get_main_option("sqlalchemy.url")
    batch = url.startswith("sqlite")  # SQLite alters tables by copy-and-move
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=batch)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = context.config.attributes.get("connection")
    if connectable is None:
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run_online(context, connection, target_metadata, batch)
        engine.dispose()
    else:
        _run_online(context, connectable, target_metadata, batch)


def _run_online(context: Any, connection: Connection, target_metadata: MetaData, batch: bool) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=batch,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
