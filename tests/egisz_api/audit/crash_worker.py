"""A process that records AuditEvents from 8 threads as fast as it can and prints the id of each one
the sink acknowledged, one per line, until it is killed (tests/egisz_api/audit/test_crash.py).

python -m tests.egisz_api.audit.crash_worker DATABASE_URL JOURNAL_DIR DRAIN_BATCH DRAIN_INTERVAL
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from pathlib import Path

from egisz_api.audit.balp import AccessRecord, Outcome
from egisz_api.audit.journal import Journal
from egisz_api.audit.sink import DurableAuditSink
from shared.db import make_engine, make_sessionmaker


def main() -> None:
    url, journal_dir, drain_batch, drain_interval = sys.argv[1:5]
    engine = make_engine(url)
    sink = DurableAuditSink(
        make_sessionmaker(engine, write_lock=True),
        Journal(Path(journal_dir)),
        observer="crash-worker",
        drain_batch=int(drain_batch),
        drain_interval=float(drain_interval),
    )
    sink.start()
    out = threading.Lock()

    def work(thread: int) -> None:
        n = 0
        while True:
            n += 1
            event = AccessRecord(
                interaction="read",
                recorded=dt.datetime.now(dt.UTC),
                outcome=Outcome.SUCCESS,
                subject=f"doctor-{thread}",
                client_id="mis-crash",
                resource_type="Observation",
                resource_id=f"obs-{thread}-{n}",
                patient_id=f"p{n % 10}",
            )
            sink.record(event)  # returns once durable: only then is the id printed
            with out:
                sys.stdout.write(event.event_id + "\n")
                sys.stdout.flush()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
