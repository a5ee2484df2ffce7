"""shared.db's tools for holding locks only while writing (issue 9: logins queued behind a write
lock held across the password hash). SQLite, where the write lock is one for the whole file: a
second connection that never waits (timeout 0) shows whether the lock is held."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.orm import Session, registry

from shared.db import commits_on_return, end_transaction, make_engine, make_sessionmaker, read_only

METADATA = MetaData()
ROWS = Table("rows", METADATA, Column("id", Integer, primary_key=True))


class Row:
    id: int


registry().map_imperatively(Row, ROWS)


def setup(tmp_path: Path) -> tuple[str, sqlite3.Connection]:
    path = tmp_path / "db.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    METADATA.create_all(engine)
    engine.dispose()
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    return str(path), other


def other_can_write(other: sqlite3.Connection) -> bool:
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # database is locked
        return False
    other.execute("ROLLBACK")
    return True


def test_a_write_session_holds_the_lock_from_its_first_statement_until_end_transaction(
    tmp_path: Path,
) -> None:
    path, other = setup(tmp_path)
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"), write_lock=True)
    with factory() as session:
        session.execute(select(ROWS))
        assert not other_can_write(other)  # BEGIN IMMEDIATE: the control
        end_transaction(session)
        assert not session.in_transaction() and other_can_write(other)


def test_read_only_reads_without_the_write_lock_on_a_write_session(tmp_path: Path) -> None:
    path, other = setup(tmp_path)
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"), write_lock=True)
    with factory() as session:
        session.execute(insert(ROWS).values(id=1))  # earlier work of the request ...
        with read_only(session):
            assert session.execute(select(ROWS.c.id)).scalars().all() == [1]  # ... committed first
            assert other_can_write(other)
        assert not session.in_transaction()
        session.execute(insert(ROWS).values(id=2))  # the next write takes the lock again
        assert not other_can_write(other)
        session.commit()
    assert [r[0] for r in other.execute("SELECT id FROM rows ORDER BY id")] == [1, 2]


def test_read_only_refuses_a_block_that_changed_objects(tmp_path: Path) -> None:
    path, _ = setup(tmp_path)
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"), write_lock=True)
    with factory() as session:
        row = Row()
        row.id = 5
        with pytest.raises(RuntimeError, match="write after it"), read_only(session):
            session.add(row)
        assert session.execute(select(ROWS)).all() == []


def test_commits_on_return_commits_in_the_handlers_thread_and_releases_the_lock(tmp_path: Path) -> None:
    path, other = setup(tmp_path)
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"), write_lock=True)
    seen: list[bool] = []

    @commits_on_return
    def handler(session: Session, value: int) -> str:
        session.execute(insert(ROWS).values(id=value))
        seen.append(other_can_write(other))  # the control: held while the handler writes
        return "page"

    with factory() as session:
        assert handler(session=session, value=7) == "page"
        assert seen == [False]
        # committed before the caller (the session dependency) gets the result: nothing left
        # for it to finish, and the write lock is free
        assert not session.in_transaction() and other_can_write(other)
    assert [r[0] for r in other.execute("SELECT id FROM rows")] == [7]


def test_commits_on_return_leaves_a_failed_handlers_work_to_be_rolled_back(tmp_path: Path) -> None:
    path, other = setup(tmp_path)
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"), write_lock=True)

    @commits_on_return
    def handler(session: Session) -> None:
        session.execute(insert(ROWS).values(id=8))
        raise ValueError("the handler failed")

    with factory() as session:
        with pytest.raises(ValueError, match="handler failed"):
            handler(session=session)
        assert session.in_transaction()  # not committed: the dependency rolls it back
        session.rollback()
    assert list(other.execute("SELECT id FROM rows")) == []
