"""Plumbing for outbox dispatchers: retry delays, short write transactions, the poll-or-wake loop.

An outbox row is written in the same transaction as the change it reports; a dispatcher task in the
service process claims due rows with a lease, delivers them outside any transaction and records
the outcome. The notifier's messages and the idp's back-channel logouts work this way; what they
share lives here, and the state machines stay with their features.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from shared.db import begin_immediate

T = TypeVar("T")


def retry_delay(attempt: int, base_seconds: float, max_seconds: float, rng: random.Random) -> dt.timedelta:
    """Exponential backoff with "equal jitter": ``base * 2**(attempt-1)`` capped at ``max_seconds``,
    half of it fixed and half random, so that deliveries failed by one outage spread out when they
    come back instead of hitting the recovering receiver together."""
    raw = min(max_seconds, base_seconds * 2 ** max(attempt - 1, 0))
    return dt.timedelta(seconds=raw / 2 + rng.uniform(0, raw / 2))


def run_write_transaction(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """``work`` in one short transaction that holds the write lock from its start (SQLite's
    ``BEGIN IMMEDIATE``; row locks do that job on PostgreSQL), committed when it returns."""
    with factory() as session:
        begin_immediate(session)
        value = work(session)
        session.commit()
        return value


async def in_write_transaction(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """:func:`run_write_transaction` from the event loop, in a worker thread."""
    return await asyncio.to_thread(run_write_transaction, factory, work)


class PollLoop:
    """Run ``one_pass`` until stopped. Between passes, sleep until :meth:`wake` is called (a row was
    committed), ``poll_seconds`` pass, or ``one_pass`` asked for a shorter wait (a retry is due
    sooner); a pass that returns ``0.0`` runs the next one at once (a full batch: more may be due).

    ``one_pass`` returns the seconds to wait at most before the next pass, or None for the poll
    interval. An exception is logged and the loop goes on after the poll interval.
    """

    def __init__(
        self,
        name: str,
        one_pass: Callable[[], Awaitable[float | None]],
        poll_seconds: float,
        logger: logging.Logger,
    ) -> None:
        self.name = name
        self.one_pass = one_pass
        self.poll_seconds = poll_seconds
        self.logger = logger
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, grace_seconds: float) -> None:
        """Stop after the pass in progress, or cancel it after ``grace_seconds`` (its claims come
        back when their lease runs out)."""
        if self._task is None:
            return
        self._stopping.set()
        self._wake.set()
        with suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace_seconds)
        if not self._task.done():
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    def wake(self) -> None:
        """Thread-safe: something was committed, look now instead of at the next poll."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._wake.set)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            wait: float | None = None
            try:
                wait = await self.one_pass()
            except Exception:
                self.logger.exception("%s: pass failed; retrying after the poll interval", self.name)
            timeout = self.poll_seconds if wait is None else max(0.0, min(wait, self.poll_seconds))
            if timeout == 0.0:
                continue
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
