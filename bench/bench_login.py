"""Full-login benchmark: people logging in through the pages of a real idp process.

Starts the idp as a uvicorn process pinned to one core (taskset -c 0) and, in this process (pinned
to the other core with the load), a fake notifier: a real HTTP server on loopback that answers
``POST /v1/messages`` with 202 after ``NOTIFIER_MS`` (a real notifier writes its outbox first) and
keeps the codes, so a "person" reads the code the idp sent. Two kinds of login:

  trusted  GET /login, POST /login (password; the browser holds a trusted-device cookie) → signed in
  code     GET /login, POST /login (password; a new browser) → GET /login/code, POST /login/code
           (the six-digit code the idp sent through the notifier) → signed in

For each kind, two phases of ``SECONDS`` each (after ``WARMUP`` seconds):

  peak     C people log in back to back (closed loop): complete logins per second
  80%      logins arrive at 80 % of that peak rate (open loop, Poisson arrivals): the latency a
           person sees below saturation — the issue's target is p99 < 300 ms

During every phase two probes run at ``PROBE_RATE`` requests/s each: a trivial GET that needs no
database (discovery) and a signed-in person's home page (one session lookup); their p50/p99 say
how much a login holds up everyone else.

    taskset -c 1 .venv/bin/python bench/bench_login.py
    DB=postgresql+psycopg://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_login.py

In the open-loop phase each login goes to the person idle longest, so every connection idles
PEOPLE/rate seconds (~5 s at 12 logins/s): right on uvicorn's old 5 s keep-alive timeout and
httpx's 5 s expiry, where a reused connection could be closed under the request ("Server
disconnected without sending a response"; ``bench/keepalive_race.py``). ``serve`` now keeps idle
connections ``IDP_KEEP_ALIVE_SECONDS`` (75), longer than any client here keeps them.

Env: C (8), SECONDS (20), WARMUP (3), KINDS ("trusted code"), PEOPLE (64), THREADS (40),
NOTIFIER_MS (20), PROBE_RATE (5), DB (sqlite in a temp dir | a PostgreSQL server URL: a fresh
database is created and dropped). Loopback only, bounded in time. Results go to
bench/results/login-<stamp>.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from tests.integration.processes import ServiceProcess, run_cli  # noqa: E402
from tests.live import free_port, serve_in_thread  # noqa: E402

C = int(os.environ.get("C", "8"))
SECONDS = float(os.environ.get("SECONDS", "20"))
WARMUP = float(os.environ.get("WARMUP", "3"))
KINDS = os.environ.get("KINDS", "trusted code").split()
PEOPLE = int(os.environ.get("PEOPLE", "64"))
NOTIFIER_MS = float(os.environ.get("NOTIFIER_MS", "20"))
PROBE_RATE = float(os.environ.get("PROBE_RATE", "5"))
TWO_CORES = (os.cpu_count() or 1) >= 2
PIN_SERVER = ["taskset", "-c", "0"] if TWO_CORES else []
PASSWORD = "Bench-Passw0rd-9"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class FakeNotifier:
    """The notifier's intake as the idp sees it: 202 and a message id, after a short pause."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}  # phone → the newest code sent to it
        self.lock = threading.Lock()

    async def messages(self, request: Request) -> JSONResponse:
        body = await request.json()
        await asyncio.sleep(NOTIFIER_MS / 1000)
        code = body.get("params", {}).get("code")
        phone = body.get("recipient", {}).get("phone")
        if code and phone:
            with self.lock:
                self.codes[phone] = code
        return JSONResponse({"id": str(uuid.uuid4()), "status": "queued"}, status_code=202)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/messages", self.messages, methods=["POST"])])


@contextmanager
def database(url: str | None, tmp: Path) -> Iterator[str]:
    if not url:
        yield f"sqlite:///{tmp / 'idp.db'}"
        return
    name = f"bench_login_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def phone(n: int) -> str:
    return f"+7916{n:07d}"


def seed(settings: dict[str, Any], db: str) -> None:
    """Migrate and create PEOPLE accounts with a confirmed phone (so a new browser needs a code)."""
    run_cli("idp", settings, "migrate")
    script = f"""
import sys; sys.path[:0]={[str(ROOT), str(ROOT / "services")]!r}
from idp.settings import IdpSettings
from idp.accounts.service import NewAccount, create_account
from idp.accounts.protection import FieldCipher
from shared.db import make_engine, make_sessionmaker
s = IdpSettings(dev_mode=True, database_url={db!r})
cipher = FieldCipher(s.personal_data_key.get_secret_value())
with make_sessionmaker(make_engine(s.database_url))() as session:
    for n in range({PEOPLE}):
        create_account(session, cipher, NewAccount(
            last_name="Bench", first_name=f"P{{n}}", email=f"p{{n}}@example.test",
            phone=f"+7916{{n:07d}}", phone_verified=True, password={PASSWORD!r}))
    session.commit()
"""
    subprocess.run([sys.executable, "-c", script], check=True)


