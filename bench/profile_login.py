"""CPU per complete login, and where it goes: the idp in this process, logins one after another.

Wall-clock benchmarks (``bench_login.py``) are noisy on a shared machine; CPU time is not. This
script builds the idp with ``create_app`` (as the tests do), seeds ``PEOPLE`` accounts with a
confirmed phone, and drives the same two kinds of login as ``bench_login.py`` through an in-process
httpx client (``ASGITransport``):

  trusted  GET /login, POST /login (password; trusted-device cookie) → signed in
  code     GET /login, POST /login (password; a new browser) → GET /login/code, POST /login/code

The code comes from a fake notifier in a child process (a real HTTP server on loopback that keeps
the codes; its CPU is not this process's). For each kind it prints:

- the process CPU per login (``time.process_time``: every thread of this process, the client's
  share included), the least of ``ROUNDS`` rounds of ``N`` logins (other load on the machine only
  ever adds) and their median, and the CPU of each request of the login;
- the SQL statements, commits (and how many were write transactions: ``BEGIN IMMEDIATE``), rollbacks
  and threadpool hops per login (exact counts, not noisy);
- the top functions by own and by cumulative CPU under cProfile. For the profile the threadpool
  hop is made inline (``anyio.to_thread.run_sync`` runs the function on the event loop's thread),
  because cProfile sees one thread only; the CPU figures are taken with the real threadpool.

``argon2 verify alone`` is the CPU of one password hash here and now: the floor of a password
login, and a yardstick for how loaded the machine is.

    .venv/bin/python bench/profile_login.py
    N=200 ROUNDS=3 KINDS=trusted TOP=40 SORT=tottime .venv/bin/python bench/profile_login.py
    PROFILE=0 SQL=1 .venv/bin/python bench/profile_login.py

Env: N (50 logins per round), ROUNDS (5), KINDS ("trusted code"), PEOPLE (16), PROFILE (1: run
the profile pass; 0: CPU figures only), TOP (30 rows), SORT ("tottime cumulative"), FILTER (a
regular expression the rows' file:function must match, e.g. "services|shared"), DUMP (a folder:
write <kind>.prof there for snakeviz or pstats), SQL (1: list the statements of a login, with how
often each runs per login).
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

N = int(os.environ.get("N", "50"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
KINDS = os.environ.get("KINDS", "trusted code").split()
PEOPLE = int(os.environ.get("PEOPLE", "16"))
TOP = int(os.environ.get("TOP", "30"))
PROFILE = os.environ.get("PROFILE", "1") == "1"
DUMP = os.environ.get("DUMP")
FILTER = os.environ.get("FILTER", "")
SQL = os.environ.get("SQL", "0") == "1"
PASSWORD = "Bench-Passw0rd-9"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def phone(n: int) -> str:
    return f"+7916{n:07d}"


def _notifier(port_out: Any) -> None:
    """The notifier's intake: 202 to ``POST /v1/messages``, the newest code per phone kept and
    told back to ``GET /codes/<phone>``."""
    codes: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            code = body.get("params", {}).get("code")
            recipient = body.get("recipient", {}).get("phone")
            if code and recipient:
                codes[recipient] = code
            self._answer(202, {"id": "00000000-0000-4000-8000-000000000000", "status": "queued"})

        def do_GET(self) -> None:
            self._answer(200, {"code": codes.get(self.path.rsplit("/", 1)[-1])})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.send(server.server_address[1])
    server.serve_forever()


def build_app(db: str, notifier_url: str) -> Any:
    from idp.accounts.service import NewAccount, create_account
    from idp.main import create_app
    from idp.settings import IdpSettings
    from shared import migrations

    migrations.upgrade(ROOT / "services/idp/migrations", db)
    settings = IdpSettings(
        dev_mode=True,
        database_url=db,
        issuer="http://testserver",
        log_level="WARNING",
        login_rate_limit="1000000/minute",
        notifier_url=notifier_url,
        code_resend_cooldown_seconds=0,
        code_max_sends_per_hour=1000000,
    )
    app = create_app(settings)
    with app.state.session_factory() as session:
        for n in range(PEOPLE):
            create_account(
                session,
                app.state.field_cipher,
                NewAccount(
                    last_name="Bench",
                    first_name=f"P{n}",
                    email=f"p{n}@example.test",
                    phone=phone(n),
                    phone_verified=True,
                    password=PASSWORD,
                ),
            )
        session.commit()
    return app


#: CPU per step of a login (the request, the client's share included), summed over the logins
STEPS: defaultdict[str, float] = defaultdict(float)


async def timed(step: str, request: Awaitable[httpx.Response]) -> httpx.Response:
    cpu0 = time.process_time()
    response = await request
    STEPS[step] += time.process_time() - cpu0
    return response


class Person:
    def __init__(self, n: int, http: httpx.AsyncClient, codes: httpx.Client) -> None:
        self.n, self.http, self.codes = n, http, codes
        self.device: str | None = None

    async def login(self, kind: str) -> None:
        self.http.cookies.clear()
        if kind == "trusted":
            assert self.device, "no trusted device"
            self.http.cookies.set("idp_device", self.device)
        page = await timed("GET /login", self.http.get("/login"))
        token = CSRF.search(page.text)
        assert page.status_code == 200 and token, page.status_code
        form = {"login": f"p{self.n}@example.test", "password": PASSWORD, "csrf_token": token.group(1)}
        answer = await timed("POST /login", self.http.post("/login", data=form))
        location = answer.headers.get("location", "")
        if kind == "trusted":
            assert answer.status_code == 303 and location == "/account", (answer.status_code, location)
            return
        assert answer.status_code == 303 and location.startswith("/login/code?"), location
        assert "problem" not in location, location
        page = await timed("GET /login/code", self.http.get(location))
        token = CSRF.search(page.text)
        assert page.status_code == 200 and token, page.status_code
        code = self.codes.get(f"/codes/{phone(self.n)}").json()["code"]
        data = {"p": parse_qs(urlsplit(location).query)["p"][0], "code": code, "csrf_token": token.group(1)}
        if self.device is None:
            data["trust"] = "yes"
        done = await timed("POST /login/code", self.http.post("/login/code", data=data))
        assert done.status_code == 303 and done.headers.get("location") == "/account", done.status_code
        if self.device is None:
            self.device = done.cookies.get("idp_device")


def argon2_cpu_ms() -> float:
    """CPU of one argon2 verification here and now (the floor of a password login)."""
    from idp.accounts.passwords import hash_password, verify_password

    stored = hash_password(PASSWORD)
    cpu0 = time.process_time()
    for _ in range(20):
        verify_password(PASSWORD, stored)
    return (time.process_time() - cpu0) / 20 * 1000


async def _inline_run_sync(func: Any, *args: Any, **_: Any) -> Any:
    return func(*args)


#: calls of anyio.to_thread.run_sync (FastAPI's threadpool hops, the session's commit)
HOPS = [0]


def _counting(run_sync: Any) -> Any:
    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        HOPS[0] += 1
        return await run_sync(func, *args, **kwargs)

    return counted


async def drive(app: Any, notifier_url: str) -> None:
    import anyio.to_thread

    statements: list[str] = []
    ends: Counter[str] = Counter()  # transactions ended: commit / rollback

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    @event.listens_for(app.state.engine, "commit")
    def committed(conn: Any) -> None:
        ends["commit"] += 1

    @event.listens_for(app.state.engine, "rollback")
    def rolled_back(conn: Any) -> None:
        ends["rollback"] += 1

    anyio.to_thread.run_sync = _counting(anyio.to_thread.run_sync)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        clients = [
            httpx.AsyncClient(transport=transport, base_url="http://testserver") for _ in range(PEOPLE)
        ]
        with httpx.Client(base_url=notifier_url) as codes:
            people = [Person(n, clients[n], codes) for n in range(PEOPLE)]
            for p in people:  # everyone trusts their browser once: the device cookie for "trusted"
                await p.login("code")
            print(f"argon2 verify alone: CPU {argon2_cpu_ms():.1f} ms", flush=True)
            for kind in KINDS:
                for i in range(10):  # warm caches
                    await people[i % PEOPLE].login(kind)
                rounds = []
                writes = 0
                for _ in range(ROUNDS):
                    statements.clear()
                    ends.clear()
                    STEPS.clear()
                    HOPS[0] = 0
                    cpu0, wall0 = time.process_time(), time.perf_counter()
                    for i in range(N):
                        await people[i % PEOPLE].login(kind)
                    cpu = (time.process_time() - cpu0) / N * 1000
                    wall = (time.perf_counter() - wall0) / N * 1000
                    rounds.append((cpu, wall, dict(STEPS)))
                    writes = sum(1 for s in statements if s == "BEGIN IMMEDIATE")
                best, best_wall, steps = min(rounds, key=lambda r: r[0])
                median = statistics.median(r[0] for r in rounds)
                print(
                    f"{kind:8s} CPU {best:6.1f} ms/login (least of {ROUNDS} rounds of {N}; "
                    f"median {median:.1f}; wall {best_wall:.1f})  {len(statements) / N:.1f} SQL statements, "
                    f"{HOPS[0] / N:.1f} thread hops, {ends['commit'] / N:.1f} commits "
                    f"({writes / N:.1f} write transactions), {ends['rollback'] / N:.1f} rollbacks"
                )
                print("  " + ", ".join(f"{step} {cpu / N * 1000:.1f}" for step, cpu in steps.items()))
                if SQL:
                    for statement, times in Counter(
                        " ".join(s.split())[:150] for s in statements
                    ).most_common():
                        print(f"  {times / N:5.1f}  {statement}")
                sys.stdout.flush()
                if not PROFILE:
                    continue
                real_run_sync = anyio.to_thread.run_sync
                anyio.to_thread.run_sync = _inline_run_sync  # type: ignore[assignment]
                profiler = cProfile.Profile(time.process_time)  # CPU, not wall: robust to load
                try:
                    profiler.enable()
                    for i in range(N):
                        await people[i % PEOPLE].login(kind)
                    profiler.disable()
                finally:
                    anyio.to_thread.run_sync = real_run_sync
                if DUMP:
                    Path(DUMP).mkdir(parents=True, exist_ok=True)
                    profiler.dump_stats(str(Path(DUMP) / f"{kind}.prof"))
                for sort in os.environ.get("SORT", "tottime cumulative").split():
                    out = io.StringIO()
                    stats = pstats.Stats(profiler, stream=out)
                    stats.sort_stats(sort).print_stats(FILTER, TOP) if FILTER else stats.sort_stats(
                        sort
                    ).print_stats(TOP)
                    print(f"--- {kind}: top {TOP} by {sort} (N={N}) ---")
                    print(out.getvalue().split("\n\n", 1)[-1], flush=True)
        for client in clients:
            await client.aclose()


def main() -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    notifier = multiprocessing.Process(target=_notifier, args=(send,), daemon=True)
    notifier.start()
    try:
        notifier_url = f"http://127.0.0.1:{receive.recv()}"
        with tempfile.TemporaryDirectory(prefix="profile-login-") as tmp:
            app = build_app(f"sqlite:///{Path(tmp) / 'idp.db'}", notifier_url)
            asyncio.run(drive(app, notifier_url))
    finally:
        notifier.terminate()
        notifier.join()


if __name__ == "__main__":
    main()
