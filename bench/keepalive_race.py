"""Why the open-loop login benchmark once saw "Server disconnected": the keep-alive race.

A uvicorn server closes a connection that has been idle ``timeout_keep_alive`` seconds (its
default: 5); an httpx client reuses a pooled connection until it has been idle
``keepalive_expiry`` seconds (its default: 5 too). When a client sends its next request on a
connection just as the server closes it, that request fails: "Server disconnected without
sending a response", or "Connection reset by peer" when the close meets the request's bytes.
The open-loop phase of ``bench_login.py`` hands each login to the person idle longest: with 64
people at ~12 logins/s each connection idles ~5 s, right on both timeouts.

This script shows the race at a small scale (a 0.2 s server timeout, so it runs in seconds):
a request, an idle pause drawn around the server's timeout, the next request on the same
connection, ``TRIALS`` times, for two settings:

  race   server timeout 0.2 s < client expiry 5 s: the client reuses connections the server
         is closing (a few requests in a few hundred fail)
  fixed  server timeout 0.4 s > client expiry 0.2 s: the client drops an idle connection before
         the server would, and opens a new one (none fail)

which is why ``serve`` now keeps idle connections ``*_KEEP_ALIVE_SECONDS`` (75 s: more than
httpx's 5 s and a proxy's 60 s).

    .venv/bin/python bench/keepalive_race.py
    TRIALS=600 .venv/bin/python bench/keepalive_race.py

Loopback only, bounded in time (~TRIALS x 0.6 s).
"""

from __future__ import annotations

import os
import threading
import time

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

TRIALS = int(os.environ.get("TRIALS", "300"))


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def run(label: str, server_timeout: float, client_expiry: float, idle_around: float) -> None:
    config = uvicorn.Config(
        Starlette(routes=[Route("/", hello)]),
        host="127.0.0.1",
        port=0,
        log_level="error",
        timeout_keep_alive=server_timeout,  # type: ignore[arg-type]  # a float works (call_later)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    failures: dict[str, int] = {}
    limits = httpx.Limits(keepalive_expiry=client_expiry)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=10) as client:
        for trial in range(TRIALS):
            client.get("/")
            time.sleep(idle_around - 0.003 + 0.00003 * (trial % 200))  # ±3 ms around the timeout
            try:
                client.get("/")
            except httpx.TransportError as exc:
                name = f"{type(exc).__name__}: {exc}"
                failures[name] = failures.get(name, 0) + 1
    server.should_exit = True
    thread.join(timeout=10)
    failed = sum(failures.values())
    print(
        f"{label:6s} server keep-alive {server_timeout} s, client expiry {client_expiry} s: "
        f"{failed}/{TRIALS} requests failed {failures or ''}",
        flush=True,
    )


def main() -> None:
    run("race", server_timeout=0.2, client_expiry=5.0, idle_around=0.2)
    run("fixed", server_timeout=0.4, client_expiry=0.2, idle_around=0.4)


if __name__ == "__main__":
    main()
