"""What a login's p50/p99 can be at a given load, from its service time alone: the queueing
arithmetic behind docs/architecture.md "Login latency".

Logins arrive at random (Poisson) at ``LOAD`` x the peak rate; each needs ``S`` ms of the server.
Three ways of serving them are simulated (``ARRIVALS`` arrivals each, a fixed seed):

  M/D/1   one core, first come first served: the best one core can do (exact, from Erlang's
          waiting-time distribution of M/D/1: p99 = 11.36 S at 80 %, 5.53 S at 60 %)
  PS      one core shared equally among every login in flight (processor sharing): what a
          threadpool under one GIL does to the Python part of each request
  M/D/2   two worker processes on two cores, first come first served, at LOAD x their peak

    .venv/bin/python bench/login_queueing.py
    S="26 40" LOAD="0.6 0.8" .venv/bin/python bench/login_queueing.py

Env: S (service times in ms, "18 26 40"), LOAD ("0.8"), ARRIVALS (200000; the simulated p99s
move by ~10 % from one seed to another at 80 %).
"""

from __future__ import annotations

import heapq
import math
import os
import random
from decimal import Decimal, getcontext

SERVICE_MS = [float(s) for s in os.environ.get("S", "18 26 40").split()]
LOADS = [float(x) for x in os.environ.get("LOAD", "0.8").split()]
ARRIVALS = int(os.environ.get("ARRIVALS", "200000"))


def percentiles(times: list[float]) -> tuple[float, float]:
    times.sort()
    return times[len(times) // 2] * 1000, times[int(len(times) * 0.99)] * 1000


def md1_waiting_cdf(t: float, load: float) -> Decimal:
    """P(wait <= t service times) in M/D/1 (Erlang 1909); exact decimals: the terms alternate."""
    getcontext().prec = 60
    total = Decimal(0)
    for k in range(math.floor(t) + 1):
        x = Decimal(load) * (Decimal(k) - Decimal(t))
        total += x**k / Decimal(math.factorial(k)) * (-x).exp()
    return (1 - Decimal(load)) * total


def md1_exact(load: float, service: float) -> tuple[float, float]:
    def quantile(p: float) -> float:
        low, high = 0.0, 200.0
        for _ in range(50):
            mid = (low + high) / 2
            low, high = (mid, high) if md1_waiting_cdf(mid, load) < Decimal(p) else (low, mid)
        return (low + 1) * service * 1000  # the wait plus the login's own service

    return quantile(0.5), quantile(0.99)


def first_come(load: float, service: float, servers: int) -> tuple[float, float]:
    rng = random.Random(9)
    rate = load * servers / service
    free = [0.0] * servers  # when each server is next free
    now, times = 0.0, []
    for _ in range(ARRIVALS):
        now += rng.expovariate(rate)
        start = max(now, heapq.heappop(free))
        heapq.heappush(free, start + service)
        times.append(start + service - now)
    return percentiles(times)


def processor_sharing(load: float, service: float) -> tuple[float, float]:
    rng = random.Random(9)
    rate = load / service
    arrivals, at = [], 0.0
    for _ in range(ARRIVALS):
        at += rng.expovariate(rate)
        arrivals.append(at)
    left: dict[int, float] = {}  # login → service still needed
    now, nxt, times = 0.0, 0, []
    while nxt < ARRIVALS or left:
        share = len(left)
        done_at = now + min(left.values()) * share if share else float("inf")
        arrive_at = arrivals[nxt] if nxt < ARRIVALS else float("inf")
        until = min(done_at, arrive_at)
        for login in left:
            left[login] -= (until - now) / share
        now = until
        for login in [login for login, rest in left.items() if rest <= 1e-12]:
            times.append(now - arrivals[login])
            del left[login]
        if arrive_at <= done_at:
            left[nxt] = service
            nxt += 1
    return percentiles(times)


def main() -> None:
    for load in LOADS:
        for ms in SERVICE_MS:
            service = ms / 1000
            row = {
                "M/D/1": md1_exact(load, service),
                "PS": processor_sharing(load, service),
                "M/D/2": first_come(load, service, 2),
            }
            cells = "  ".join(f"{name} p50 {p50:5.0f} p99 {p99:5.0f} ms" for name, (p50, p99) in row.items())
            print(f"load {load:.0%}  S {ms:4.0f} ms  {cells}", flush=True)


if __name__ == "__main__":
    main()
