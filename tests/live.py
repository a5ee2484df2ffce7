"""Serving an app over real HTTP on a loopback port, from a thread of the test process."""

from __future__ import annotations

import itertools
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

# Ports handed to servers the tests start. Not the kernel's "port 0" pick: that comes from the
# ephemeral range, which outgoing connections (to PostgreSQL, Redis, the other services) draw from
# too, so between this function closing its probe socket and the server binding, another worker's
# client could take the port ("server did not start" in CI). Below the ephemeral range
# (32768-60999 on Linux) only servers bind, and each xdist worker has its own block of them.
_BLOCK = 500
_FIRST = 20_000
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
_start = _FIRST + (int(_worker) if _worker.isdigit() else 0) % 24 * _BLOCK
# a random place in the block, so two test sessions on one machine rarely probe the same port
_offset = random.randrange(_BLOCK)
_ports = itertools.cycle([*range(_start + _offset, _start + _BLOCK), *range(_start, _start + _offset)])
_ports_lock = threading.Lock()


def free_port() -> int:
    """A loopback port no one listens on, from this worker's block (see above)."""
    with _ports_lock:
        for _ in range(_BLOCK):
            port = next(_ports)
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError(f"no free port in {_start}-{_start + _BLOCK - 1}")


@contextmanager
def serve_in_thread(app: Any, port: int | None = None) -> Iterator[str]:
    port = port or free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    # a bounded poll until the server thread has bound its socket (not a timed assertion)
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_ready(url: str, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers 200: a bounded wait for a real process to start, not a timed
    assertion (the timeout only bounds a hang)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready: {last}")
