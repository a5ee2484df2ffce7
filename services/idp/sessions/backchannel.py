"""OIDC Back-Channel Logout 1.0: POST a logout token to each client that shared an ended session.

Ending a session writes one outbox row per client (``sessions/outbox.py``) in the same
transaction; the :class:`BackchannelDispatcher`, an asyncio task of the app's lifespan, claims due
rows, signs a fresh logout token for each (§2.4), POSTs it as ``logout_token`` in a form body
(§2.5), and records the outcome: 200 or 204 is delivered (§2.8); a 4xx other than 408/429 means the
receiver refused this logout and is final (``dead``); anything else (timeout, refused connection,
5xx) is retried with backoff until the attempts run out. Failures never fail the logout itself
(§2.7: the OP continues regardless). Logs carry row and client ids, never tokens.

Why sign at delivery: the token's ``exp`` is two minutes and a retry may come much later, so it
could not be stored ready-made anyway; and storing none means the outbox holds no usable
credential (the row has the ``sub`` and ``sid`` only).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import httpx
from sqlalchemy.orm import Session, sessionmaker

from idp.sessions import outbox
from idp.sessions.outbox import LogoutJob, LogoutPolicy
from idp.settings import IdpSettings
from idp.tokens.access import AccessTokenIssuer
from shared.db import utcnow
from shared.outbox import PollLoop, in_write_transaction

logger = logging.getLogger("idp.backchannel")

T = TypeVar("T")

#: OIDC Back-Channel Logout 1.0 §2.8: success is 200 (some frameworks answer 204).
DELIVERED_STATUSES = frozenset({200, 204})
#: 4xx answers that say "later", not "never".
RETRYABLE_4XX = frozenset({408, 425, 429})
SWEEP_INTERVAL = dt.timedelta(hours=1)


@dataclass(frozen=True)
class LogoutDelivery:
    """A client that will hear that session ``sid`` of ``subject`` ended (already in the outbox)."""

    client_id: str
    subject: str
    sid: str


#: Signs the logout token of one job (the seam to token issuance).
LogoutSigner = Callable[[LogoutJob], str]


def sign_logout_token(issuer: AccessTokenIssuer, job: LogoutJob) -> str:
    """The one call into token issuance: a logout token for ``job`` (§2.4)."""
    return issuer.logout_token(client_id=job.client_id, alg=job.alg, subject=job.subject, sid=job.sid)


@dataclass(frozen=True)
class Attempt:
    job: LogoutJob
    delivered: bool
    reason: str | None = None
    permanent: bool = False


class BackchannelDispatcher:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        sign: LogoutSigner,
        policy: LogoutPolicy,
        timeout: float,
        poll_seconds: float,
        retention: dt.timedelta,
        batch_size: int = 20,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.sign = sign
        self.policy = policy
        self.timeout = timeout
        self.retention = retention
        self.batch_size = batch_size
        self.clock = clock
        self.rng = rng or random.Random()
        self.transport = transport
        #: one token per process start: a claim made under another token is someone else's
        self.token = uuid.uuid4().hex
        self._loop = PollLoop("backchannel-dispatcher", self._pass, poll_seconds, logger)
        self._last_sweep: dt.datetime | None = None
        #: when the earliest row becomes due, as last read: the loop wakes for it instead of polling
        self._next_due: dt.datetime | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._loop.start()
        logger.info("back-channel dispatcher started", extra={"dispatcher": self.token})

    async def stop(self) -> None:
        await self._loop.stop(grace_seconds=self.timeout + 1)
        logger.info("back-channel dispatcher stopped", extra={"dispatcher": self.token})

    def wake(self) -> None:
        """Thread-safe: outbox rows were committed, deliver now instead of at the next poll."""
        self._loop.wake()

    def dispatch(self, deliveries: Sequence[LogoutDelivery]) -> None:
        """The ``on_commit`` callback of ending a session: its rows are committed, deliver now."""
        if deliveries:
            self.wake()

    @property
    def running(self) -> bool:
        return self._loop.running

    # --- one pass ---------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim one batch of due deliveries, POST them, record the outcomes; the number claimed.

        The loop calls this; so do tests and operators (with the loop off), to drive it by hand.
        A read comes first: an idle pass takes no write lock (SQLite has one for the whole file)."""
        now = self.clock()
        self._next_due = await self._read(outbox.next_due_at)
        claimed = 0
        if self._next_due is not None and self._next_due <= now:
            jobs = await in_write_transaction(
                self.session_factory,
                lambda s: outbox.claim_due(
                    s, now=now, limit=self.batch_size, token=self.token, policy=self.policy, rng=self.rng
                ),
            )
            if jobs:
                async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                    attempts = await asyncio.gather(*(self._attempt(client, job) for job in jobs))
                await in_write_transaction(self.session_factory, lambda s: self._record(s, attempts))
            claimed = len(jobs)
            self._next_due = await self._read(outbox.next_due_at)
        await self._maybe_sweep()
        return claimed

    async def _pass(self) -> float | None:
        claimed = await self.run_once()
        if claimed == self.batch_size:
            return 0.0  # a full batch: more may be due
        if self._next_due is None:
            return None
        wait = max((self._next_due - self.clock()).total_seconds(), 0.0)
        if wait == 0.0 and claimed == 0:
            # Due but not claimable: another replica holds it right now. Do not spin on it.
            return 1.0
        return wait

    async def _read(self, work: Callable[[Session], T]) -> T:
        def read() -> T:
            with self.session_factory() as session:
                return work(session)

        return await asyncio.to_thread(read)

    async def _attempt(self, client: httpx.AsyncClient, job: LogoutJob) -> Attempt:
        try:
            token = await asyncio.to_thread(self.sign, job)
        except Exception as exc:  # no signing key yet, key store unreachable: try again later
            return Attempt(job, False, f"cannot sign the logout token: {type(exc).__name__}")
        try:
            # §2.5: application/x-www-form-urlencoded, the token in ``logout_token``; no redirects.
            response = await client.post(job.uri, data={"logout_token": token})
        except httpx.HTTPError as exc:
            return Attempt(job, False, type(exc).__name__)
        if response.status_code in DELIVERED_STATUSES:
            return Attempt(job, True)
        permanent = 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX
        return Attempt(job, False, f"HTTP {response.status_code}", permanent)

    def _record(self, session: Session, attempts: list[Attempt]) -> None:
        now = self.clock()
        for attempt in attempts:
            job = attempt.job
            extra = {"logout_id": job.id, "client_id": job.client_id, "attempt": job.attempt}
            if attempt.delivered:
                outbox.record_success(session, job, now=now)
                logger.info("back-channel logout delivered", extra=extra)
                continue
            outcome, _ = outbox.record_failure(
                session,
                job,
                now=now,
                reason=attempt.reason or "failed",
                permanent=attempt.permanent,
                policy=self.policy,
                rng=self.rng,
            )
            logger.warning(
                "back-channel logout failed",
                extra={**extra, "reason": attempt.reason, "outcome": outcome},
            )

    async def _maybe_sweep(self) -> None:
        now = self.clock()
        if self._last_sweep is not None and now - self._last_sweep < SWEEP_INTERVAL:
            return
        self._last_sweep = now
        if await self._read(lambda s: outbox.anything_to_forget(s, now=now, retention=self.retention)):
            await in_write_transaction(
                self.session_factory, lambda s: outbox.sweep(s, now=now, retention=self.retention)
            )


def build_dispatcher(
    settings: IdpSettings,
    session_factory: sessionmaker[Session],
    issuer: AccessTokenIssuer,
    *,
    clock: Callable[[], dt.datetime] = utcnow,
    rng: random.Random | None = None,
) -> BackchannelDispatcher:
    return BackchannelDispatcher(
        session_factory=session_factory,
        sign=lambda job: sign_logout_token(issuer, job),
        policy=LogoutPolicy(
            attempts=settings.backchannel_logout_attempts,
            backoff_seconds=settings.backchannel_logout_backoff,
            lease=dt.timedelta(seconds=settings.backchannel_logout_lease_seconds),
        ),
        timeout=settings.backchannel_logout_timeout,
        poll_seconds=settings.backchannel_dispatcher_poll_seconds,
        retention=dt.timedelta(days=settings.backchannel_logout_retention_days),
        clock=clock,
        rng=rng,
    )
