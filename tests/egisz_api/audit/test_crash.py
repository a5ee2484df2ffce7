"""Crash durability: a process recording AuditEvents is killed with SIGKILL mid-stream, and every
event it acknowledged is in the database after the next start (which replays its journal).

Two shapes: a worker process driving the sink directly (with the drainer idle, so every event must
come back from the journal, and with it busy, so the kill lands between journal and database), and
the real egisz_api under uvicorn answering HTTP searches (each 200 = an acknowledged AuditEvent,
found again by its X-Request-ID after a restart). No sleeps: bounded polls on real processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from egisz_api.audit.journal import Journal
from egisz_api.audit.sink import DurableAuditSink
from shared.db import make_sessionmaker
from tests.egisz_api.audit.conftest import TokenMinter
from tests.integration.processes import ROOT, ServiceProcess

pytestmark = pytest.mark.integration

KILL_AFTER = 600


def _stored(engine: Engine, column: str = "event_id") -> set[str]:
    with engine.connect() as conn:
        return {str(r[0]) for r in conn.execute(text(f"SELECT {column} FROM audit_events"))}


def _worker_acks(url: str, journal_dir: Path, drain_batch: int, drain_interval: float) -> list[str]:
    """Run the worker until it has acknowledged KILL_AFTER events, SIGKILL it, return what it acked."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "services")])}
    args = [sys.executable, "-m", "tests.egisz_api.audit.crash_worker", url, str(journal_dir)]
    proc = subprocess.Popen(
        [*args, str(drain_batch), str(drain_interval)], stdout=subprocess.PIPE, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    acked: list[str] = []
    try:
        # readline blocks until the worker prints; a wedged worker is killed by the timer
        timer = threading.Timer(120, proc.kill)
        timer.start()
        while len(acked) < KILL_AFTER:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"the worker stopped after {len(acked)} events")
            acked.append(line.decode().strip())
        proc.send_signal(signal.SIGKILL)
        timer.cancel()
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # lines printed before the kill were acknowledged too; a torn last line was not printed whole
    acked += [line for line in rest.decode().split("\n")[:-1] if line]
    assert proc.returncode == -signal.SIGKILL
    return acked


@pytest.mark.parametrize(
    ("drain_batch", "drain_interval"), [(10**9, 3600.0), (25, 0.005)], ids=["drainer-idle", "drainer-busy"]
)
def test_a_killed_worker_loses_no_acknowledged_event(
    egisz_db: tuple[str, Engine], tmp_path: Path, drain_batch: int, drain_interval: float
) -> None:
    url, engine = egisz_db
    journal_dir = tmp_path / "journal"
    acked = _worker_acks(url, journal_dir, drain_batch, drain_interval)
    before = _stored(engine)
    if drain_batch > KILL_AFTER:
        assert before == set(), "nothing reached the database: every event must come from the journal"
    assert list(journal_dir.glob("*.jsonl")), "the dead worker left its journal"

    sink = DurableAuditSink(make_sessionmaker(engine, write_lock=True), Journal(journal_dir), observer="t")
    sink.start()
    sink.close()
    after = _stored(engine)
    missing = set(acked) - after
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:3]}"
    assert sink.replayed == len(after) - len(before) > 0
    assert not journal_dir.exists(), "the replayed journal is deleted"


def test_a_killed_egisz_api_loses_no_audited_request(
    egisz_db: tuple[str, Engine], tmp_path: Path, minter: TokenMinter
) -> None:
    url, engine = egisz_db
    settings: dict[str, Any] = {
        "dev_mode": True,
        "database_url": url,
        "idp_issuer": minter.issuer,
        "idp_jwks_url": minter.jwks_url,
        "audit_journal_dir": tmp_path / "journal",
        "audit_drain_interval_seconds": 0.05,
    }
    egisz = ServiceProcess("egisz_api", settings, tmp_path / "egisz.log")
    token = minter.token(sub="citizen-1", client_id="cabinet", patient="p1", scope="patient/AuditEvent.rs")
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(worker: int) -> None:
        with httpx.Client(base_url=egisz.base_url, timeout=30) as http:
            n = 0
            while not stop.is_set():
                n += 1
                rid = f"crash-{worker}-{n}"
                try:
                    response = http.get(
                        "/api/v1/audit-events?_count=1",
                        headers={"Authorization": f"Bearer {token}", "X-Request-ID": rid},
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    with lock:
                        acked.append(rid)

    try:
        egisz.start()
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(client, i) for i in range(6)]
            _wait(lambda: len(acked) >= 300, "300 audited requests")
            egisz.kill()
            stop.set()
            for future in futures:
                future.result()
        with lock:
            answered = set(acked)
        egisz.start(migrate=False)  # replays the journal before it answers /readyz
        egisz.stop()
    finally:
        egisz.stop()
    stored = _stored(engine, "request_id")
    missing = answered - stored
    assert not missing, f"{len(missing)} answered requests have no AuditEvent, e.g. {sorted(missing)[:3]}"
    assert "replayed audit journal segment" in egisz.logs()


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 120) -> None:
    """A bounded poll on real processes (the timeout only bounds a hang)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
