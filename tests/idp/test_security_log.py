"""The security log (R-SEC-1): hash chain, tamper evidence, retention floor, export, concurrency, CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from idp.audit import service as audit
from idp.audit.chain import GENESIS_HASH, event_hash
from idp.audit.errors import RetentionBelowFloorError
from idp.audit.models import SecurityEvent, SecurityLogHead
from idp.database import Base
from shared.db import make_engine, make_sessionmaker
from tests.cli import invoke

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


@dataclass
class LogDb:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


@pytest.fixture
def log_db(make_db: Callable[..., str]) -> Iterator[LogDb]:
    """A migrated idp database plus the security-log tables (their migration is not written yet)."""
    url = make_db("idp")
    engine = make_engine(url)
    Base.metadata.create_all(engine, tables=[SecurityEvent.__table__, SecurityLogHead.__table__])
    yield LogDb(url, engine, make_sessionmaker(engine, write_lock=True))
    engine.dispose()


def at(days_ago: float) -> Callable[[], dt.datetime]:
    return lambda: NOW - dt.timedelta(days=days_ago)


def record(session: Session, n: int = 1, **overrides: Any) -> list[SecurityEvent]:
    fields: dict[str, Any] = {
        "event_type": "login_succeeded",
        "result": "success",
        "actor": "account:7",
        "account_id": 7,
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0",
        "details": {"client_id": "rp-web"},
    }
    fields.update(overrides)
    return [audit.record_event(session, **fields) for _ in range(n)]


def ids(db: LogDb) -> list[int]:
    with db.sessions() as session:
        return list(session.scalars(select(SecurityEvent.id).order_by(SecurityEvent.id)))


def verify(db: LogDb) -> Any:
    with db.sessions() as session:
        return audit.verify_chain(session)


def test_a_chain_of_100_events_verifies(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        for i in range(100):
            audit.record_event(
                session,
                event_type="login_failed" if i % 3 else "login_succeeded",
                result="failure" if i % 3 else "success",
                actor=f"account:{i % 7}",
                account_id=i % 7,
                ip="2001:db8::1",
                user_agent="Mozilla/5.0 " + "x" * 400,
                details={"client_id": "rp-web", "attempt": i, "flags": ("new_device",), "ratio": 0.1},
            )
            if i % 10 == 9:
                session.commit()
    report = verify(log_db)
    assert report.ok, report
    assert report.checked == 100 and report.first_broken_id is None
    with log_db.sessions() as session:
        last = session.scalars(select(SecurityEvent).order_by(SecurityEvent.id.desc())).first()
        assert last is not None and report.head_event_id == last.id and report.head_hash == last.hash
        assert len(last.user_agent or "") == 300 and last.details["flags"] == ["new_device"]
        first = session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)).first()
        assert first is not None and first.prev_hash == GENESIS_HASH


def test_a_rolled_back_append_leaves_the_chain_intact(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        record(session, 3)
        session.commit()
        record(session, 2)
        session.rollback()
        record(session, 1)
        session.commit()
    report = verify(log_db)
    assert report.ok and report.checked == 4, report


@pytest.mark.parametrize(
    ("column", "value"),
    [("details", '{"client_id": "someone-else"}'), ("result", "success"), ("actor", "system")],
)
def test_an_edited_row_is_detected_and_named(log_db: LogDb, column: str, value: str) -> None:
    with log_db.sessions() as session:
        record(session, 10, result="failure", event_type="login_failed")
        session.commit()
    target = ids(log_db)[4]
    with log_db.engine.begin() as conn:
        changed = conn.execute(
            text(f"UPDATE security_events SET {column} = :value WHERE id = :id"),
            {"value": value, "id": target},
        )
        assert changed.rowcount == 1
    report = verify(log_db)
    assert not report.ok
    assert report.first_broken_id == target
    assert report.checked == 4
    assert f"event {target}" in (report.reason or "") and "edited" in (report.reason or "")


def test_a_deleted_middle_row_is_detected_at_the_gap(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        record(session, 10)
        session.commit()
    all_ids = ids(log_db)
    with log_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM security_events WHERE id = :id"), {"id": all_ids[5]})
    report = verify(log_db)
    assert not report.ok
    assert report.first_broken_id == all_ids[6]
    assert f"between {all_ids[4]} and {all_ids[6]}" in (report.reason or "")


def test_deleting_the_newest_event_is_caught_by_the_head(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        record(session, 5)
        session.commit()
    last = ids(log_db)[-1]
    with log_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM security_events WHERE id = :id"), {"id": last})
    report = verify(log_db)
    assert not report.ok and report.first_broken_id == last
    assert "head" in (report.reason or "")


def test_deleting_the_oldest_events_outside_a_purge_is_caught(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        record(session, 5)
        session.commit()
    all_ids = ids(log_db)
    with log_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM security_events WHERE id <= :id"), {"id": all_ids[1]})
    report = verify(log_db)
    assert not report.ok and report.first_broken_id == all_ids[2]
    assert "outside a purge" in (report.reason or "")


@pytest.mark.parametrize(("days", "floor_days"), [(182, 183), (30, 183), (150, 100), (300, 365)])
def test_a_purge_below_the_floor_is_refused(log_db: LogDb, days: int, floor_days: int) -> None:
    with log_db.sessions() as session:
        record(session, 3, clock=at(400))
        session.commit()
        with pytest.raises(RetentionBelowFloorError) as refused:
            audit.purge_older_than(session, days, floor_days=floor_days, clock=lambda: NOW)
        assert refused.value.code == "retention_below_floor"
        session.rollback()
        assert session.scalar(select(func.count()).select_from(SecurityEvent)) == 3


@pytest.mark.parametrize(("days", "deleted"), [(183, 3), (365, 1)])
def test_a_purge_at_or_above_the_floor_keeps_younger_events_and_still_verifies(
    log_db: LogDb, days: int, deleted: int
) -> None:
    with log_db.sessions() as session:
        for days_ago in (400, 300, 190, 100, 1):
            record(session, clock=at(days_ago), details={"days_ago": days_ago})
        session.commit()
        result = audit.purge_older_than(session, days, clock=lambda: NOW)
        session.commit()
        assert result.deleted == deleted
        kept = session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)).all()
        assert [e.details.get("days_ago") for e in kept[:-1]] == [400, 300, 190, 100, 1][deleted:]
        assert result.anchor == kept[0].prev_hash
        purge_event = kept[-1]
        assert purge_event.event_type == "log_purged" and purge_event.actor == "system"
        assert purge_event.details["deleted"] == deleted and purge_event.details["anchor"] == result.anchor
    report = verify(log_db)
    assert report.ok and report.checked == 5 - deleted + 1, report

    # A later purge removes the first log_purged event too; its own anchor takes over.
    with log_db.sessions() as session:
        later = audit.purge_older_than(session, 183, clock=lambda: NOW + dt.timedelta(days=400))
        session.commit()
        assert later.deleted == 5 - deleted + 1
    report = verify(log_db)
    assert report.ok and report.checked == 1, report


def test_export_writes_one_valid_json_line_per_event(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        for days_ago in (30, 20, 10, 0):
            record(session, clock=at(days_ago), details={"note_id": days_ago, "reason": "тест"})
        session.commit()
        lines = list(audit.export_jsonl(session, None))
        recent = list(audit.export_jsonl(session, NOW - dt.timedelta(days=15)))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    events = [json.loads(line) for line in lines]
    assert [e["details"]["note_id"] for e in events] == [30, 20, 10, 0]
    assert [json.loads(line)["details"]["note_id"] for line in recent] == [10, 0]
    # Each line carries what an outside verifier needs to recompute the chain.
    previous = GENESIS_HASH
    for event in events:
        content = {**event, "occurred_at": dt.datetime.fromisoformat(event["occurred_at"])}
        assert event["prev_hash"] == previous and event_hash(previous, content) == event["hash"]
        previous = event["hash"]


@pytest.mark.parametrize(
    "details",
    [
        {"password": "x"},
        {"new_password_hash": "x"},
        {"otp_code": "123456"},
        {"otpCode": "123456"},
        {"code": "123456"},
        {"access_token": "x"},
        {"client_secret": "x"},
        {"snils": "112-233-445 95"},
        {"passport_number": "123456"},
        {"inn": "500100732259"},
        {"client": {"refresh_token": "x"}},
        {"attempts": [{"code": "1"}]},
    ],
)
def test_details_that_look_secret_are_refused(log_db: LogDb, details: dict[str, Any]) -> None:
    with log_db.sessions() as session, pytest.raises(ValueError, match="secret, a code or personal data"):
        record(session, details=details)


def test_ids_and_reasons_are_accepted_in_details(log_db: LogDb) -> None:
    details = {"client_id": "rp", "session_id": 5, "channel": "sms", "reason": "locked", "winner": 1}
    with log_db.sessions() as session:
        (event,) = record(session, details=details)
        assert event.details == details


@pytest.mark.parametrize(
    "overrides",
    [{"event_type": "Login Failed"}, {"result": "ok"}, {"actor": ""}, {"details": {"when": dt.date.today()}}],
)
def test_malformed_events_are_programming_errors(log_db: LogDb, overrides: dict[str, Any]) -> None:
    with log_db.sessions() as session, pytest.raises((ValueError, TypeError)):
        record(session, **overrides)


def test_events_for_account_are_newest_first_and_paged(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        for i in range(7):
            record(session, account_id=1 if i % 2 == 0 else 2, details={"step": i})
        session.commit()
        page = audit.events_for_account(session, 1, limit=3)
        assert [e.details["step"] for e in page] == [6, 4, 2]
        rest = audit.events_for_account(session, 1, limit=3, before_id=page[-1].id)
        assert [e.details["step"] for e in rest] == [0]


def test_twenty_threads_appending_at_once_leave_a_valid_chain(log_db: LogDb) -> None:
    # Both backends: PostgreSQL serialises on the head row's FOR UPDATE lock (without it this fails
    # there: two appends chain to the same head), SQLite on the write lock the session takes at
    # BEGIN IMMEDIATE. Each thread reuses one session across several commits.
    threads, per_thread = 20, 5
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with log_db.sessions() as session:
                barrier.wait()
                for i in range(per_thread):
                    record(session, account_id=n, details={"thread": n, "i": i})
                    session.commit()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    report = verify(log_db)
    assert report.ok and report.checked == threads * per_thread, report


# --- the operator CLI ------------------------------------------------------------------------------


def cli(db: LogDb, *args: str) -> subprocess.CompletedProcess[str]:
    return invoke("idp", {"dev_mode": True, "database_url": db.url}, *args)


def test_cli_verify_prints_the_result_and_exits_1_on_a_broken_chain(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        record(session, 4)
        session.commit()
    good = cli(log_db, "audit", "verify")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["ok"] is True and json.loads(good.stdout)["checked"] == 4
    target = ids(log_db)[2]
    with log_db.engine.begin() as conn:
        conn.execute(text("UPDATE security_events SET ip = '198.51.100.1' WHERE id = :id"), {"id": target})
    bad = cli(log_db, "audit", "verify")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["ok"] is False and json.loads(bad.stdout)["first_broken_id"] == target


def test_cli_purge_refuses_below_the_floor_and_purges_at_it(log_db: LogDb) -> None:
    with log_db.sessions() as session:
        record(session, 2, clock=lambda: dt.datetime.now(dt.UTC) - dt.timedelta(days=200))
        record(session, 1)
        session.commit()
    refused = cli(log_db, "audit", "purge", "--days", "100")
    assert refused.returncode == 2 and "183" in refused.stderr and refused.stdout == ""
    assert len(ids(log_db)) == 3
    done = cli(log_db, "audit", "purge", "--days", "183")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deleted"] == 2
    assert verify(log_db).ok


def test_cli_export_prints_json_lines_since_a_day(log_db: LogDb) -> None:
    today = dt.datetime.now(dt.UTC)
    with log_db.sessions() as session:
        record(session, clock=lambda: today - dt.timedelta(days=10), details={"n": 1})
        record(session, clock=lambda: today, details={"n": 2})
        session.commit()
    everything = cli(log_db, "audit", "export")
    assert everything.returncode == 0, everything.stderr
    assert [json.loads(line)["details"]["n"] for line in everything.stdout.splitlines()] == [1, 2]
    since = (today - dt.timedelta(days=1)).date().isoformat()
    recent = cli(log_db, "audit", "export", "--since", since)
    assert [json.loads(line)["details"]["n"] for line in recent.stdout.splitlines()] == [2]
    wrong = cli(log_db, "audit", "export", "--since", "01.03.2027")
    assert wrong.returncode == 2 and "YYYY-MM-DD" in wrong.stderr
