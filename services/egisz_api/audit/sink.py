"""The audit sink: every access becomes a durable AuditEvent before its response is released,
without a database transaction per request (docs/audit.md has the measurements).

``record(event)`` (from a worker thread) or ``await record_async(event)`` (from the event loop)
queues the event and returns once it is *durable*:

1. a writer thread takes everything queued (up to ``batch_max``), appends it to this process's
   journal segment with one ``write`` and one ``fsync`` (group commit: requests arriving while the
   disk syncs share the next sync), then acknowledges each waiting caller;
2. a drainer thread inserts acknowledged events into ``audit_events`` in batches (every
   ``drain_interval`` seconds or as soon as ``drain_batch`` are waiting), one transaction per
   batch, and deletes a journal segment once every event in it is in the database;
3. at startup, :meth:`DurableAuditSink.start` replays the segments a dead process left behind
   (idempotently, by AuditEvent id) before taking requests; :meth:`close` (graceful shutdown)
   writes and inserts everything queued and leaves an empty journal.

A SIGKILL at any point loses nothing acknowledged: it is in an fsync'd segment, which the next
start replays. What was queued but not acknowledged was never answered to its client.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from egisz_api.audit import service
from egisz_api.audit.balp import AccessRecord, AuditRow, to_row
from egisz_api.audit.errors import AuditUnavailableError
from egisz_api.audit.journal import Journal, Segment, encode_line, read_segment
from shared.outbox import run_write_transaction

logger = logging.getLogger(__name__)

REPLAY_CHUNK = 1000


class AuditSink(Protocol):
    """What the FHIR engine calls for every request touching a patient's data (granted or not)."""

    def record(self, event: AccessRecord) -> None: ...

    async def record_async(self, event: AccessRecord) -> None: ...

    async def flush_async(self, timeout: float) -> bool:
        """Wait until every event acknowledged so far is in the database (read-your-writes for the
        AuditEvent search); False when ``timeout`` passed first."""
        ...


@dataclass
class _SegmentState:
    segment: Segment
    written: int = 0
    stored: int = 0
    sealed: bool = False


@dataclass(frozen=True, slots=True)
class _Queued:
    row: AuditRow
    line: bytes
    done: Future[None]


_STOP = object()


