"""Load benchmark of the ESIA REST API: ``GET /rs/prns/{oid}`` reads per second, with and without
``embed``, on one core over a uvicorn-served idp.

Starts the idp as a real uvicorn process pinned to CPU 0 (taskset -c 0), on SQLite (or DB=<url>),
with one person who has every kind of data (contacts, passport, ОМС policy, address, child, car,
an employment), mints an ESIA access token in the shape of ESIA.md §5.1 with the server's own
signing key, checks each scenario answers 200 with the expected shape, then drives it from this
process pinned to CPU 1 with a small keep-alive HTTP/1.1 client on asyncio (C connections, WARMUP
requests, then N, median of RUNS):

  person        GET /rs/prns/{oid}                  (every person scope: names, dates, SNILS...)
  person_embed  GET /rs/prns/{oid}?embed=(contacts.elements,documents.elements,
                    addresses.elements,vehicles.elements,organizations.elements)
  docs          GET /rs/prns/{oid}/docs?embed=(elements)

Loopback only, bounded in count and time. Env: N (5000), C (16), RUNS (3), WARMUP (500), DB,
THREADS (40). Results go to bench/results/esia-rest-<stamp>.json.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

from tests.integration.processes import ServiceProcess, run_cli  # noqa: E402
from tests.live import free_port  # noqa: E402

N = int(os.environ.get("N", "5000"))
C = int(os.environ.get("C", "16"))
RUNS = int(os.environ.get("RUNS", "3"))
WARMUP = int(os.environ.get("WARMUP", "500"))
TWO_CORES = (os.cpu_count() or 1) >= 2
PIN_SERVER = ["taskset", "-c", "0"] if TWO_CORES else []
SCOPES = [
    "openid", "fullname", "birthdate", "gender", "snils", "inn", "birthplace", "id_doc", "medical_doc",
    "contacts", "addresses", "vehicles", "usr_org",
]  # fmt: skip
EMBED = "(contacts.elements,documents.elements,addresses.elements,vehicles.elements,organizations.elements)"


def seed(database_url: str) -> int:
    """One person with every kind of data; returns the oid."""
    from idp.accounts import records
    from idp.accounts.protection import FieldCipher
    from idp.accounts.service import NewAccount, create_account
    from idp.organizations import service as orgs
    from idp.organizations.seeding import CAR, CHILD, MOSCOW
    from idp.settings import IdpSettings
    from shared.db import make_engine, make_sessionmaker

    settings = IdpSettings(dev_mode=True, database_url=database_url)
    cipher = FieldCipher(settings.personal_data_key.get_secret_value())
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        account = create_account(session, cipher, NewAccount(
            last_name="Нагрузкина", first_name="Вера", middle_name="Тестовна", birth_date=dt.date(1980, 1, 2),
            gender="F", email="bench@example.test", phone="+79169999999", snils="112-233-445 95",
            inn="500100732259", password="Bench-Passw0rd!", level="confirmed", email_verified=True,
            phone_verified=True, passport_series="4500", passport_number="123456",
            passport_issue_date=dt.date(2010, 1, 1), passport_issuer="ОВД", passport_division_code="770-001",
        ))  # fmt: skip
        for kind, data in [
            ("medical_policy", {"number": "7700000000009999", "issue_date": "2020-01-01", "issued_by": "СК"}),
            ("address", {"type": "PRG", "address_str": "г. Москва, ул. Нагрузочная, д. 1", "city": "Москва"}),
            ("child", CHILD), ("vehicle", CAR), ("birth_place", {"value": "г. Москва"}),
            ("citizenship", {"value": "RUS"}),
        ]:  # fmt: skip
            records.add_record(session, cipher, account.id, kind, data)
        org = orgs.create_organization(session, MOSCOW)
        orgs.employ(session, account.id, org, position="Врач-терапевт", role="doctor")
        session.commit()
        oid = account.oid
    engine.dispose()
    return oid


def mint(database_url: str, oid: int) -> str:
    """An ESIA access token signed with the running server's current RS256 key."""
    from idp.keys import crypto
    from idp.keys.service import KeyStore
    from idp.settings import IdpSettings
    from shared.db import make_engine, make_sessionmaker

    settings = IdpSettings(dev_mode=True, database_url=database_url)
    engine = make_engine(database_url)
    keys = KeyStore(
        make_sessionmaker(engine), crypto.KeyEncryptor(settings.key_encryption_key.get_secret_value()), 3600
    )
    now = int(time.time())
    claims = {
        "nbf": now, "iat": now, "exp": now + 3600, "iss": "http://esia.gosuslugi.ru/", "client_id": "BENCH",
        "jti": str(uuid.uuid4()), "urn:esia:sid": str(uuid.uuid4()), "urn:esia:sbj_id": oid,
        "scope": " ".join(s if s == "openid" else f"{s}?oid={oid}" for s in SCOPES),
    }  # fmt: skip
    token = keys.sign(claims, "RS256", header={"typ": "JWT", "sbt": "access", "ver": 1})
    engine.dispose()
    return token