@contextmanager
def idp_server(settings: dict[str, Any], log: Path) -> Iterator[str]:
    """The idp as a uvicorn process pinned to CPU 0 (as bench_idp.py does); stopped on exit."""
    proc = ServiceProcess("idp", settings, log, prefix=PIN_SERVER)
    proc.start(migrate=False)
    try:
        yield proc.base_url
    finally:
        proc.stop()


class Person:
    def __init__(self, n: int, base: str, notifier: FakeNotifier) -> None:
        self.n, self.notifier = n, notifier
        self.http = httpx.AsyncClient(base_url=base, timeout=60)
        self.device: str | None = None

    async def login(self, kind: str) -> None:
        """One whole login; raises if any step answers something unexpected."""
        self.http.cookies.clear()
        if kind == "trusted":
            assert self.device, "no trusted device"
            self.http.cookies.set("idp_device", self.device)
        page = await self.http.get("/login")
        token = CSRF.search(page.text)
        assert page.status_code == 200 and token, page.status_code
        form = {"login": f"p{self.n}@example.test", "password": PASSWORD, "csrf_token": token.group(1)}
        answer = await self.http.post("/login", data=form)
        location = answer.headers.get("location", "")
        if kind == "trusted":
            assert answer.status_code == 303 and location == "/account", (answer.status_code, location)
            return
        assert answer.status_code == 303 and location.startswith("/login/code?"), (
            answer.status_code,
            location,
        )
        assert "problem" not in location, location
        page = await self.http.get(location)
        token = CSRF.search(page.text)
        assert page.status_code == 200 and token, page.status_code
        with self.notifier.lock:
            code = self.notifier.codes[phone(self.n)]
        data = {"p": parse_qs(urlsplit(location).query)["p"][0], "code": code, "csrf_token": token.group(1)}
        if self.device is None:
            data["trust"] = "yes"
        done = await self.http.post("/login/code", data=data)
        assert done.status_code == 303 and done.headers.get("location") == "/account", done.status_code
        if self.device is None:
            self.device = done.cookies.get("idp_device")


class Recorder:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error: str | None = None

    async def timed(self, call: Any) -> None:
        t0 = time.perf_counter()
        try:
            await call()
        except Exception as exc:  # counted and reported, the load goes on
            self.errors += 1
            self.first_error = self.first_error or f"{type(exc).__name__}: {exc}"[:300]
            return
        self.latencies.append(time.perf_counter() - t0)

    def summary(self, seconds: float) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(len(lat) * p))] * 1000, 1) if lat else 0.0

        return {
            "count": len(lat),
            "per_s": round(len(lat) / seconds, 2),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": pct(1.0),
            "errors": self.errors,
            **({"first_error": self.first_error} if self.first_error else {}),
        }


async def probes(base: str, home_cookie: str, stop: asyncio.Event) -> dict[str, Recorder]:
    """Two steady streams of cheap requests beside the logins (open loop: one task per request)."""
    out = {"discovery": Recorder(), "home": Recorder()}
    # one client each: a stuck home page must not hold the discovery probe's connections
    async with (
        httpx.AsyncClient(base_url=base, timeout=60) as http,
        httpx.AsyncClient(base_url=base, timeout=60, cookies={"idp_session": home_cookie}) as signed,
    ):

        async def discovery() -> None:
            r = await http.get("/.well-known/openid-configuration")
            assert r.status_code == 200, r.status_code

        async def home() -> None:
            r = await signed.get("/")
            assert r.status_code == 200 and "P0" in r.text, r.status_code

        tasks: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            for name, call in (("discovery", discovery), ("home", home)):
                task = asyncio.create_task(out[name].timed(call))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(1 / PROBE_RATE)
        await asyncio.gather(*tasks)
    return out


async def closed_loop(people: list[Person], kind: str, seconds: float) -> Recorder:
    """C people logging in back to back for ``seconds``."""
    rec = Recorder()
    deadline = time.perf_counter() + seconds

    async def person(p: Person) -> None:
        while time.perf_counter() < deadline:
            await rec.timed(lambda: p.login(kind))

    await asyncio.gather(*(person(p) for p in people[:C]))
    return rec


