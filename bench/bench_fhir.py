"""Load benchmark of the FHIR API against the Medplum peer, in the same run and the same shape.

Starts egisz_api as a real uvicorn process (one worker) pinned to one core (taskset -c 1), with a
JWKS served from this process so that every request carries a real RS256 bearer token that the
server verifies (then caches until its exp); every request is authorized (scopes, role,
compartment, the consent gate: the app's default gate, called for every patient touched) and
audited through the app's sink (a BALP AuditEvent fsync'd to the journal before the response,
written behind into the database). SERVER_CPU (default 1) is the core the servers are pinned to;
the load generator and the seeding get the other one. Seeds it through its REST API with the peer's
own seed.mjs (the same deterministic data set: P patients, ~OBS lab Observations each, encounters,
conditions, prescriptions, immunizations), then drives each scenario with `hey` pinned to the
other core (warm-up, RUNS measured runs of N requests, median):

  read     GET /fhir/Observation/{id}                                   (the manifest's middle one)
  search   GET /fhir/Observation?patient=Patient/{id}&_count=20&_sort=-date   (the middle patient)

then one more run per scenario at 80 % of the measured rate (hey -q), whose p99 is the latency
figure of the target "p99 < 50 ms at 80 %". RSS of the server after start, after seeding and at
the end.

With PEER=<folder> (a writable copy of ../shared/peers/medplum-fhir with `npm ci` done) the peer
(Medplum's FhirRouter over its MemoryRepository; no access control at all) is started pinned to
the same core, seeded with the same script and measured with the same scenarios in the same run:
ours and the peer alternate per run (ours first on odd runs).

Loopback only, bounded in count and time. Needs `hey` and node (for seed.mjs; PEER also needs
the peer's node_modules). Env: N (5000), C (16), RUNS (3), WARMUP (500), P (200), OBS (20),
DB (sqlite | a postgresql+psycopg URL), SCENARIOS ("read search"), PEER.
Results go to bench/results/fhir-<stamp>.json.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from jose import jwk, jwt  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from tests.integration.processes import ServiceProcess  # noqa: E402
from tests.live import free_port, serve_in_thread, wait_ready  # noqa: E402

N = int(os.environ.get("N", "5000"))
C = int(os.environ.get("C", "16"))
RUNS = int(os.environ.get("RUNS", "3"))
WARMUP = int(os.environ.get("WARMUP", "500"))
P = int(os.environ.get("P", "200"))
OBS = int(os.environ.get("OBS", "20"))
SCENARIOS = os.environ.get("SCENARIOS", "read search").split()
PEER = os.environ.get("PEER")
#: seconds one measured run may take; a slower scenario gets a smaller N (as the peer's bench.sh)
RUN_BUDGET = float(os.environ.get("RUN_BUDGET", "60"))
SEED_SCRIPT = Path(PEER or ROOT.parent / "shared/peers/medplum-fhir") / "seed.mjs"
TWO_CORES = (os.cpu_count() or 1) >= 2
#: the core the servers are pinned to (SERVER_CPU, default 1); the load generator and seeding get the other
SERVER_CPU = int(os.environ.get("SERVER_CPU", "1"))
PIN_SERVER = ["taskset", "-c", str(SERVER_CPU)] if TWO_CORES else []
PIN_LOAD = ["taskset", "-c", str(1 - SERVER_CPU)] if TWO_CORES else []


def hey(url: str, token: str, count: int, rate: float | None = None) -> dict[str, float]:
    args = [
        "hey",
        "-n",
        str(count),
        "-c",
        str(C),
        "-cpus",
        "1",
        "-t",
        "20",
        "-H",
        f"Authorization: Bearer {token}",
        "-H",
        "Accept: application/fhir+json",
    ]
    if rate is not None:
        args += ["-q", f"{max(rate / C, 0.1):.2f}"]  # hey's -q is per worker
    out = subprocess.run(
        [*PIN_LOAD, *args, url], capture_output=True, text=True, timeout=600, check=True
    ).stdout
    num = lambda pattern: float(m.group(1)) if (m := re.search(pattern, out)) else 0.0  # noqa: E731
    codes = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    errors = sum(int(v) for k, v in codes.items() if k != "200")
    if "Error distribution:" in out:
        errors += sum(
            int(n) for n in re.findall(r"^\s+\[(\d+)\]\s", out.split("Error distribution:", 1)[1], re.M)
        )
    return {
        "rps": num(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": num(r"50% in ([\d.]+) secs") * 1000,
        "p99_ms": (num(r"99% in ([\d.]+) secs") or num(r"Slowest:\s+([\d.]+) secs"))
        * 1000,  # hey omits 99% for small N
        "errors": errors,
    }


def budgeted(url: str, token: str) -> tuple[int, int, float]:
    """(N, warm-up, probe seconds): 5 sequential requests on one kept-alive connection, after 3
    untimed ones (the first verifies the token and fetches the JWKS), time the scenario; if N of
    them would not fit RUN_BUDGET, N is cut to a multiple of C that does (bench.sh's rule)."""
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        for _ in range(3):
            client.get(url).raise_for_status()
        started = time.perf_counter()
        for _ in range(5):
            client.get(url).raise_for_status()
        probe = (time.perf_counter() - started) / 5
    if N * probe <= RUN_BUDGET:
        return N, WARMUP, probe
    return max(1, int(RUN_BUDGET / probe / C)) * C, C, probe


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def seed(base: str, token: str, out: Path) -> dict[str, Any]:
    subprocess.run(
        [
            *PIN_LOAD,
            "node",
            str(SEED_SCRIPT),
            "--base",
            base,
            "--token",
            token,
            "--patients",
            str(P),
            "--obs",
            str(OBS),
            "--out",
            str(out),
        ],
        check=True,
        timeout=1800,
        capture_output=True,
        text=True,
    )
    manifest: dict[str, Any] = json.loads(out.read_text())
    return manifest


def urls(base: str, manifest: dict[str, Any]) -> dict[str, str]:
    observation = manifest["observations"][len(manifest["observations"]) // 2]
    patient = manifest["patients"][len(manifest["patients"]) // 2]
    return {
        "read": f"{base}/Observation/{observation}",
        "search": f"{base}/Observation?patient=Patient/{patient}&_count=20&_sort=-date",
    }


class Issuer:
    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.kid = uuid.uuid4().hex[:8]
        public = jwk.construct(self.pem, algorithm="RS256").public_key().to_dict()
        public.update(kid=self.kid, alg="RS256", use="sig")
        self.jwks = {"keys": [{k: v.decode() if isinstance(v, bytes) else v for k, v in public.items()}]}
        self.url = ""

    def app(self) -> Starlette:
        async def jwks(_request: Any) -> JSONResponse:
            return JSONResponse(self.jwks)

        return Starlette(routes=[Route("/jwks", jwks)])

    def token(self, scope: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": "egisz",
            "sub": "bench",
            "client_id": "bench",
            "scope": scope,
            "iat": now,
            "exp": now + 3 * 3600,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.pem, algorithm="RS256", headers={"kid": self.kid})


def start_peer(folder: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    major = int(
        subprocess.run(
            ["node", "-p", "process.versions.node.split('.')[0]"], capture_output=True, text=True, check=True
        ).stdout
    )
    flags = ["--experimental-websocket"] if major < 22 else []
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*PIN_SERVER, "node", *flags, "server.mjs"],
            cwd=folder,
            stdout=out,
            stderr=out,
            env={**os.environ, "PORT": str(port), "QUIET": "1"},
        )
    base = f"http://127.0.0.1:{port}/fhir"
    wait_ready(f"{base}/metadata", timeout=120)
    return proc, base


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-fhir-"))
    issuer = Issuer()
    db = os.environ.get("DB", "sqlite")
    database_url = f"sqlite:///{work / 'egisz.db'}" if db == "sqlite" else db
    result: dict[str, Any] = {
        "N": N,
        "C": C,
        "RUNS": RUNS,
        "P": P,
        "OBS": OBS,
        "db": db.split("@")[-1],
        "cpu": subprocess.run(
            ["sh", "-c", "lscpu | sed -n 's/^Model name:\\s*//p'"], capture_output=True, text=True
        ).stdout.strip(),
    }
    with serve_in_thread(issuer.app()) as issuer_url:
        issuer.url = issuer_url
        ours = ServiceProcess(
            "egisz_api",
            {
                "database_url": database_url,
                "idp_issuer": issuer_url,
                "idp_jwks_url": f"{issuer_url}/jwks",
                "dev_mode": True,
                "log_level": "WARNING",
                # the peer's seed.mjs loads the data set with a system token and cannot sign a
                # Provenance; the signature rule is about writes, and what is measured are reads
                "signed_writes_required": False,
            },
            work / "egisz.log",
            prefix=PIN_SERVER,
        )
        ours.start()
        peer_proc = None
        try:
            assert ours.process is not None
            pid = ours.process.pid
            sides: dict[str, dict[str, Any]] = {"ours": {"rss_mib": {"start": rss_mib(pid)}}}
            base = f"{ours.base_url}/fhir"
            started = time.monotonic()
            manifest = seed(base, issuer.token("system/*.cruds"), work / "ours-manifest.json")
            sides["ours"]["seed"] = {
                "resources": manifest["total"],
                "seconds": round(time.monotonic() - started, 1),
            }
            sides["ours"]["rss_mib"]["seeded"] = rss_mib(pid)
            sides["ours"]["urls"] = urls(base, manifest)
            sides["ours"]["token"] = issuer.token("system/*.rs")
            if PEER:
                peer_proc, peer_base = start_peer(Path(PEER), work / "peer.log")
                sides["peer"] = {"rss_mib": {"start": rss_mib(peer_proc.pid)}}
                started = time.monotonic()
                peer_manifest = seed(peer_base, "ignored", work / "peer-manifest.json")
                sides["peer"]["seed"] = {
                    "resources": peer_manifest["total"],
                    "seconds": round(time.monotonic() - started, 1),
                }
                sides["peer"]["rss_mib"]["seeded"] = rss_mib(peer_proc.pid)
                sides["peer"]["urls"] = urls(peer_base, peer_manifest)
                sides["peer"]["token"] = "peer-ignores-this"
            scenarios: dict[str, Any] = {}
            for scenario in SCENARIOS:
                runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
                sizes: dict[str, tuple[int, int, float]] = {}
                for name, side in sides.items():
                    check = httpx.get(
                        side["urls"][scenario],
                        headers={"Authorization": f"Bearer {side['token']}"},
                        timeout=300,
                    )
                    check.raise_for_status()
                    if scenario == "search":
                        side.setdefault("entries", len(check.json().get("entry", [])))
                    sizes[name] = budgeted(side["urls"][scenario], side["token"])
                    hey(side["urls"][scenario], side["token"], sizes[name][1])
                for r in range(RUNS):
                    order = list(sides) if r % 2 == 0 else list(reversed(sides))
                    for name in order:
                        runs[name].append(
                            hey(sides[name]["urls"][scenario], sides[name]["token"], sizes[name][0])
                        )
                scenarios[scenario] = {}
                for name, side in sides.items():
                    median_rps = statistics.median(x["rps"] for x in runs[name])
                    n, _, probe = sizes[name]
                    at80 = hey(side["urls"][scenario], side["token"], max(n // 2, C), rate=0.8 * median_rps)
                    scenarios[scenario][name] = {
                        "n": n,
                        "one_request_alone_ms": round(probe * 1000, 2),
                        "median_rps": round(median_rps, 1),
                        "median_p50_ms": round(statistics.median(x["p50_ms"] for x in runs[name]), 2),
                        "median_p99_ms": round(statistics.median(x["p99_ms"] for x in runs[name]), 2),
                        "errors": sum(int(x["errors"]) for x in runs[name]) + int(at80["errors"]),
                        "at_80_percent": {k: round(v, 2) for k, v in at80.items()},
                        "runs": runs[name],
                    }
                    print(
                        f"{scenario:7s} {name:5s} {median_rps:8.1f} req/s  p50 "
                        f"{scenarios[scenario][name]['median_p50_ms']:6.2f} ms  p99 "
                        f"{scenarios[scenario][name]['median_p99_ms']:6.2f} ms  | at 80 %: "
                        f"{at80['rps']:7.1f} req/s p99 {at80['p99_ms']:6.2f} ms  errors "
                        f"{scenarios[scenario][name]['errors']}",
                        flush=True,
                    )
            sides["ours"]["rss_mib"]["end"] = rss_mib(pid)
            if peer_proc is not None:
                sides["peer"]["rss_mib"]["end"] = rss_mib(peer_proc.pid)
            for side in sides.values():
                side.pop("token", None)
            result.update(sides=sides, scenarios=scenarios)
        finally:
            if peer_proc is not None:
                peer_proc.terminate()
                try:
                    peer_proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    peer_proc.kill()
                    peer_proc.wait(timeout=15)
            ours.stop()
    for name, side in result["sides"].items():
        print(
            f"{name}: RSS {side['rss_mib']} MiB; seeded {side['seed']['resources']} resources in "
            f"{side['seed']['seconds']} s"
        )
    out = ROOT / "bench/results" / f"fhir-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
