"""Load benchmark of the idp's hot paths, shaped like ../shared/peers/bench.sh so figures compare.

Starts the idp as a real uvicorn process pinned to one core (taskset -c 0), seeds the same three
kinds of client as the peer harness, logs a user in headlessly, then drives each scenario with
`hey` pinned to the other core (fixed request count, warm-up first, median of RUNS):

  discovery    GET  /.well-known/openid-configuration
  cc_jwt       POST /token  client_credentials → ES256 JWT access token (RFC 9068)
  introspect   POST /introspect  (the cc token, as a resource server)
  userinfo     GET  /userinfo    (a user's access token)
  refresh      POST /token  refresh_token, rotating (a bounded Python loop: each use spends the token)

With PEER=<peers folder> (a writable copy of ../shared/peers with `npm ci` done) the peer,
panva's oidc-provider, is started too, pinned to the same core, and measured in the same run:
each scenario warms both up, then runs ours and the peer alternately (ours first on odd runs,
the peer first on even ones), and reports both medians and the median of the per-run ratios
ours/peer. This is the only meaningful comparison on a VM whose speed drifts between runs. The
peer's requests are exactly bench.sh's: cc_jwt with resource=urn:peers:api-jwt, introspection of
an opaque cc token at /token/introspection, userinfo at /me with alice's token from
user-token.mjs. The peer has no refresh scenario: refresh stays ours-only.

Loopback only, bounded in count and time. Needs `hey` (apt-get install -y hey); PEER needs node.
Env: N (20000), C (32), RUNS (3), WARMUP (2000), DB (sqlite | postgres URL), SCENARIOS,
THREADS (40), PEER (unset: ours only). Results go to bench/results/idp-<stamp>.json.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
PEER = os.environ.get("PEER")
TWO_CORES = (os.cpu_count() or 1) >= 2
PIN_SERVER = ["taskset", "-c", "0"] if TWO_CORES else []
PIN_LOAD = ["taskset", "-c", "1"] if TWO_CORES else []

HEY_SCENARIOS = ("discovery", "cc_jwt", "introspect", "userinfo")  # the ones both sides have
OUR_CC_BODY = "grant_type=client_credentials&scope=api:read%20api:write"
# The peer's test clients, as in ../shared/peers/oidc-provider/server.mjs and bench.sh.
PEER_SECRETS = {
    "svc-client": "svc-client-secret-0123456789abcdef0123456789abcdef",
    "rs-api": "rs-api-secret-0123456789abcdef0123456789abcdef",
}

Plan = tuple[str, str, str, str | None]  # method, url, Authorization header, form body (or None)
Run = dict[str, float]  # rps, p50_ms, p99_ms, non_200


def hey(method: str, url: str, *, auth: str, body: str | None, count: int) -> Run:
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
    out = subprocess.run(
        [*PIN_LOAD, *args, url], capture_output=True, text=True, timeout=180, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50% in ([\d.]+) secs", out)
    p99 = re.search(r"99% in ([\d.]+) secs", out)
    codes = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    non_200 = sum(int(v) for k, v in codes.items() if k != "200")
    if "Error distribution:" in out:  # transport errors (timeouts, resets) have no status code
        tail = out.split("Error distribution:", 1)[1]
        non_200 += sum(int(n) for n in re.findall(r"^\s+\[(\d+)\]\s", tail, re.MULTILINE))
    return {
        "rps": rps,
        "p50_ms": float(p50.group(1)) * 1000 if p50 else 0.0,
        "p99_ms": float(p99.group(1)) * 1000 if p99 else 0.0,
        "non_200": non_200,
    }


def run_plan(plan: Plan, count: int) -> Run:
    method, url, auth, body = plan
    return hey(method, url, auth=auth, body=body, count=count)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def cc_token(issuer: str, auth: str, body: str) -> str:
    response = httpx.post(
        f"{issuer}/token",
        content=body,
        headers={"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response.raise_for_status()
    return response.json()["access_token"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Side:
    """One server under test: its endpoints, its clients, how it hands out a user's token."""

    issuer: str
    svc_auth: str
    rs_auth: str
    cc_jwt_body: str
    cc_introspected_body: str  # the client_credentials request whose token gets introspected
    introspection_path: str
    userinfo_path: str
    user_access_token: Callable[[], str]

    def plan(self, scenario: str) -> Plan:
        """The request hey repeats; tokens are fetched just before their scenario, as bench.sh does."""
        if scenario == "discovery":
            return ("GET", f"{self.issuer}/.well-known/openid-configuration", "none", None)
        if scenario == "cc_jwt":
            return ("POST", f"{self.issuer}/token", self.svc_auth, self.cc_jwt_body)
        if scenario == "introspect":
            token = cc_token(self.issuer, self.svc_auth, self.cc_introspected_body)
            return ("POST", self.issuer + self.introspection_path, self.rs_auth, f"token={token}")
        if scenario == "userinfo":
            return ("GET", self.issuer + self.userinfo_path, f"Bearer {self.user_access_token()}", None)
        raise ValueError(scenario)


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
        with httpx.Client(timeout=30) as http:  # SQLite write-lock waits under load
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


