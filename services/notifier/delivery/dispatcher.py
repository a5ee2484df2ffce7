"""The dispatcher: an asyncio task in the service process that drains the outbox.

Loop: claim as many due messages as there are free send slots (one short transaction), start a
task per message (render, wait for the channel's send-rate budget, send with a timeout, record
the outcome in another short transaction), then sleep until a slot frees, a new message is
committed (``wake``) or the poll interval passes. Any number of replicas can run it: claims are
row locks with SKIP LOCKED on PostgreSQL and serialised ``BEGIN IMMEDIATE`` transactions on SQLite,
both with a lease so that a crashed process's claims come back. While sends are in flight a
heartbeat renews this process's leases every third of the lease, so the lease stays short and a
killed process's messages come back within one lease (15 s by default).

Logs carry message ids, channels and reasons, never addresses, parameters or bodies.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from notifier.channels.base import Envelope, PermanentSendError, Sender, TransientSendError
from notifier.messages import outbox
from notifier.messages.outbox import ClaimResult, Job, Outcome, RetryPolicy
from notifier.messages.sealing import Sealer
from notifier.metrics import NotifierMetrics
from notifier.rendering.catalog import TEMPLATES, mask_text, with_validity
from notifier.rendering.renderer import Renderer
from notifier.throttling import RateLimits
from shared.db import utcnow
from shared.outbox import in_write_transaction

logger = logging.getLogger("notifier.dispatcher")

T = TypeVar("T")

SWEEP_INTERVAL_SECONDS = 10.0


class Dispatcher:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        renderer: Renderer,
        sealer: Sealer,
        limits: RateLimits,
        metrics: NotifierMetrics,
        policy: RetryPolicy,
        timeouts: Mapping[str, float],
        concurrency: int,
        poll_seconds: float,
        lease_seconds: float,
        shutdown_grace_seconds: float,
        retention_days: int = 0,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.senders = senders
        self.renderer = renderer
        self.sealer = sealer
        self.limits = limits
        self.metrics = metrics
        self.policy = policy
        self.timeouts = timeouts
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.grace = shutdown_grace_seconds
        self.retention = dt.timedelta(days=retention_days) if retention_days else None
        self.clock = clock
        self.rng = rng or random.Random()
        #: one token per process start: a claim made under another token is someone else's
        self.token = uuid.uuid4().hex
        #: renew in-flight claims this often: two heartbeats may be missed before a lease runs out
        self.heartbeat_seconds = lease_seconds / 3
        self._task: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._last_sweep = 0.0

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="notifier-dispatcher")
        self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="notifier-heartbeat")
        logger.info("dispatcher started", extra={"dispatcher": self.token, "channels": sorted(self.senders)})

    async def stop(self) -> None:
        """Stop claiming, let in-flight sends finish within the grace period, void the rest."""
        if self._task is None:
            return
        self._stopping.set()
        self._wake.set()
        with suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self._inflight:
            _, pending = await asyncio.wait(self._inflight, timeout=self.grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        # Only now: the sends finishing within the grace period still needed their leases renewed.
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        logger.info("dispatcher stopped", extra={"dispatcher": self.token})

    def wake(self) -> None:
        """Thread-safe: a message was committed, look now instead of at the next poll."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._wake.set)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # --- the loop -------------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            free = self.concurrency - len(self._inflight)
            claimed = 0
            if free > 0:
                try:
                    claimed = await self._claim_and_start(free)
                    await self._maybe_sweep()
                except Exception:
                    logger.exception("dispatcher pass failed; retrying after the poll interval")
            # Sleep until a slot frees, a message is committed (or stop() is called), or the poll
            # interval passes; after a full batch more may be due, so only a free slot matters.
            full_batch = bool(claimed) and claimed == free
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait(
                    {waiter, *self._inflight},
                    timeout=None if full_batch else self.poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                waiter.cancel()

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            if self._inflight:
                await self.renew_leases()

    async def renew_leases(self) -> int:
        """One heartbeat: extend the lease of every message this process is sending."""
        try:
            return await self._in_transaction(
                lambda s: outbox.renew_claims(s, token=self.token, now=self.clock(), lease=self.lease)
            )
        except Exception:
            # The database is away: the next heartbeat tries again; if the lease runs out first,
            # another dispatcher takes the message over and ours records a stale outcome.
            logger.exception("lease heartbeat failed", extra={"dispatcher": self.token})
            return 0

    async def _claim_and_start(self, limit: int) -> int:
        result = await self._in_transaction(
            lambda s: outbox.claim_due(
                s,
                now=self.clock(),
                limit=limit,
                lease=self.lease,
                token=self.token,
                sealer=self.sealer,
                policy=self.policy,
                rng=self.rng,
            )
        )
        self._count_claim(result)
        for job in result.jobs:
            task = asyncio.create_task(self._deliver(job), name=f"deliver-{job.message_id}")
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(result.jobs)

    async def run_once(self) -> int:
        """Claim one batch and deliver it completely (tests and the operator CLI drive this)."""
        claimed = await self._claim_and_start(self.concurrency)
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        return claimed

    async def _maybe_sweep(self) -> None:
        if time.monotonic() - self._last_sweep < SWEEP_INTERVAL_SECONDS:
            return
        self._last_sweep = time.monotonic()
        counts = await self._in_transaction(
            lambda s: outbox.sweep(s, now=self.clock(), retention=self.retention)
        )
        for status in ("queued", "sending", "failed", "delivered", "dead", "expired"):
            self.metrics.outbox.labels(status).set(counts.get(status, 0))

    # --- one message ----------------------------------------------------------------------------

    async def _deliver(self, job: Job) -> None:
        try:
            await self._attempt(job)
        except asyncio.CancelledError:
            await asyncio.shield(
                self._in_transaction(lambda s: outbox.release_interrupted(s, job, now=self.clock()))
            )
            raise
        except Exception:
            # Recording failed (database down?): the lease will bring the message back.
            logger.exception("delivery bookkeeping failed", extra={"message_id": job.message_id})

    async def _attempt(self, job: Job) -> None:
        sender = self.senders.get(job.channel)
        if sender is None:
            await self._failed(
                job, f"channel {job.channel} is not configured", permanent=True, kind="permanent"
            )
            return
        try:
            params = with_validity(
                job.template, job.params, created_at=job.created_at, expires_at=job.expires_at
            )
            content = self.renderer.render(job.template, job.locale, params)
        except Exception as exc:
            await self._failed(job, f"cannot render: {type(exc).__name__}", permanent=True, kind="permanent")
            return
        await self._wait_for_send_budget(job.channel)
        if job.expires_at is not None and self.clock() >= job.expires_at:
            await self._in_transaction(lambda s: outbox.record_expired(s, job, now=self.clock()))
            self.metrics.expired.inc()
            logger.info("code expired before sending", extra={"message_id": job.message_id})
            return
        envelope = Envelope(job.message_id, job.channel, job.address, job.template, job.locale, content)
        started = time.perf_counter()
        timeout = self.timeouts.get(job.channel, 10.0)
        try:
            provider_id = await asyncio.wait_for(sender.send(envelope), timeout=timeout)
        except TimeoutError:
            await self._failed(
                job, f"{sender.name} timed out after {timeout:g} s", permanent=False, kind="timeout"
            )
        except PermanentSendError as exc:
            await self._failed(job, exc.reason, permanent=True, kind="permanent")
        except TransientSendError as exc:
            await self._failed(job, exc.reason, permanent=False, kind="transient")
        except Exception as exc:
            # Not one of ours: keep the type only (a message could quote the body).
            await self._failed(
                job, f"{sender.name} failed: {type(exc).__name__}", permanent=False, kind="transient"
            )
        else:
            now = self.clock()
            became = await self._in_transaction(
                lambda s: outbox.record_success(s, job, now=now, provider_id=provider_id)
            )
            self.metrics.sent.labels(job.channel).inc()
            if became:
                self.metrics.latency.labels(job.channel).observe(
                    max((now - job.created_at).total_seconds(), 0)
                )
            logger.info(
                "delivered",
                extra={
                    "message_id": job.message_id,
                    "channel": job.channel,
                    "attempt": job.number,
                    "gateway": sender.name,
                    "dispatcher": self.token,
                },
            )
        finally:
            self.metrics.send_duration.labels(job.channel).observe(time.perf_counter() - started)

    async def _wait_for_send_budget(self, channel: str) -> None:
        """The global per-channel send-rate cap: wait (holding the slot) until the window has room."""
        throttled = False
        while (wait := self.limits.try_send(channel)) is not None:
            if not throttled:
                self.metrics.throttled.labels(channel).inc()
                throttled = True
            await asyncio.sleep(min(max(wait, 0.005), 1.0))

    async def _failed(self, job: Job, reason: str, *, permanent: bool, kind: str) -> None:
        reason = mask_text(reason, job.params, TEMPLATES.get(job.template))
        outcome: Outcome = await self._in_transaction(
            lambda s: outbox.record_failure(
                s, job, now=self.clock(), reason=reason, permanent=permanent, policy=self.policy, rng=self.rng
            )
        )
        self.metrics.failed.labels(job.channel, kind).inc()
        self._count_outcome(job.channel, outcome)
        logger.warning(
            "delivery attempt failed",
            extra={
                "message_id": job.message_id,
                "channel": job.channel,
                "attempt": job.number,
                "reason": reason,
                "outcome": outcome,
            },
        )

    # --- bookkeeping ----------------------------------------------------------------------------

    def _count_outcome(self, channel: str, outcome: Outcome) -> None:
        if outcome == "fallback":
            self.metrics.fallbacks.labels(channel).inc()
        elif outcome == "dead":
            self.metrics.dead.labels(channel).inc()
        elif outcome == "expired":
            self.metrics.expired.inc()

    def _count_claim(self, result: ClaimResult) -> None:
        for _ in range(result.expired):
            self.metrics.expired.inc()
        for channel in result.lost:
            self.metrics.failed.labels(channel, "lost").inc()
        for channel, outcome in result.outcomes:
            self._count_outcome(channel, outcome)
        if result.lost:
            logger.warning("reclaimed messages whose dispatcher died", extra={"count": len(result.lost)})

    async def _in_transaction(self, work: Callable[[Session], T]) -> T:
        return await in_write_transaction(self.session_factory, work)
