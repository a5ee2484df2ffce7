"""Benchmark of a transaction Bundle from an integrator (docs/fhir.md «Transactions and batches»).

In process (httpx ASGITransport, no network): the app from create_app on a migrated SQLite database
in a temp dir (or DB=<PostgreSQL URL>), the default durable audit trail (one BALP AuditEvent per
entry, fsync'd before the answer), a practitioner token with a signature-level login. Each request
is a transaction of ENTRIES (20) lab Observations of one patient; every entry is validated with the
R4B models, authorized, indexed and audited as a single create is. Sequential requests for SECONDS
(5) after WARMUP (5) bundles. Reported: entries/s (validation included), bundles/s, p50/p99 of a
bundle (ms). Run pinned to one core for a per-core figure: `taskset -c 0 .venv/bin/python
bench/bench_transaction.py`. Target (issue 14): 1,000 entries/s per core.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from jose import jwk, jwt  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from shared import migrations  # noqa: E402
from tests.conftest import running  # noqa: E402
from tests.egisz_api.fhir import resources as res  # noqa: E402
from tests.live import serve_in_thread  # noqa: E402

ENTRIES = int(os.environ.get("ENTRIES", "20"))
SECONDS = float(os.environ.get("SECONDS", "5"))
WARMUP = int(os.environ.get("WARMUP", "5"))
FHIR_JSON = "application/fhir+json"


def _issuer() -> tuple[bytes, str, dict[str, Any]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kid = "bench-" + uuid.uuid4().hex[:8]
    public = jwk.construct(pem.decode(), algorithm="RS256").public_key().to_dict()
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return pem, kid, {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public.items()}


def _token(pem: bytes, kid: str, issuer: str, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": issuer,
        "aud": "egisz",
        "sub": "bench",
        "iat": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(
        {**body, "client_id": "bench", **claims}, pem.decode(), algorithm="RS256", headers={"kid": kid}
    )


def _bundle(patient: str, n: int) -> dict[str, Any]:
    entries = []
    for _ in range(n):
        obs = res.observation(patient, code="718-7")
        obs["identifier"] = [{"system": "urn:bench", "value": uuid.uuid4().hex}]
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": obs,
                "request": {"method": "POST", "url": "Observation"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


async def main() -> None:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    pem, kid, public = _issuer()

    async def jwks(_request: Any) -> JSONResponse:
        return JSONResponse({"keys": [public]})

    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_in_thread(Starlette(routes=[Route("/jwks", jwks)])) as issuer,
    ):
        url = os.environ.get("DB") or f"sqlite:///{tmp}/egisz.db"
        migrations.upgrade(ROOT / "services" / "egisz_api" / "migrations", url)
        settings = EgiszSettings(
            database_url=url,
            dev_mode=True,
            idp_issuer=issuer,
            idp_jwks_url=f"{issuer}/jwks",
            audit_journal_dir=Path(tmp) / "journal",
            notifications_enabled=False,
            log_level="WARNING",
        )
        app = create_app(settings)
        system = {
            "Authorization": f"Bearer {_token(pem, kid, issuer, scope='system/*.cruds')}",
            "Content-Type": FHIR_JSON,
        }
        signed = _token(
            pem, kid, issuer, scope="user/*.cruds", roles=["lab"], acr="urn:idp:acr:sig", org=res.ORGANIZATION
        )
        writer = {"Authorization": f"Bearer {signed}", "Content-Type": FHIR_JSON}
        async with running(app) as client:
            created = await client.post(
                "/fhir/Patient", json=res.patient("112-233-445 95", "Иванов"), headers=system
            )
            patient = created.json()["id"]
            for _ in range(WARMUP):
                r = await client.post("/fhir", content=json.dumps(_bundle(patient, ENTRIES)), headers=writer)
                assert r.status_code == 200, r.text
            times: list[float] = []
            bodies = [json.dumps(_bundle(patient, ENTRIES)) for _ in range(200)]
            start = time.perf_counter()
            cpu_start = time.process_time()
            i = 0
            while time.perf_counter() - start < SECONDS:
                t0 = time.perf_counter()
                r = await client.post("/fhir", content=bodies[i % len(bodies)], headers=writer)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
                i += 1
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
    times.sort()
    result = {
        "entries_per_bundle": ENTRIES,
        "bundles": len(times),
        "seconds": round(elapsed, 2),
        "entries_per_s": round(len(times) * ENTRIES / elapsed, 1),
        "bundles_per_s": round(len(times) / elapsed, 2),
        # CPU time of the whole process (handler, audit writer, client): steadier than wall time
        # when the host is busy, and the per-core figure when the process is pinned to one core
        "entries_per_cpu_s": round(len(times) * ENTRIES / cpu, 1),
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 1),
        "database": "postgresql" if os.environ.get("DB") else "sqlite",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