class DurableAuditSink:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        journal: Journal,
        *,
        observer: str,
        batch_max: int = 500,
        drain_interval: float = 0.2,
        drain_batch: int = 500,
        segment_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self.session_factory = session_factory
        self.journal = journal
        self.observer = observer
        self.batch_max = batch_max
        self.drain_interval = drain_interval
        self.drain_batch = drain_batch
        self.segment_bytes = segment_bytes
        self._queue: queue.SimpleQueue[_Queued | object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending: deque[tuple[_SegmentState, AuditRow]] = deque()
        self._segments: list[_SegmentState] = []
        self._current: _SegmentState | None = None
        self._wake_drainer = threading.Event()
        #: events put into / taken out of ``_pending`` and stored, in FIFO order (for flush)
        self._stored_cond = threading.Condition(self._lock)
        self._appended_total = 0
        self._stored_total = 0
        self._stopping = threading.Event()
        self._accepting = False
        self._accept_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        #: counters for the benchmark and /metrics-style checks
        self.batches_written = 0
        self.events_written = 0
        self.events_stored = 0
        self.replayed = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Replay orphaned journal segments, then accept events."""
        self.journal.prepare()
        self.replayed = self.replay_orphans()
        self._current = _SegmentState(self.journal.new_segment())
        self._segments.append(self._current)
        self._accepting = True
        self._stopping.clear()
        self._threads = [
            threading.Thread(target=self._write_loop, name="audit-journal-writer", daemon=True),
            threading.Thread(target=self._drain_loop, name="audit-db-drainer", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Graceful shutdown: write and store everything queued, then remove the drained journal."""
        if not self._threads:
            return
        with self._accept_lock:  # no event can be queued behind the stop marker
            self._accepting = False
            self._queue.put(_STOP)
        self._threads[0].join()
        self._stopping.set()
        self._wake_drainer.set()
        self._threads[1].join()
        self._threads = []
        with self._lock:
            for state in self._segments:
                if state.stored == state.written:
                    state.segment.delete()
                else:  # the database refused them: the next start replays the segment
                    logger.warning(
                        "audit journal segment %s keeps %d events not yet in the database",
                        state.segment.path.name,
                        state.written - state.stored,
                    )
                    state.segment.close()
            self._segments.clear()
            self._current = None
        self.journal.remove_if_empty()

    def replay_orphans(self) -> int:
        """Store the events of segments no live process holds (a dead process's), then delete them."""
        replayed = 0
        for segment in self.journal.orphans():
            try:
                read = read_segment(segment.path)
                rows = [AuditRow.from_journal(record) for record in read.records]
                new = 0
                for start in range(0, len(rows), REPLAY_CHUNK):
                    chunk = rows[start : start + REPLAY_CHUNK]
                    new += run_write_transaction(self.session_factory, _store(chunk))
            except Exception:
                logger.exception(
                    "audit journal segment %s not replayed; kept for the next start", segment.path.name
                )
                segment.close()
                continue
            logger.info(
                "replayed audit journal segment %s: %d events, %d new, %d damaged lines skipped",
                segment.path.name,
                len(rows),
                new,
                read.damaged,
            )
            replayed += new
            segment.delete()
        return replayed

    # --- recording -------------------------------------------------------------------------------

    def submit(self, event: AccessRecord) -> Future[None]:
        """Queue ``event``; the future completes once it is durable (or fails if it cannot be)."""
        done: Future[None] = Future()
        row = to_row(event, observer=self.observer)
        queued = _Queued(row, encode_line(row.to_journal()), done)
        with self._accept_lock:
            if self._accepting:
                self._queue.put(queued)
                return done
        done.set_exception(AuditUnavailableError("The audit log is not accepting events."))
        return done

    def record(self, event: AccessRecord) -> None:
        """Block the calling thread until ``event`` is durable (raises AuditUnavailableError)."""
        self.submit(event).result()

    async def record_async(self, event: AccessRecord) -> None:
        await asyncio.wrap_future(self.submit(event))

    def flush(self, timeout: float) -> bool:
        """Block until every event acknowledged before the call is in the database (the drainer
        is woken at once); False when ``timeout`` passed first (the database refuses them)."""
        with self._lock:
            target = self._appended_total
            if self._stored_total >= target:
                return True
        self._wake_drainer.set()
        with self._stored_cond:
            return self._stored_cond.wait_for(lambda: self._stored_total >= target, timeout=timeout)

    async def flush_async(self, timeout: float) -> bool:
        return await asyncio.to_thread(self.flush, timeout)

    # --- the writer: journal + fsync, then acknowledge ------------------------------------------

    def _write_loop(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                break
            assert isinstance(first, _Queued)
            batch = [first]
            while len(batch) < self.batch_max:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                assert isinstance(item, _Queued)
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[_Queued]) -> None:
        try:
            state = self._writable_segment()
            state.segment.append((item.line for item in batch), fsync=self.journal.fsync)
        except OSError as exc:
            logger.error("audit journal write failed (%s): %d requests refused", exc.strerror, len(batch))
            for item in batch:
                item.done.set_exception(AuditUnavailableError("The audit journal cannot be written."))
            return
        with self._lock:
            state.written += len(batch)
            self._pending.extend((state, item.row) for item in batch)
            self._appended_total += len(batch)
            waiting = len(self._pending)
        self.batches_written += 1
        self.events_written += len(batch)
        for item in batch:
            item.done.set_result(None)
        if waiting >= self.drain_batch:
            self._wake_drainer.set()

    def _writable_segment(self) -> _SegmentState:
        current = self._current
        assert current is not None
        if current.segment.size < self.segment_bytes:
            return current
        fresh = _SegmentState(self.journal.new_segment())
        with self._lock:
            current.sealed = True
            self._segments.append(fresh)
            self._current = fresh
        self._release_drained()
        return fresh

    # --- the drainer: batches into the database -------------------------------------------------

    def _drain_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake_drainer.wait(timeout=self.drain_interval)
            self._wake_drainer.clear()
            self._drain_all()
        self._drain_all()

    def _drain_all(self) -> None:
        while self._drain_once():
            pass

    def _drain_once(self) -> bool:
        """Store up to ``drain_batch`` waiting events; True when it stored some and more may wait."""
        with self._lock:
            if not self._pending:
                return False
            taken = [self._pending.popleft() for _ in range(min(self.drain_batch, len(self._pending)))]
        try:
            run_write_transaction(self.session_factory, _store([row for _, row in taken]))
        except Exception:
            logger.exception("audit events not stored yet (%d); they stay in the journal", len(taken))
            with self._lock:
                self._pending.extendleft(reversed(taken))
            self._stopping.wait(self.drain_interval)  # back off, unless shutting down
            return False
        with self._lock:
            for state, _ in taken:
                state.stored += 1
            self._stored_total += len(taken)
            self._stored_cond.notify_all()
        self.events_stored += len(taken)
        self._release_drained()
        return True

    def _release_drained(self) -> None:
        with self._lock:
            done = [s for s in self._segments if s.sealed and s.stored == s.written]
            self._segments = [s for s in self._segments if s not in done]
        for state in done:
            state.segment.delete()


def _store(rows: list[AuditRow]) -> Callable[[Session], int]:
    return lambda session: service.store_events(session, rows)


class DirectAuditSink:
    """The baseline the benchmark compares with: one INSERT transaction per event, in the caller's
    thread. Durable, simple, and one database commit per request."""

    def __init__(self, session_factory: sessionmaker[Session], *, observer: str) -> None:
        self.session_factory = session_factory
        self.observer = observer

    def record(self, event: AccessRecord) -> None:
        run_write_transaction(self.session_factory, _store([to_row(event, observer=self.observer)]))

    async def record_async(self, event: AccessRecord) -> None:
        await asyncio.to_thread(self.record, event)

    async def flush_async(self, timeout: float) -> bool:
        return True  # every event is in the database when record returns
