"""Load benchmark of the idp's hot paths, shaped like ../shared/peers/bench.sh so figures compare.

Starts the idp as a real uvicorn process pinned to one core (taskset -c 0), seeds the same three
kinds of client as the peer harness, logs a user in headlessly, then drives each scenario with
`hey` pinned to the other core (fixed request count, warm-up first, median of RUNS):

  discovery    GET  /.well-known/openid-configuration
  cc_jwt       POST /token  client_credentials → ES256 JWT access token (RFC 9068)
  introspect   POST /introspect  (the cc token, as a resource server)
  userinfo     GET  /userinfo    (a user's access token)
  refresh      POST /token  refresh_token, rotating (a bounded Python loop: each use spends the token)

Loopback only, bounded in count and time. Needs `hey` (apt-get install -y hey).
Env: N (20000), C (32), RUNS (3), WARMUP (2000), DB (sqlite | postgres URL), SCENARIOS.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

from tests.integration.processes import ServiceProcess, run_cli  # noqa: E402
from tests.live import free_port  # noqa: E402

N = int(os.environ.get("N", "20000"))
C = int(os.environ.get("C", "32"))
RUNS = int(os.environ.get("RUNS", "3"))
WARMUP = int(os.environ.get("WARMUP", "2000"))
SCENARIOS = os.environ.get("SCENARIOS", "discovery cc_jwt introspect userinfo refresh").split()
TWO_CORES = (os.cpu_count() or 1) >= 2


def hey(method: str, url: str, *, auth: str, body: str | None, count: int) -> dict[str, float]:
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
        "-m",
        method,
        "-H",
        f"Authorization: {auth}",
    ]
    if body is not None:
        args += ["-T", "application/x-www-form-urlencoded", "-d", body]
    cmd = (["taskset", "-c", "1"] if TWO_CORES else []) + [*args, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%% in ([\d.]+) secs".replace("%%", "%"), out)
    p99 = re.search(r"99%% in ([\d.]+) secs".replace("%%", "%"), out)
    codes = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    return {
        "rps": rps,
        "p50_ms": float(p50.group(1)) * 1000 if p50 else 0.0,
        "p99_ms": float(p99.group(1)) * 1000 if p99 else 0.0,
        "non_200": sum(int(v) for k, v in codes.items() if k != "200"),
    }


def user_tokens(issuer: str, client_id: str, secret: str) -> dict[str, str]:
    """Headless login through the pages (as tests/idp/conftest.py does)."""
    import base64
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlsplit

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://127.0.0.1:8080/cb"
    with httpx.Client(base_url=issuer) as browser:
        response = browser.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "scope": "openid profile email offline_access",
                "state": "s",
            },
        )
        for _ in range(10):
            location = response.headers["location"]
            if location.startswith(redirect):
                break
            page = browser.get(location)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            handle = parse_qs(urlsplit(location).query).get("i", [""])[0]
            if location.startswith("/login"):
                response = browser.post(
                    "/login",
                    data={
                        "login": "alice@example.test",
                        "password": "Bench-Passw0rd",
                        "csrf_token": token.group(1),
                        "interaction": handle,
                    },
                )  # type: ignore[union-attr]
            elif location.startswith("/consent"):
                response = browser.post(
                    "/consent",
                    data={
                        "decision": "allow",
                        "csrf_token": token.group(1),  # type: ignore[union-attr]
                        "interaction": handle,
                    },
                )
            else:
                response = page
        code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    tokens = httpx.post(
        f"{issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        auth=(client_id, secret),
    ).json()
    return tokens  # type: ignore[no-any-return]


def refresh_loop(issuer: str, client_id: str, secret: str, start: str, count: int) -> dict[str, float]:
    """Sequential rotating refreshes over C connections (each chain spends its own token)."""
    import concurrent.futures

    chains = min(C, 8)
    per_chain = count // chains
    tokens = [start] + [user_tokens(issuer, client_id, secret)["refresh_token"] for _ in range(chains - 1)]

    def chain(token: str) -> list[float]:
        latencies = []
        with httpx.Client() as http:
            for _ in range(per_chain):
                t0 = time.perf_counter()
                r = http.post(
                    f"{issuer}/token",
                    data={"grant_type": "refresh_token", "refresh_token": token},
                    auth=(client_id, secret),
                )
                latencies.append(time.perf_counter() - t0)
                r.raise_for_status()
                token = r.json()["refresh_token"]
        return latencies

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(chains) as pool:
        all_lat = [x for part in pool.map(chain, tokens) for x in part]
    elapsed = time.perf_counter() - t0
    all_lat.sort()
    return {
        "rps": len(all_lat) / elapsed,
        "p50_ms": all_lat[len(all_lat) // 2] * 1000,
        "p99_ms": all_lat[int(len(all_lat) * 0.99)] * 1000,
        "non_200": 0,
    }


def main() -> None:
    if not shutil.which("hey"):
        sys.exit("bench_idp: needs hey (apt-get install -y hey)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-idp-"))
    db = os.environ.get("DB") or f"sqlite:///{tmp / 'idp.db'}"
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    settings = {
        "dev_mode": True,
        "database_url": db,
        "issuer": issuer,
        "port": port,
        "log_level": "WARNING",
        "threadpool_size": int(os.environ.get("THREADS", "40")),
        "login_rate_limit": "100000/minute",  # the refresh scenario logs in once per chain
    }
    run_cli("idp", settings, "migrate")
    svc = run_cli(
        "idp",
        settings,
        "add-client",
        "svc-client",
        "--scope",
        "api:read",
        "--scope",
        "api:write",
        "--audience",
        "urn:peers:api-jwt",
    )
    rs = run_cli("idp", settings, "add-client", "rs-api", "--scope", "introspection")
    web = run_cli(
        "idp",
        settings,
        "add-client",
        "web-app",
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--scope",
        "openid",
        "--scope",
        "profile",
        "--scope",
        "email",
        "--scope",
        "offline_access",
        "--redirect-uri",
        "http://127.0.0.1:8080/cb",
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"""
import sys; sys.path[:0]={[str(ROOT), str(ROOT / "services")]!r}
from idp.settings import IdpSettings
from idp.accounts.service import NewAccount, create_account
from idp.accounts.protection import FieldCipher
from idp.clients.models import Client
from shared.db import make_engine, make_sessionmaker
s = IdpSettings(dev_mode=True, database_url={db!r})
with make_sessionmaker(make_engine(s.database_url))() as session:
    create_account(session, FieldCipher(s.personal_data_key.get_secret_value()),
                   NewAccount(last_name="Example", first_name="Alice", email="alice@example.test",
                              password="Bench-Passw0rd"))
    session.query(Client).filter(Client.client_id == "svc-client").update({{"signing_alg": "ES256"}})
    session.commit()
