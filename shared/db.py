"""SQLAlchemy plumbing: engine and session factory, naming convention, request-scoped sessions.

Services use sync SQLAlchemy 2.0 (Authlib's server hooks are synchronous); FastAPI runs ``def``
handlers in its threadpool. A request gets one session; the dependency commits when the handler
returns and rolls back when it raises, so service code never commits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

#: Constraint names that are stable across SQLite and PostgreSQL, so migrations can drop them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

P = ParamSpec("P")
R = TypeVar("R")


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int | None = None) -> Engine:
    """Engine for a service database. SQLite gets WAL, a busy timeout and enforced foreign keys.

    ``max_overflow`` should let every worker thread hold a connection at once (pool_size +
    max_overflow >= the threadpool size): a thread that waits for a connection while another holds
    a lock it needs is a deadlock that only the pool timeout breaks.
    """
    overflow = pool_size * 2 if max_overflow is None else max_overflow
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=overflow,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself so that "BEGIN IMMEDIATE" can take the write lock
            # up front (see begin_immediate) instead of failing later with "database is locked".
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(
        url, pool_size=pool_size, max_overflow=overflow, pool_pre_ping=True, pool_recycle=1800
    )


def begin_immediate(session: Session) -> None:
    """Ask for the database write lock at the start of the next transaction.

    On SQLite this makes read-then-write sequences (counters, claims) serialise instead of failing;
    on PostgreSQL row locks (``SELECT ... FOR UPDATE``) do the same job and this is a no-op.
    Must be called before the session has begun its transaction.
    """
    if session.in_transaction():
        raise RuntimeError("begin_immediate() must come before the session's first statement")
    session.connection(execution_options={"sqlite_immediate": True})


def end_transaction(session: Session) -> None:
    """Commit what this session has done so far and so release every lock it holds (SQLite's
    write lock, PostgreSQL's row and advisory locks) before slow work that needs none: a password
    hash, a call to another service. A request's session is committed by its dependency; this is
    the one deliberate exception, for a request that has finished one unit of work.

    The next statement begins a new transaction (``BEGIN IMMEDIATE`` again on a write-lock
    session). What was read before may be stale by then: a write that depends on it re-checks it
    in its own statement (a conditional ``UPDATE``). Loaded objects stay usable: the session
    factories set ``expire_on_commit=False``.
    """
    if session.in_transaction():
        session.commit()


def commits_on_return(handler: Callable[P, R]) -> Callable[P, R]:
    """For a ``def`` route handler taking the request's session as ``session``: commit in the
    handler's own worker thread as it returns, instead of in the session dependency after it.

    The dependency's commit is another threadpool hop, made only once the handler's result is
    back on the event loop; until then the transaction keeps its locks (SQLite's write lock, the
    security log's head row), and under load every other writer waits those milliseconds too.
    Committed here, the lock is released the moment the work is done and the dependency finds
    nothing left to finish (no hop). A failed commit still raises before the response is sent;
    an exception from the handler skips the commit and the dependency rolls back, as before."""

    @functools.wraps(handler)
    def committed(*args: P.args, **kwargs: P.kwargs) -> R:
        result = handler(*args, **kwargs)
        session = kwargs["session"]
        assert isinstance(session, Session), "commits_on_return: the handler has no `session`"
        end_transaction(session)
        return result

    return committed


@contextmanager
def read_only(session: Session) -> Iterator[None]:
    """Statements in the block run in a transaction of their own that only reads: on SQLite a
    deferred ``BEGIN`` even on a write-lock session, i.e. a WAL snapshot that neither waits for the
    writer nor blocks it. What the session did before is committed first (``end_transaction``), and
    the block's transaction ends on exit, so the next write begins a transaction that takes the lock.

    Nothing may be written inside: a deferred SQLite transaction that tries to write after another
    connection committed fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT).
    """
    end_transaction(session)
    session.connection(execution_options={"sqlite_immediate": False})
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    if session.new or session.dirty or session.deleted:
        session.rollback()
        raise RuntimeError("read_only(): the block changed objects; write after it instead")
    end_transaction(session)


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run ``callback`` once this session's transaction has committed (never after a rollback):
    notices and back-channel calls must not go out for changes that did not happen."""
    event.listen(session, "after_commit", lambda _s: callback(), once=True)


def make_sessionmaker(
    engine: Engine, *, write_lock: bool = False, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``. ``write_lock=True``: on SQLite each transaction begins IMMEDIATE.
    ``info`` is copied into every session's ``Session.info`` (collaborators a service's code reaches
    through its session, such as the idp's revocation list).

    A deferred SQLite transaction that reads and then writes fails at once with "database is
    locked" when another writer is active (no busy wait), so request sessions that may write take
    the lock when they begin. On PostgreSQL the option is ignored (row locks do that job).
    """
    bind = engine.execution_options(sqlite_immediate=True) if write_lock else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True, info=info)


def _finish(session: Session, ok: bool) -> None:
    try:
        if ok:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def request_session(factory: sessionmaker[Session]) -> AsyncIterator[Session]:
    """The body of every service's request-scoped session dependency.

    Commit on success, rollback on error, in one threadpool hop. Declare the dependency with
    ``Depends(..., scope="function")`` so this runs *before* the response is sent: a failed commit
    must be an error response, never a success whose data was lost.
    """
    session = factory()
    try:
        yield session
    except BaseException:
        await _end(session, ok=False)
        raise
    await _end(session, ok=True)


#: Commits and rollbacks get threads of their own. If they queued behind request handlers, a
#: threadpool full of handlers waiting for a lock (SQLite's write lock, a row lock) would keep the
#: lock holder from ever committing: a deadlock that only a lock timeout breaks.
_finishers: dict[int, anyio.CapacityLimiter] = {}


def _finisher() -> anyio.CapacityLimiter:
    loop = id(asyncio.get_running_loop())
    limiter = _finishers.get(loop)
    if limiter is None:
        limiter = _finishers[loop] = anyio.CapacityLimiter(16)
    return limiter


#: ``async with session_scope(factory) as session: yield session`` in a dependency: the context
#: manager (not ``async for``) is what lets the handler's exception reach the rollback.
session_scope = asynccontextmanager(request_session)


async def _end(session: Session, *, ok: bool) -> None:
    # A session that never touched the database has nothing to commit: no thread for it (cached
    # hot paths such as client_credentials tokens never open a connection).
    if not session.in_transaction():
        session.close()
        return
    await anyio.to_thread.run_sync(_finish, session, ok, limiter=_finisher())