def seed_idp(settings: dict[str, Any], db: str) -> dict[str, str]:
    """Migrate, add the three clients and alice; returns the client secrets by client id."""
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
    return {c["client_id"]: c["client_secret"] for c in (svc, rs, web)}


@contextmanager
def idp_server(settings: dict[str, Any], log: Path) -> Iterator[str]:
    """Our idp as a uvicorn process pinned to CPU 0; stopped on exit. Yields the issuer."""
    proc = ServiceProcess("idp", settings, log, prefix=PIN_SERVER)
    proc.start(migrate=False)
    try:
        yield proc.base_url
    finally:
        proc.stop()


def our_side(issuer: str, secrets: dict[str, str]) -> Side:
    return Side(
        issuer=issuer,
        svc_auth=basic("svc-client", secrets["svc-client"]),
        rs_auth=basic("rs-api", secrets["rs-api"]),
        cc_jwt_body=OUR_CC_BODY,  # svc-client's audience is urn:peers:api-jwt, signed ES256
        cc_introspected_body=OUR_CC_BODY,
        introspection_path="/introspect",
        userinfo_path="/userinfo",
        user_access_token=lambda: user_tokens(issuer, "web-app", secrets["web-app"])["access_token"],
    )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def peer_server(folder: Path, log: Path) -> Iterator[str]:
    """oidc-provider (server.mjs) pinned to CPU 0, as bench.sh starts it; killed on exit."""
    if not (folder / "node_modules" / "oidc-provider").is_dir():
        sys.exit(f"bench_idp: PEER={folder} has no node_modules/oidc-provider (run npm ci there)")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*PIN_SERVER, "node", "oidc-provider/server.mjs"],
            cwd=folder,
            env={**os.environ, "QUIET": "1", "PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_discovery(issuer, process, log)
        yield issuer
    finally:
        stop_process(process)


def wait_for_discovery(issuer: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"peer exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"peer did not serve discovery within 30 s:\n{log.read_text()[-4000:]}")


def peer_side(issuer: str, folder: Path) -> Side:
    def alice_access_token() -> str:
        out = subprocess.run(
            ["node", "oidc-provider/user-token.mjs", issuer, "alice"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        return json.loads(out)["access_token"]  # type: ignore[no-any-return]

    cc_body = OUR_CC_BODY  # without resource: urn:peers:api, an opaque token
    return Side(
        issuer=issuer,
        svc_auth=basic("svc-client", PEER_SECRETS["svc-client"]),
        rs_auth=basic("rs-api", PEER_SECRETS["rs-api"]),
        cc_jwt_body=f"{cc_body}&resource=urn:peers:api-jwt",  # RFC 9068 JWT, ES256
        cc_introspected_body=cc_body,
        introspection_path="/token/introspection",
        userinfo_path="/me",
        user_access_token=alice_access_token,
    )


def interleaved(plans: dict[str, Plan]) -> dict[str, list[Run]]:
    """Warm every side up, then RUNS rounds; the order flips each round so no side is always first."""
    for plan in plans.values():
        run_plan(plan, WARMUP)
    runs: dict[str, list[Run]] = {label: [] for label in plans}
    order = list(plans)
    for r in range(RUNS):
        for label in order if r % 2 == 0 else order[::-1]:
            runs[label].append(run_plan(plans[label], N))
    return runs


def refresh_runs(issuer: str, web_secret: str) -> list[Run]:
    def chains(count: int) -> Run:
        start = user_tokens(issuer, "web-app", web_secret)["refresh_token"]
        return refresh_loop(issuer, "web-app", web_secret, start, count)

    chains(400)  # warm-up
    return [chains(min(N, 4000)) for _ in range(RUNS)]


def summary(runs: list[Run]) -> dict[str, Any]:
    return {
        "median_rps": statistics.median(r["rps"] for r in runs),
        "runs_rps": [round(r["rps"]) for r in runs],
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "non_200": sum(r["non_200"] for r in runs),
    }


def line(label: str, s: dict[str, Any]) -> str:
    return (
        f"{label:11s} median {s['median_rps']:8.0f} req/s  runs {s['runs_rps']}  "
        f"p50 {s['p50_ms']:.1f} ms  p99 {s['p99_ms']:.1f} ms  non-200 {s['non_200']}"
    )


def with_ratio(ours: dict[str, Any], ours_runs: list[Run], peer_runs: list[Run]) -> dict[str, Any]:
    """Ours plus the peer's figures and the per-run ratios ours/peer (each pair measured together)."""
    ratios = [o["rps"] / p["rps"] for o, p in zip(ours_runs, peer_runs, strict=True)]
    return {
        **ours,
        "peer": summary(peer_runs),
        "ratio_runs": [round(x, 3) for x in ratios],
        "ratio_median": round(statistics.median(ratios), 3),
    }


def peer_version(folder: Path) -> str:
    package = folder / "node_modules" / "oidc-provider" / "package.json"
    return json.loads(package.read_text())["version"]  # type: ignore[no-any-return]


def main() -> None:
    if not shutil.which("hey"):
        sys.exit("bench_idp: needs hey (apt-get install -y hey)")
    unknown = set(SCENARIOS) - {*HEY_SCENARIOS, "refresh"}
    if unknown:
        sys.exit(f"bench_idp: unknown scenarios {sorted(unknown)}")
    peer_folder = Path(PEER).resolve() if PEER else None
    if peer_folder and not shutil.which("node"):
        sys.exit("bench_idp: PEER needs node")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop servers
    tmp = Path(tempfile.mkdtemp(prefix="bench-idp-"))
    db = os.environ.get("DB") or f"sqlite:///{tmp / 'idp.db'}"
    port = free_port()
    settings = {
        "dev_mode": True,
        "database_url": db,
        "issuer": f"http://127.0.0.1:{port}",
        "port": port,
        "log_level": "WARNING",
        "threadpool_size": int(os.environ.get("THREADS", "40")),
        "login_rate_limit": "100000/minute",  # the refresh scenario logs in once per chain
    }
    secrets = seed_idp(settings, db)
    peer_cm = peer_server(peer_folder, tmp / "peer.log") if peer_folder else nullcontext()
    with idp_server(settings, tmp / "idp.log") as issuer, peer_cm as peer_issuer:
        ours = our_side(issuer, secrets)
        peer = peer_side(peer_issuer, peer_folder) if peer_folder and peer_issuer else None
        results: dict[str, dict[str, Any]] = {}
        for name in SCENARIOS:
            if name == "refresh":
                results[name] = summary(refresh_runs(issuer, secrets["web-app"]))
                print(line(name, results[name]), flush=True)
                continue
            plans = {"ours": ours.plan(name)}
            if peer:
                plans["peer"] = peer.plan(name)
            runs = interleaved(plans)
            results[name] = summary(runs["ours"])
            print(line(name, results[name]), flush=True)
            if peer:
                results[name] = with_ratio(results[name], runs["ours"], runs["peer"])
                print(line("  peer", results[name]["peer"]), flush=True)
                print(
                    f"  ours/peer median {results[name]['ratio_median']:8.2f} ×      "
                    f"runs {results[name]['ratio_runs']}",
                    flush=True,
                )
        meta: dict[str, Any] = {"db": db.split(":")[0], "N": N, "C": C, "runs": RUNS}
        if peer_folder:
            meta["peer"] = {"oidc_provider": peer_version(peer_folder), "interleaved": True}
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        path = out / f"idp-{time.strftime('%Y%m%dT%H%M%S')}.json"
        path.write_text(json.dumps({**meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()