""",
        ],
        check=True,
    )
    proc = ServiceProcess("idp", settings, tmp / "idp.log")
    proc.process = None
    env_cmd = ["taskset", "-c", "0"] if TWO_CORES else []
    import tests.integration.processes as processes

    real_popen = subprocess.Popen
    processes.subprocess.Popen = lambda args, **kw: real_popen(env_cmd + list(args), **kw)  # type: ignore[assignment, misc]
    proc.start(migrate=False)
    processes.subprocess.Popen = real_popen  # type: ignore[misc]
    try:
        import base64

        svc_basic = "Basic " + base64.b64encode(f"svc-client:{svc['client_secret']}".encode()).decode()
        rs_basic = "Basic " + base64.b64encode(f"rs-api:{rs['client_secret']}".encode()).decode()
        cc_body = "grant_type=client_credentials&scope=api:read%20api:write"
        cc_token = httpx.post(
            f"{issuer}/token",
            content=cc_body,
            headers={"Authorization": svc_basic, "Content-Type": "application/x-www-form-urlencoded"},
        ).json()["access_token"]
        user = user_tokens(issuer, "web-app", web["client_secret"])
        plans = {
            "discovery": ("GET", f"{issuer}/.well-known/openid-configuration", "none", None),
            "cc_jwt": ("POST", f"{issuer}/token", svc_basic, cc_body),
            "introspect": ("POST", f"{issuer}/introspect", rs_basic, f"token={cc_token}"),
            "userinfo": ("GET", f"{issuer}/userinfo", f"Bearer {user['access_token']}", None),
        }
        results: dict[str, dict[str, float]] = {}
        for name in SCENARIOS:
            if name == "refresh":
                refresh_loop(issuer, "web-app", web["client_secret"], user["refresh_token"], 400)
                runs = [
                    refresh_loop(
                        issuer,
                        "web-app",
                        web["client_secret"],
                        user_tokens(issuer, "web-app", web["client_secret"])["refresh_token"],
                        min(N, 4000),
                    )
                    for _ in range(RUNS)
                ]
            else:
                method, url, auth, body = plans[name]
                hey(method, url, auth=auth, body=body, count=WARMUP)
                runs = [hey(method, url, auth=auth, body=body, count=N) for _ in range(RUNS)]
            results[name] = {
                "median_rps": statistics.median(r["rps"] for r in runs),
                "runs_rps": [round(r["rps"]) for r in runs],
                "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                "non_200": sum(r["non_200"] for r in runs),
            }
            print(
                f"{name:11s} median {results[name]['median_rps']:8.0f} req/s  "
                f"runs {results[name]['runs_rps']}  "
                f"p50 {results[name]['p50_ms']:.1f} ms  p99 {results[name]['p99_ms']:.1f} ms  "
                f"non-200 {results[name]['non_200']}",
                flush=True,
            )
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / f"idp-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
            json.dumps({"db": db.split(":")[0], "N": N, "C": C, "runs": RUNS, "results": results}, indent=2)
        )
    finally:
        proc.stop()


if __name__ == "__main__":
    main()
