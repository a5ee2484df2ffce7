"""Benchmark of the audit sink (docs/audit.md): events/s through the sink, and what auditing costs a
request, against the obvious alternative (one INSERT transaction per request).

Part 1, in process: N events recorded from T threads into
  direct        DirectAuditSink: one write transaction (INSERT + COMMIT) per event
  journal       DurableAuditSink: group-committed journal (write + fsync per batch), batched inserts
  journal-nofsync  the same without fsync (what the fsync costs)
then the latency of one record() from a single thread (no batching to hide behind), median and p99,
and the CPU time the process spent per event (all its threads: callers, writer, drainer; the
database's own work on PostgreSQL is outside it).
Throughput counts an event when record() returned (durable); the sink's close() (the drain of what
was left) is timed separately and reported.

Part 2, over HTTP: a FastAPI app under uvicorn pinned to core 0 serving a stored Observation by id
(pre-serialized bytes, the FHIR read path of EGISZ.md §3.2), driven by `hey` pinned to core 1, with
no audit, with the journal sink (await record_async before the response), and with a direct INSERT
per request (in a worker thread). Reported: requests/s, p50/p99, and the audit cost per request
(1/rps - 1/rps_none, CPU-time of the one server core). Modes run back to back in each of RUNS
runs (order alternating); the ratio to "none" and the cost are computed within each run and their
median reported, since a shared VM's speed drifts between runs.

Env: N (20000), T (16), HTTP_N (20000), C (32), RUNS (3), DB (sqlite in a temp dir | a PostgreSQL
URL; each mode gets a fresh database), PARTS ("sink http"). Results: bench/results/audit-<stamp>.json.
Needs `hey` (apt-get install -y hey) for part 2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

from fastapi import FastAPI, Request, Response  # noqa: E402

from egisz_api.audit.balp import AccessRecord, Outcome  # noqa: E402
from egisz_api.audit.journal import Journal  # noqa: E402
from egisz_api.audit.sink import DirectAuditSink, DurableAuditSink  # noqa: E402
from shared import migrations  # noqa: E402
from shared.db import make_engine, make_sessionmaker  # noqa: E402
from tests.live import free_port, wait_ready  # noqa: E402

N = int(os.environ.get("N", "20000"))
T = int(os.environ.get("T", "16"))
HTTP_N = int(os.environ.get("HTTP_N", "20000"))
C = int(os.environ.get("C", "32"))
RUNS = int(os.environ.get("RUNS", "3"))
PARTS = os.environ.get("PARTS", "sink http").split()
DB = os.environ.get("DB")
TWO_CORES = (os.cpu_count() or 1) >= 2
PIN_SERVER = ["taskset", "-c", "0"] if TWO_CORES and shutil.which("taskset") else []
PIN_LOAD = ["taskset", "-c", "1"] if TWO_CORES and shutil.which("taskset") else []
MIGRATIONS = ROOT / "services/egisz_api/migrations"


def event(n: int) -> AccessRecord:
    return AccessRecord(
        interaction="read",
        recorded=dt.datetime.now(dt.UTC),
        outcome=Outcome.SUCCESS,
        subject=f"doctor-{n % 50}",
        subject_name="Иванов Иван Иванович",
        who=f"Practitioner/{n % 50}",
        roles=("practitioner",),
        client_id="mis-1",
        source_ip="10.0.0.5",
        resource_type="Observation",
        resource_id=f"obs-{n}",
        patient_id=f"p{n % 1000}",
        purpose_of_use=("TREAT",),
        token_id=uuid.uuid4().hex,
        request_id=uuid.uuid4().hex,
    )


CREATED: list[str] = []


def drop_databases() -> None:
    if DB is None or not CREATED:
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(DB, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in CREATED:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_database(tmp: Path, name: str) -> str:
    if DB is None:
        url = f"sqlite:///{tmp / name}.db"
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        db_name = f"bench_audit_{name}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(DB, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
        admin.dispose()
        CREATED.append(db_name)
        url = make_url(DB).set(database=db_name).render_as_string(hide_password=False)
    migrations.upgrade(MIGRATIONS, url)
    return url


def make_sink(mode: str, url: str, journal_dir: Path) -> Any:
    engine = make_engine(url, pool_size=T + 4)
    factory = make_sessionmaker(engine, write_lock=True)
    if mode == "direct":
        return DirectAuditSink(factory, observer="bench")
    sink = DurableAuditSink(factory, Journal(journal_dir, fsync=mode == "journal"), observer="bench")
    sink.start()
    return sink


# --- part 1: the sink in process ---------------------------------------------------------------


def sink_throughput(mode: str, tmp: Path) -> dict[str, Any]:
    url = fresh_database(tmp, f"sink_{mode}")
    sink = make_sink(mode, url, tmp / f"journal-{mode}")
    count = N if mode != "direct" else min(N, 5000)  # one commit each: keep the run bounded
    events = [event(i) for i in range(count)]
    cpu_started = time.process_time()  # every thread of this process: callers, writer, drainer
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=T) as pool:
        list(pool.map(sink.record, events))
    acked = time.perf_counter() - started
    drain_started = time.perf_counter()
    if isinstance(sink, DurableAuditSink):
        sink.close()
    drained = time.perf_counter() - drain_started
    cpu = time.process_time() - cpu_started
    figures: dict[str, Any] = {
        "mode": mode,
        "events": count,
        "threads": T,
        "events_per_s": round(count / acked),
        "close_s": round(drained, 3),
        "events_per_s_incl_drain": round(count / (acked + drained)),
        # CPU time of this process per event, database work included (not PostgreSQL's own)
        "cpu_us_per_event": round(cpu / count * 1e6, 1),
    }
    if isinstance(sink, DurableAuditSink):
        figures["fsync_batches"] = sink.batches_written
        figures["events_per_fsync"] = round(count / max(sink.batches_written, 1), 1)
    # one caller alone: the latency no batching hides
    sink = make_sink(mode, url, tmp / f"journal-{mode}-1")
    latencies = []
    for i in range(500):
        one = event(i)
        t0 = time.perf_counter()
        sink.record(one)
        latencies.append((time.perf_counter() - t0) * 1e6)
    if isinstance(sink, DurableAuditSink):
        sink.close()
    latencies.sort()
    figures["single_thread_p50_us"] = round(statistics.median(latencies))
    figures["single_thread_p99_us"] = round(latencies[int(len(latencies) * 0.99) - 1])
    return figures


# --- part 2: the cost per HTTP request ---------------------------------------------------------

OBSERVATION = json.dumps(
    {
        "resourceType": "Observation",
        "id": "obs-1",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": "urn:oid:1.2.643.5.1.13.13.11.1080", "code": "1", "display": "Гемоглобин"}]
        },
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-30T09:00:00+03:00",
        "valueQuantity": {"value": 142, "unit": "g/L", "system": "http://unitsofmeasure.org", "code": "g/L"},
    },
    ensure_ascii=False,
).encode()


def make_app() -> Any:
    """The app uvicorn serves in part 2 (``--factory``); env BENCH_AUDIT_MODE and BENCH_AUDIT_DB."""
    mode = os.environ["BENCH_AUDIT_MODE"]
    url = os.environ["BENCH_AUDIT_DB"]
    journal = Path(os.environ["BENCH_AUDIT_JOURNAL"])
    holder: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        if mode != "none":
            holder["sink"] = make_sink(mode, url, journal)
        yield
        if isinstance(holder.get("sink"), DurableAuditSink):
            holder["sink"].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/fhir/Observation/{ident}")
    async def read(ident: str, request: Request) -> Response:
        sink = holder.get("sink")
        if sink is not None:
            await sink.record_async(
                AccessRecord(
                    interaction="read",
                    recorded=dt.datetime.now(dt.UTC),
                    outcome=Outcome.SUCCESS,
                    subject="doctor-7",
                    who="Practitioner/7",
                    client_id="mis-1",
                    source_ip=request.client.host if request.client else None,
                    resource_type="Observation",
                    resource_id=ident,
                    patient_id="p1",
                )
            )
        return Response(OBSERVATION, media_type="application/fhir+json")

    return app


@contextmanager
def server(mode: str, tmp: Path) -> Iterator[str]:
    url = fresh_database(tmp, f"http_{mode}_{uuid.uuid4().hex[:4]}")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "services"), str(ROOT / "bench")]),
        "BENCH_AUDIT_MODE": mode,
        "BENCH_AUDIT_DB": url,
        "BENCH_AUDIT_JOURNAL": str(tmp / f"journal-http-{mode}-{port}"),
    }
    args = [*PIN_SERVER, sys.executable, "-m", "uvicorn", "bench_audit:make_app", "--factory"]
    args += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    with (tmp / f"uvicorn-{mode}.log").open("ab") as log:
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=log, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/fhir/Observation/warm", timeout=60)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def hey(url: str, count: int) -> dict[str, float]:
    args = ["hey", "-n", str(count), "-c", str(C), "-cpus", "1", "-t", "20", url]
    out = subprocess.run([*PIN_LOAD, *args], capture_output=True, text=True, timeout=300, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = float(re.search(r"50% in ([\d.]+) secs", out).group(1))  # type: ignore[union-attr]
    p99 = float(re.search(r"99% in ([\d.]+) secs", out).group(1))  # type: ignore[union-attr]
    codes = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    if set(codes) != {"200"}:
        raise RuntimeError(f"non-200 answers: {codes}")
    return {"rps": rps, "p50_ms": p50 * 1000, "p99_ms": p99 * 1000}


def http_overhead(tmp: Path) -> list[dict[str, Any]]:
    modes = ["none", "journal", "direct"]
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    for run in range(RUNS):
        for mode in modes if run % 2 == 0 else list(reversed(modes)):
            with server(mode, tmp) as base:
                hey(f"{base}/fhir/Observation/obs-1", max(HTTP_N // 10, 500))  # warm-up
                runs[mode].append(hey(f"{base}/fhir/Observation/obs-1", HTTP_N))
    results = []
    for mode in modes:
        rps = statistics.median(r["rps"] for r in runs[mode])
        # the machine's speed drifts between runs (a shared VM): the ratio within one run, where
        # the modes ran back to back, is the figure to trust; its median over the runs is reported
        ratios = [r["rps"] / none["rps"] for r, none in zip(runs[mode], runs["none"], strict=True)]
        costs = [
            (1 / r["rps"] - 1 / none["rps"]) * 1e6 for r, none in zip(runs[mode], runs["none"], strict=True)
        ]
        results.append(
            {
                "mode": mode,
                "rps": round(rps),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in runs[mode]), 2),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in runs[mode]), 2),
                "rps_vs_none": round(statistics.median(ratios), 3),
                "audit_cost_us_per_request": round(statistics.median(costs), 1),
                "runs_rps": [round(r["rps"]) for r in runs[mode]],
            }
        )
    return results


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    report: dict[str, Any] = {"db": "postgresql" if DB else "sqlite", "cores": os.cpu_count()}
    try:
        if "sink" in PARTS:
            report["sink"] = [sink_throughput(mode, tmp) for mode in ("direct", "journal", "journal-nofsync")]
            for row in report["sink"]:
                print(json.dumps(row, ensure_ascii=False))
        if "http" in PARTS:
            if not shutil.which("hey"):
                sys.exit("bench_audit: part http needs hey (apt-get install -y hey)")
            report["http"] = http_overhead(tmp)
            for row in report["http"]:
                print(json.dumps(row, ensure_ascii=False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        drop_databases()
    results = ROOT / "bench/results"
    results.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (results / f"audit-{stamp}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