async def open_loop(people: list[Person], kind: str, rate: float, seconds: float) -> Recorder:
    """Logins starting at ``rate`` per second (Poisson), each by a person not logging in already."""
    rec = Recorder()
    idle: asyncio.Queue[Person] = asyncio.Queue()
    for p in people:
        idle.put_nowait(p)
    rng = random.Random(9)
    tasks = []

    async def one() -> None:
        p = await idle.get()
        try:
            await rec.timed(lambda: p.login(kind))
        finally:
            idle.put_nowait(p)

    t_end = time.perf_counter() + seconds
    next_at = time.perf_counter()
    while next_at < t_end:
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
        next_at += rng.expovariate(rate)
    await asyncio.gather(*tasks)
    return rec


async def phase(base: str, home_cookie: str, run: Any) -> dict[str, Any]:
    stop = asyncio.Event()
    probe_task = asyncio.create_task(probes(base, home_cookie, stop))
    t0 = time.perf_counter()
    rec = await run()
    elapsed = time.perf_counter() - t0
    stop.set()
    probed = await probe_task
    return {
        "logins": rec.summary(elapsed),
        **{f"get_{name}": r.summary(elapsed) for name, r in probed.items()},
    }


def line(label: str, result: dict[str, Any]) -> str:
    log = result["logins"]
    parts = [
        f"{label:16s} {log['per_s']:6.1f} logins/s  "
        f"login p50 {log['p50_ms']:7.1f} p99 {log['p99_ms']:7.1f} ms"
    ]
    for name in ("discovery", "home"):
        g = result[f"get_{name}"]
        parts.append(f"GET {name} p50 {g['p50_ms']:6.1f} p99 {g['p99_ms']:7.1f} ms")
    errors = log["errors"] + result["get_discovery"]["errors"] + result["get_home"]["errors"]
    parts.append(f"errors {errors}")
    first = log.get("first_error") or result["get_home"].get("first_error")
    return "  ".join(parts) + (f"  ({first})" if first else "")


async def drive(base: str, notifier: FakeNotifier) -> dict[str, Any]:
    people = [Person(n, base, notifier) for n in range(PEOPLE)]
    # Everyone logs in once with a code and trusts the browser: the device cookie for "trusted".
    for chunk in range(0, PEOPLE, 8):
        await asyncio.gather(*(p.login("code") for p in people[chunk : chunk + 8]))
    prober = Person(0, base, notifier)
    prober.device = people[0].device
    await prober.login("trusted")
    home_cookie = prober.http.cookies.get("idp_session")
    assert home_cookie, "the probe could not sign in"
    results: dict[str, Any] = {}
    for kind in KINDS:
        await closed_loop(people, kind, WARMUP)
        peak = await phase(base, home_cookie, lambda kind=kind: closed_loop(people, kind, SECONDS))
        print(line(f"{kind} peak C={C}", peak), flush=True)
        rate = 0.8 * peak["logins"]["per_s"]
        steady = await phase(
            base, home_cookie, lambda kind=kind, rate=rate: open_loop(people, kind, rate, SECONDS)
        )
        print(line(f"{kind} @{rate:.1f}/s", steady), flush=True)
        results[kind] = {"peak": peak, "at_80_percent": {"rate": round(rate, 2), **steady}}
    for p in [*people, prober]:
        await p.http.aclose()
    return results


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop the idp
    if TWO_CORES:
        os.sched_setaffinity(0, {1})  # the load and the fake notifier stay off the idp's core
    tmp = Path(tempfile.mkdtemp(prefix="bench-login-"))
    notifier = FakeNotifier()
    with database(os.environ.get("DB"), tmp) as db, serve_in_thread(notifier.app()) as notifier_url:
        port = free_port()
        settings = {
            "dev_mode": True,
            "database_url": db,
            "issuer": f"http://127.0.0.1:{port}",
            "port": port,
            "log_level": "WARNING",
            "threadpool_size": int(os.environ.get("THREADS", "40")),
            "login_rate_limit": "1000000/minute",  # every person comes from 127.0.0.1
            "notifier_url": notifier_url,
            "code_resend_cooldown_seconds": 0,
            "code_max_sends_per_hour": 1000000,
        }
        seed(settings, db)
        with idp_server(settings, tmp / "idp.log") as base:
            results = asyncio.run(drive(base, notifier))
    meta = {
        "db": db.split(":")[0],
        "C": C,
        "seconds": SECONDS,
        "people": PEOPLE,
        "notifier_ms": NOTIFIER_MS,
        "probe_rate": PROBE_RATE,
        "pinned": TWO_CORES,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip(),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"login-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({**meta, "results": results}, indent=2))
    print(f"results: {path}", flush=True)


if __name__ == "__main__":
    main()
