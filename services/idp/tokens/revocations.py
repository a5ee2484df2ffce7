"""Each process's memory of revoked access tokens, so introspection need not ask the database.

Our access tokens are signed JWTs; the only state behind one is whether it was revoked (by the
client, by a code replay, by a logout or a password change). Revocations are rare and an access
token lives minutes, so the set of revoked, unexpired ``jti`` is small: every process keeps it in
a :class:`RevocationList` and answers introspection from it.

How it stays true:

- at start, and then every ``sync_seconds``, a background task reads the rows revoked since the
  previous read (with :data:`OVERLAP` of slack for transactions that committed late and for clock
  skew between replicas) and forgets the entries that have expired;
- a transaction of this process that revokes something calls :meth:`RevocationList.changed` after
  its commit (sessions from the app's factories carry it in ``session.info``): until the next read
  has finished, the list declines to answer, so the caller asks the database, and the read starts
  at once. A revocation made here is visible here immediately; one made by another replica within
  ``sync_seconds``;
- a list that has never been read, or whose last good read is older than :data:`STALE_AFTER`
  intervals (the database is failing), also declines to answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker

from idp.tokens import repository
from shared.db import after_commit, utcnow

log = logging.getLogger(__name__)

#: Key in ``Session.info`` under which a session carries its app's :meth:`RevocationList.changed`.
SESSION_INFO_KEY = "idp.revocations"
#: How far back each read looks before the previous one started.
OVERLAP = dt.timedelta(seconds=60)
#: After this many intervals without a good read the list stops answering.
STALE_AFTER = 5


def announce(session: Session) -> None:
    """Called by whatever revokes access tokens in ``session``: tell the app's list after commit."""
    changed = session.info.get(SESSION_INFO_KEY)
    if changed is not None:
        after_commit(session, changed)


class RevocationList:
    def __init__(
        self,
        factory: sessionmaker[Session],
        sync_seconds: float,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self.sync_seconds = sync_seconds
        self._clock = clock  # wall time: read windows and token expiry
        self._monotonic = monotonic  # intervals: staleness and local changes
        self._revoked: dict[str, float] = {}  # jti -> exp (epoch seconds)
        self._read_until: dt.datetime | None = None  # wall-clock start of the last good read
        self._fresh_at: float | None = None  # monotonic start of the last good read
        self._changed_at = 0.0  # monotonic time of the last local revocation
        self._lock = threading.Lock()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- answering ----------------------------------------------------------------------
    def answer(self, jti: str) -> bool | None:
        """True/False from memory, or None when memory cannot be trusted right now."""
        fresh_at = self._fresh_at
        if self.sync_seconds <= 0 or fresh_at is None:
            return None
        if fresh_at <= self._changed_at:
            return None
        if self._monotonic() - fresh_at > STALE_AFTER * max(self.sync_seconds, 1.0):
            return None
        return jti in self._revoked

    async def is_revoked(self, jti: str) -> bool:
        known = self.answer(jti)
        if known is not None:
            return known
        return await anyio.to_thread.run_sync(self._ask_database, jti)

    def _ask_database(self, jti: str) -> bool:
        with self._factory() as session:
            row = repository.access_token_by_jti(session, jti)
            return row is not None and row.revoked_at is not None

    # --- keeping it true ----------------------------------------------------------------
    def changed(self) -> None:
        """A revocation of this process has committed (called from the committing thread)."""
        self._changed_at = self._monotonic()
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the app is shutting down
                loop.call_soon_threadsafe(wake.set)

    def sync(self) -> None:
        """One read of the database (blocking: run it in a thread)."""
        started_mono, started = self._monotonic(), self._clock()
        since = self._read_until - OVERLAP if self._read_until is not None else None
        with self._factory() as session:
            rows = repository.revoked_access_tokens(session, started, since)
        now = self._clock().timestamp()
        with self._lock:
            revoked = {jti: exp for jti, exp in self._revoked.items() if exp > now}
            revoked.update((jti, expires_at.timestamp()) for jti, expires_at in rows)
            self._revoked = revoked
            self._read_until = started
            self._fresh_at = started_mono

    async def run(self) -> None:
        """The background task: read at once, then every ``sync_seconds`` or when woken."""
        if self.sync_seconds <= 0:
            return
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        while True:
            self._wake.clear()
            try:
                await anyio.to_thread.run_sync(self.sync)
            except Exception:
                log.exception("revocation list: reading the database failed; introspection asks it directly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.sync_seconds)

    def __len__(self) -> int:
        return len(self._revoked)
