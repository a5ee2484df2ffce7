"""Notifier benchmark (run on demand; loopback only; bounded in count and time; stops by itself).

1. Intake: messages accepted per second by ``POST /v1/messages`` on a real uvicorn process (the
   dispatcher off, so only intake is measured), from N client threads with keep-alive connections.
2. End-to-end e-mail latency at a steady rate: the dispatcher on, a local aiosmtpd server,
   messages posted at a fixed rate; latency = SMTP server receipt time - POST send time; p50/p99.

    .venv/bin/python bench/bench_notifier.py [--messages 1000] [--threads 8] [--rate 50] [--seconds 10]

Uses SQLite files in a temporary directory (or ``--database-url-base postgresql+psycopg://...``
for PostgreSQL: databases are created and dropped). Prints the figures and exits.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

import httpx  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.integration.processes import ServiceProcess, run_cli  # noqa: E402
from tests.live import free_port  # noqa: E402

HARD_LIMIT_SECONDS = 300


class Receipts:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        now = time.perf_counter()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.at.setdefault(str(message["X-Notifier-Message-Id"]), now)
        return "250 OK"


def _database(base: str | None, tmp: Path, name: str) -> str:
    if not base:
        return f"sqlite:///{tmp / name}.db"
    db = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    admin.dispose()
    return make_url(base).set(database=db).render_as_string(hide_password=False)


def _drop(base: str | None, url: str) -> None:
    if not base:
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _body(i: int, run: str) -> dict[str, Any]:
    return {
        "template": "otp_code",
        "params": {"code": f"{i % 1000000:06d}"},
        "recipient": {"email": f"bench{i}-{run}@example.test"},
        "channels": ["email"],
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_intake(base_url: str, token: str, messages: int, threads: int) -> float:
    local = threading.local()
    run = uuid.uuid4().hex[:6]

    def post(i: int) -> int:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=base_url, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{run}-{i}"}
        return client.post("/v1/messages", json=_body(i, run), headers=headers).status_code

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(post, range(min(50, messages))))  # warm up connections and caches
        started = time.perf_counter()
        statuses = list(pool.map(post, range(50, 50 + messages)))
        elapsed = time.perf_counter() - started
    bad = [s for s in statuses if s != 202]
    if bad:
        raise SystemExit(f"intake: {len(bad)} requests failed, e.g. {bad[:3]}")
    return messages / elapsed


def bench_latency(base_url: str, token: str, receipts: Receipts, rate: float, seconds: float) -> list[float]:
    run = uuid.uuid4().hex[:6]
    sent: dict[str, float] = {}
    interval = 1.0 / rate
    count = int(rate * seconds)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        start = time.perf_counter()
        for i in range(count):
            target = start + i * interval
            pause = target - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            t0 = time.perf_counter()
            response = client.post(
                "/v1/messages", json=_body(i, run), headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code != 202:
                raise SystemExit(f"latency: POST answered {response.status_code}: {response.text}")
            sent[response.json()["id"]] = t0
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        with receipts.lock:
            if all(mid in receipts.at for mid in sent):
                break
        time.sleep(0.05)
    with receipts.lock:
        missing = [mid for mid in sent if mid not in receipts.at]
        if missing:
            raise SystemExit(f"latency: {len(missing)} e-mails never arrived")
        return [receipts.at[mid] - t0 for mid, t0 in sent.items()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000, help="messages for the intake figure")
    parser.add_argument("--threads", type=int, default=8, help="client threads for the intake figure")
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second for the latency figure")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the latency run")
    parser.add_argument("--database-url-base", default=None, help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    if args.database_url_base and make_url(args.database_url_base).host not in (
        "127.0.0.1",
        "localhost",
        "::1",
    ):
        raise SystemExit("bench: loopback only; --database-url-base must point at 127.0.0.1")
    timer = threading.Timer(
        HARD_LIMIT_SECONDS, lambda: (print("bench: time limit", file=sys.stderr), __import__("os")._exit(2))
    )
    timer.daemon = True
    timer.start()

    tmp = Path(tempfile.mkdtemp(prefix="bench-notifier-"))
    receipts = Receipts()
    smtp_port = free_port()
    controller = Controller(receipts, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    urls = {name: _database(args.database_url_base, tmp, name) for name in ("idp", "intake", "e2e")}
    idp_port = free_port()
    issuer = f"http://127.0.0.1:{idp_port}"
    idp_settings = {
        "dev_mode": True,
        "database_url": urls["idp"],
        "issuer": issuer,
        "port": idp_port,
        "log_level": "WARNING",
    }
    run_cli("idp", idp_settings, "migrate")
    caller = run_cli(
        "idp", idp_settings, "add-client", "bench", "--scope", "notify:send", "--audience", "notifier"
    )
    common = {
        "dev_mode": True,
        "idp_issuer": issuer,
        "idp_jwks_url": f"{issuer}/.well-known/jwks.json",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_security": "none",
        "recipient_rate_limit": "1000000/minute",
        "email_send_rate": "10000/second",
        "log_level": "WARNING",
    }
    idp = ServiceProcess("idp", idp_settings, tmp / "idp.log")
    intake = ServiceProcess(
        "notifier",
        {**common, "database_url": urls["intake"], "dispatcher_enabled": False},
        tmp / "intake.log",
    )
    e2e = ServiceProcess("notifier", {**common, "database_url": urls["e2e"]}, tmp / "e2e.log")
    backend = "PostgreSQL" if args.database_url_base else "SQLite"
    try:
        idp.start()
        token = httpx.post(
            f"{issuer}/token",
            data={"grant_type": "client_credentials", "scope": "notify:send"},
            auth=(caller["client_id"], caller["client_secret"]),
        ).json()["access_token"]

        intake.start()
        per_second = bench_intake(intake.base_url, token, args.messages, args.threads)
        intake.stop()
        setup = f"{backend}, 1 uvicorn worker, {args.threads} client threads, {args.messages} messages"
        print(f"intake ({setup}): {per_second:.0f} messages/s accepted")

        e2e.start()
        latencies = bench_latency(e2e.base_url, token, receipts, args.rate, args.seconds)
        e2e.stop()
        ms = [v * 1000 for v in latencies]
        setup = f"{backend}, {args.rate:g} msg/s for {args.seconds:g} s, {len(ms)} messages"
        print(
            f"e-mail end to end ({setup}): p50 {_percentile(ms, 0.5):.1f} ms, "
            f"p99 {_percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
        )
    finally:
        for proc in (intake, e2e, idp):
            proc.stop()
        controller.stop()
        for url in urls.values():
            _drop(args.database_url_base, url)


if __name__ == "__main__":
    main()
