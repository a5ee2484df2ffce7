"""The write-behind sink: an event is acknowledged once it is in the fsync'd journal, reaches the
database in batches, survives a database that refuses it, and a dead process's journal is replayed at
the next start (idempotently; a torn last line is skipped; a live process's segment is left alone)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from egisz_api.audit.balp import to_row
from egisz_api.audit.errors import AuditUnavailableError
from egisz_api.audit.journal import Journal, Segment, encode_line, read_segment
from egisz_api.audit.sink import DurableAuditSink
from shared import migrations
from shared.db import make_engine, make_sessionmaker
from tests.conftest import MIGRATIONS
from tests.egisz_api.audit.conftest import access


def _ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(text("SELECT event_id FROM audit_events"))}


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """A bounded poll for the drainer thread (the timeout only bounds a hang)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_recorded_events_reach_the_database_and_close_leaves_no_journal(
    make_sink: Callable[..., DurableAuditSink], egisz_db: tuple[str, Engine], journal_dir: Path
) -> None:
    sink = make_sink(drain_interval=3600, drain_batch=10)
    sink.start()
    events = [access() for _ in range(25)]
    for event in events:
        sink.record(event)
    # a full batch wakes the drainer at once: fewer than a batch may wait (for the interval or
    # shutdown), so at least 16 of the 25 are stored without waiting an hour
    _wait(lambda: len(_ids(egisz_db[1])) > 25 - 10, "the drained batches")
    assert list(journal_dir.glob("*.jsonl")), "the live segment stays while events are not all stored"
    sink.close()
    assert _ids(egisz_db[1]) == {e.event_id for e in events}
    assert not journal_dir.exists(), "a cleanly closed sink leaves no journal behind"


def test_concurrent_requests_share_fsyncs(
    make_sink: Callable[..., DurableAuditSink], egisz_db: tuple[str, Engine]
) -> None:
    sink = make_sink()
    sink.start()
    events = [access() for _ in range(400)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(sink.record, events))
    sink.close()
    assert sink.events_written == 400 and sink.batches_written < 400
    assert _ids(egisz_db[1]) == {e.event_id for e in events}


async def test_record_async_waits_for_durability_without_blocking_the_loop(
    make_sink: Callable[..., DurableAuditSink], journal_dir: Path
) -> None:
    sink = make_sink(drain_interval=3600, drain_batch=10**6)
    sink.start()
    events = [access() for _ in range(50)]
    await asyncio.gather(*(sink.record_async(e) for e in events))
    (segment,) = journal_dir.glob("*.jsonl")
    journalled = {r["event_id"] for r in read_segment(segment).records}
    assert journalled == {e.event_id for e in events}, "acknowledged = in the journal"


def test_after_close_an_event_is_refused_not_dropped(make_sink: Callable[..., DurableAuditSink]) -> None:
    sink = make_sink()
    sink.start()
    sink.close()
    with pytest.raises(AuditUnavailableError):
        sink.record(access())


def test_a_dead_process_journal_is_replayed_once_skipping_a_torn_line(
    make_sink: Callable[..., DurableAuditSink], egisz_db: tuple[str, Engine], journal_dir: Path
) -> None:
    journal_dir.mkdir()
    rows = [to_row(access(), observer="egisz-test") for _ in range(5)]
    orphan = Segment.create(journal_dir)
    orphan.append((encode_line(r.to_journal()) for r in rows), fsync=True)
    torn = encode_line(to_row(access(), observer="egisz-test").to_journal())
    orphan.append([torn[: len(torn) // 2]], fsync=True)  # the crash hit mid-write
    orphan.close()  # the process is gone: its lock with it
    copy = journal_dir / ("0" + orphan.path.name)  # the same events twice: stored once
    copy.write_bytes(orphan.path.read_bytes())

    sink = make_sink()
    sink.start()
    assert sink.replayed == 5
    assert _ids(egisz_db[1]) == {r.event_id for r in rows}
    assert not orphan.path.exists() and not copy.exists()


def test_a_segment_a_live_process_holds_is_not_replayed(
    make_sink: Callable[..., DurableAuditSink], egisz_db: tuple[str, Engine], journal_dir: Path
) -> None:
    journal_dir.mkdir()
    live = Segment.create(journal_dir)  # another worker's, locked
    live.append([encode_line(to_row(access(), observer="x").to_journal())], fsync=True)
    try:
        sink = make_sink()
        sink.start()
        assert sink.replayed == 0 and live.path.exists() and _ids(egisz_db[1]) == set()
    finally:
        live.close()


def test_events_the_database_refuses_stay_journalled_until_it_accepts_them(
    make_db: Callable[..., str], journal_dir: Path
) -> None:
    url = make_db("egisz_api", migrate=False)  # no audit_events table yet: every insert fails
    engine = make_engine(url)
    factory: sessionmaker[Session] = make_sessionmaker(engine, write_lock=True)
    try:
        sink = DurableAuditSink(factory, Journal(journal_dir), observer="t", drain_interval=0.01)
        sink.start()
        events = [access() for _ in range(7)]
        for event in events:
            sink.record(event)  # acknowledged: durable in the journal
        assert sink.flush(timeout=0.05) is False, "flush reports that the database is behind"
        sink.close()
        (kept,) = journal_dir.glob("*.jsonl")

        migrations.upgrade(MIGRATIONS["egisz_api"], url)
        again = DurableAuditSink(factory, Journal(journal_dir), observer="t")
        again.start()
        again.close()
        assert again.replayed == 7 and not kept.exists()
        assert _ids(engine) == {e.event_id for e in events}
    finally:
        engine.dispose()


def test_full_segments_are_deleted_once_drained(
    make_sink: Callable[..., DurableAuditSink], egisz_db: tuple[str, Engine], journal_dir: Path
) -> None:
    sink = make_sink(segment_bytes=4096, drain_batch=5, drain_interval=0.01)
    sink.start()
    for _ in range(60):  # ~2 KiB each: a new segment every other batch
        sink.record(access())
    _wait(lambda: len(_ids(egisz_db[1])) == 60, "all events stored")
    _wait(lambda: len(list(journal_dir.glob("*.jsonl"))) == 1, "drained segments deleted")


def test_flush_gives_read_your_writes(
    make_sink: Callable[..., DurableAuditSink], egisz_db: tuple[str, Engine]
) -> None:
    sink = make_sink(drain_interval=3600, drain_batch=10**6)  # the drainer would wait an hour
    sink.start()
    events = [access() for _ in range(30)]
    for event in events:
        sink.record(event)
    assert sink.flush(timeout=30) is True
    assert _ids(egisz_db[1]) == {e.event_id for e in events}
    assert sink.flush(timeout=0) is True  # nothing new: at once