async def _connection(
    host: str, port: int, request: bytes, jobs: asyncio.Queue[None], out: list[tuple[int, float]]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            out.append((status, time.perf_counter() - started))
    finally:
        writer.close()


async def _load(base: str, path: str, token: str, count: int) -> dict[str, float]:
    host, port = base.removeprefix("http://").split(":")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    jobs: asyncio.Queue[None] = asyncio.Queue()
    for _ in range(count):
        jobs.put_nowait(None)
    out: list[tuple[int, float]] = []
    started = time.perf_counter()
    await asyncio.gather(*(_connection(host, int(port), request, jobs, out) for _ in range(C)))
    elapsed = time.perf_counter() - started
    latencies = sorted(t for _, t in out)
    return {
        "rps": round(len(out) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "non_200": sum(1 for status, _ in out if status != 200),
    }


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-esia-rest-"))
    db = os.environ.get("DB") or f"sqlite:///{tmp / 'idp.db'}"
    port = free_port()
    settings = {
        "dev_mode": True,
        "database_url": db,
        "issuer": f"http://127.0.0.1:{port}",
        "port": port,
        "log_level": "WARNING",
        "threadpool_size": int(os.environ.get("THREADS", "40")),
    }
    run_cli("idp", settings, "migrate")
    oid = seed(db)
    server = ServiceProcess("idp", settings, tmp / "idp.log", prefix=PIN_SERVER)
    server.start(migrate=False)
    try:
        token = mint(db, oid)
        scenarios = {
            "person": f"/rs/prns/{oid}",
            "person_embed": f"/rs/prns/{oid}?embed={EMBED}",
            "docs": f"/rs/prns/{oid}/docs?embed=(elements)",
        }
        for name, path in scenarios.items():  # each answers what it should before it is timed
            body = httpx.get(server.base_url + path, headers={"Authorization": f"Bearer {token}"}).json()
            assert body.get("snils") == "112-233-445 95" or body.get("size") == 2, (name, body)
            if name == "person_embed":
                assert body["documents"]["size"] == 2 and body["organizations"]["size"] == 1, body
        if TWO_CORES:
            os.sched_setaffinity(0, {1})
        results: dict[str, Any] = {}
        for name, path in scenarios.items():
            asyncio.run(_load(server.base_url, path, token, WARMUP))
            runs = [asyncio.run(_load(server.base_url, path, token, N)) for _ in range(RUNS)]
            median = statistics.median(r["rps"] for r in runs)
            results[name] = {"median_rps": median, "runs": runs}
            failures = sum(r["non_200"] for r in runs)
            print(
                f"{name:<13} {median:>8.1f} req/s  (runs: {[r['rps'] for r in runs]}, "
                f"p50 {runs[0]['p50_ms']} ms, p99 {runs[0]['p99_ms']} ms, non-200 {failures})"
            )
    finally:
        server.stop()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = {"N": N, "C": C, "RUNS": RUNS, "db": "sqlite" if db.startswith("sqlite") else "postgresql",
              "server_cores": 1 if TWO_CORES else "shared", "results": results}  # fmt: skip
    (out_dir / f"esia-rest-{stamp}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
