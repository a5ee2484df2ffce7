"""`make run`: migrate, seed and start idp, egisz_api and notifier on this machine (dev mode, SQLite).

    .venv/bin/python deploy/run_dev.py                # migrate + seed + serve; Ctrl-C stops all three
    .venv/bin/python deploy/run_dev.py --only-migrate # `make migrate`
    .venv/bin/python deploy/run_dev.py --only-seed    # `make seed`: migrate + seed + var/demo.json

It talks to the services only through their command lines (``python -m <service> migrate|seed|serve``)
and over HTTP, never by importing them. Every setting keeps its usual environment variable and the
person's own environment wins over the defaults chosen here, e.g. ``IDP_PORT=9000 make run``: the
idp issuer and the JWKS URLs given to the other two follow the idp's port.

A service that exits while the others run is restarted after a backoff that doubles per crash
(1, 2, 4 ... up to 30 s) and said so on the console; after ``--max-quick-crashes`` crashes in a
row, each within a minute of its start, run_dev gives up and stops all three.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: service -> (env prefix, default port, SQLite file name); the same defaults as the settings classes.
SERVICES = {
    "idp": ("IDP_", 8000, "idp.db"),
    "egisz_api": ("EGISZ_", 8001, "egisz.db"),
    "notifier": ("NOTIFIER_", 8002, "notifier.db"),
}
READY_LINE = "All three services are ready. Press Ctrl-C to stop."
#: the demo bank of «Войти через банк» (docs/bank-id.md): oidc-provider, when Node.js and
#: `make bank-deps` made it available and the person configured no banks of their own
BANK_DIR = ROOT / "tests" / "bank_provider"
BANK_DEFAULT_PORT = 8003
BANK_CLIENT_SECRET = "demo-bank-secret-for-the-idp-0123456789abcdef"
BANK_LOGINS = (
    "ivanov (linked by SNILS), sidorov (phone: the account's password), newcomer (registration), unverified"
)
STOP_TIMEOUT = 10.0
_print_lock = threading.Lock()


def say(line: str = "") -> None:
    with _print_lock:
        print(line, flush=True)


class StartupError(Exception):
    """Something the person has to fix; printed without a traceback, exit status 1."""


def service_envs(var_dir: Path) -> dict[str, dict[str, str]]:
    """Each service's environment: the caller's own variables first, dev defaults for the rest."""
    base = dict(os.environ)
    inherited = [p for p in base.get("PYTHONPATH", "").split(os.pathsep) if p]
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "services"), *inherited])
    idp_port = base.get("IDP_PORT", str(SERVICES["idp"][1]))
    issuer = base.get("IDP_ISSUER", f"http://127.0.0.1:{idp_port}")
    envs: dict[str, dict[str, str]] = {}
    for service, (prefix, port, db_file) in SERVICES.items():
        defaults = {
            "DEV_MODE": "true",
            "DATABASE_URL": f"sqlite:///{var_dir / db_file}",
            "PORT": str(port),
            # plain lines read better on a console than JSON; LOG_JSON=true brings JSON back
            "LOG_JSON": "false",
        }
        if service == "idp":
            defaults["ISSUER"] = issuer
            defaults["DEMO_RELYING_PARTY"] = "true"  # the /demo-rp page the idp seed registers
            defaults["DEMO_PKI_DIR"] = str(var_dir / "pki")  # the seed's demo PKI and the doctor's .pfx
            notifier_port = base.get("NOTIFIER_PORT", str(SERVICES["notifier"][1]))
            defaults["NOTIFIER_URL"] = f"http://127.0.0.1:{notifier_port}"  # codes go through it
            egisz_port = base.get("EGISZ_PORT", str(SERVICES["egisz_api"][1]))
            defaults["EGISZ_URL"] = f"http://127.0.0.1:{egisz_port}"  # EGISZ's ESIA-face redirect URI
            # SMART launches find the person's Patient there (docs/smart.md)
            defaults["SMART_FHIR_BASE_URL"] = f"http://127.0.0.1:{egisz_port}/fhir"
        else:
            defaults["IDP_ISSUER"] = issuer
            defaults["IDP_JWKS_URL"] = f"{issuer}/.well-known/jwks.json"
        if service == "egisz_api":
            # the cabinet logs in through the idp's ESIA face with the certificate the idp seed made
            defaults["PUBLIC_URL"] = f"http://127.0.0.1:{base.get('EGISZ_PORT', str(port))}"
            defaults["ESIA_URL"] = issuer
            defaults["IDP_ACCOUNT_URL"] = f"{issuer}/account"
            defaults["ESIA_DEMO_DIR"] = str(var_dir / "pki" / "esia")
            # a system's signed X-Provenance is checked against the seed's demo CAs (docs/pki.md)
            defaults["SIGNATURE_QUALIFIED_CAS"] = json.dumps([str(var_dir / "pki" / "accredited" / "ca.pem")])
            defaults["SIGNATURE_UNQUALIFIED_CAS"] = json.dumps(
                [str(var_dir / "pki" / "unaccredited" / "ca.pem")]
            )
            # patients' notices go to the notifier with EGISZ's own token from the idp: the idp
            # seed's demo service client egisz-api (dev mode only, docs/rights.md)
            notifier_port = base.get("NOTIFIER_PORT", str(SERVICES["notifier"][1]))
            defaults["NOTIFIER_URL"] = f"http://127.0.0.1:{notifier_port}"
            defaults["NOTIFIER_CLIENT_SECRET"] = "demo-egisz-api-service-secret-0123456789abcdef"
        env = dict(base)
        for key, value in defaults.items():
            env.setdefault(prefix + key, value)
        envs[service] = env
    return envs


def demo_bank(envs: dict[str, dict[str, str]]) -> dict[str, str] | None:
    """The demo bank's environment, with the idp configured as its client (IDP_BANK_PROVIDERS),
    or None: no Node.js, no `make bank-deps`, or the person's own IDP_BANK_PROVIDERS."""
    idp = envs["idp"]
    node = shutil.which("node")
    if (
        node is None
        or "IDP_BANK_PROVIDERS" in idp
        or not (BANK_DIR / "node_modules" / "oidc-provider").is_dir()
    ):
        return None
    port = os.environ.get("BANK_PORT", str(BANK_DEFAULT_PORT))
    issuer = f"http://127.0.0.1:{port}"
    idp["IDP_BANK_PROVIDERS"] = json.dumps(
        [
            {
                "id": "demobank",
                "name_ru": "Демо-банк",
                "name_en": "Demo Bank",
                "issuer": issuer,
                "client_id": "idp",
                "client_secret": BANK_CLIENT_SECRET,
                "scopes": "openid profile phone snils",
            }
        ]
    )
    return {
        "PATH": os.environ.get("PATH", ""),
        "PORT": port,
        "CLIENT_ID": "idp",
        "CLIENT_SECRET": BANK_CLIENT_SECRET,
        "REDIRECT_URI": f"{idp['IDP_ISSUER'].rstrip('/')}/login/bank/callback",
        "QUIET": "1",
    }


def start_bank(env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - node and our own script
        [shutil.which("node") or "node", "server.mjs"],
        cwd=BANK_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        process_group=0,
    )
    say(
        f"demo bank: started (pid {process.pid}) on http://127.0.0.1:{env['PORT']}; "
        f"logins: {BANK_LOGINS}; any password"
    )
    return process


def stop_bank(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    say("demo bank: stopped")


def base_url(service: str, env: dict[str, str]) -> str:
    prefix = SERVICES[service][0]
    host = env.get(prefix + "HOST", "127.0.0.1")
    if host in ("0.0.0.0", "::"):  # noqa: S104 - a bind-all address is reached through loopback
        host = "127.0.0.1"
    return f"http://{host}:{env[prefix + 'PORT']}"


def cli(service: str, env: dict[str, str], *args: str) -> str:
    """Run ``python -m <service> <args>``; its stdout, or StartupError with its output."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", service, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        output = "\n".join((result.stderr + result.stdout).strip().splitlines()[-40:])
        command = " ".join(["python -m", service, *args])
        raise StartupError(f"`{command}` failed (exit {result.returncode}):\n{output}")
    return result.stdout


def prepare(service: str, env: dict[str, str], *, seed: bool) -> dict[str, Any]:
    """Migrate one service's database, then (if asked) seed it; what the seed created."""
    url = env[SERVICES[service][0] + "DATABASE_URL"]
    if url.startswith("sqlite:///"):  # alembic does not create the file's folder
        (ROOT / url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cli(service, env, "migrate")
    say(f"{service}: database at head")
    if not seed:
        return {}
    output = cli(service, env, "seed")  # idempotent: a second run finds everything in place
    try:
        created: dict[str, Any] = json.loads(output or "{}")
    except json.JSONDecodeError as exc:
        raise StartupError(f"`python -m {service} seed` printed no JSON:\n{output}") from exc
    say(f"{service}: demo data in place")
    return created


def prepare_all(envs: dict[str, dict[str, str]], *, seed: bool) -> dict[str, Any]:
    # The three databases are independent, and each CLI start costs seconds of imports: side by side.
    with ThreadPoolExecutor(max_workers=len(envs)) as pool:
        futures = {name: pool.submit(prepare, name, env, seed=seed) for name, env in envs.items()}
        return {name: future.result() for name, future in futures.items()}


def urls(envs: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for service, env in envs.items():
        url = base_url(service, env)
        found[service] = {"url": url, "docs": f"{url}/docs", "readyz": f"{url}/readyz"}
    issuer = envs["idp"]["IDP_ISSUER"].rstrip("/")
    found["idp"]["jwks"] = f"{issuer}/.well-known/jwks.json"
    found["idp"]["discovery"] = f"{issuer}/.well-known/openid-configuration"
    return found


def write_demo(demo: dict[str, Any], demo_path: Path) -> None:
    demo_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = demo_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(demo, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.chmod(0o600)  # demo secrets, but secrets all the same
    tmp.replace(demo_path)
    say(f"demo data written to {demo_path}")


def describe(demo: dict[str, Any]) -> str:
    """The readable block: URLs, then whatever each seed created (lists of records, one per line)."""
    lines = ["", "=" * 78]
    for service, links in demo["urls"].items():
        lines.append(f"{service:<10} {links['url']}   docs: {links['docs']}")
        for name in ("jwks", "discovery"):
            if name in links:
                lines.append(f"{'':<10} {name}: {links[name]}")
    for service in SERVICES:
        for kind, items in (demo.get(service) or {}).items():
            lines.append(f"{service} {kind}:")
            for item in items if isinstance(items, list) else [items]:
                if isinstance(item, dict):
                    item = "  ".join(f"{k}={_flat(v)}" for k, v in item.items())
                lines.append(f"  - {item}")
    lines.append("=" * 78)
    return "\n".join(lines)


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def port_free(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as sock:
        # as uvicorn does: connections of a run that just stopped (TIME_WAIT) do not hold the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class RestartPolicy:
    """How a crashed service is restarted: exponential backoff, bounded in delay and in count."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    #: give up after this many crashes in a row that each came soon after a start
    max_quick_crashes: int = 5
    #: a crash after this long up is not "quick": the count starts again
    healthy_after: float = 60.0

    def delay(self, crashes: int) -> float:
        return float(min(self.max_delay, self.first_delay * 2 ** max(crashes - 1, 0)))


class Restarts:
    """The crash history of one service; ``now`` always comes from the caller (a clock)."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self.crashes = 0

    def crashed(self, *, now: float, started_at: float) -> float | None:
        """Seconds to wait before the restart, or None: it crashes too often, give up."""
        if now - started_at >= self.policy.healthy_after:
            self.crashes = 0
        self.crashes += 1
        if self.crashes > self.policy.max_quick_crashes:
            return None
        return self.policy.delay(self.crashes)


class Service:
    """One `python -m <service> serve` child whose output goes to the console, prefixed."""

    def __init__(self, name: str, env: dict[str, str], policy: RestartPolicy | None = None) -> None:
        self.name = name
        self.env = env
        self.url = base_url(name, env)
        self.tail: collections.deque[str] = collections.deque(maxlen=40)
        self.process: subprocess.Popen[str] | None = None
        self.reader: threading.Thread | None = None
        self.started_at = 0.0
        self.restarts = Restarts(policy or RestartPolicy())
        #: monotonic time of a pending restart
        self.restart_at: float | None = None

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", self.name, "serve"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            # its own process group: Ctrl-C reaches only this script, which then stops the children
            # in order instead of all of them racing each other
            process_group=0,
        )
        self.reader = threading.Thread(target=self._copy_output, daemon=True)
        self.reader.start()
        say(f"{self.name}: started (pid {self.process.pid}), waiting for {self.url}/readyz")

    def reap(self) -> int | None:
        """After an exit: collect the last output and the exit code."""
        if self.process is None:
            return None
        code = self.process.wait()
        if self.reader:
            self.reader.join(timeout=2)
        if self.process.stdout:
            self.process.stdout.close()
        return code

    def watch(self, now: float) -> None:
        """One look at the child: restart it when its backoff is over, schedule that when it died."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restart_at = None
                say(f"{self.name}: restarting now (restart {self.restarts.crashes})")
                self.start()
            return
        if self.running():
            return
        code = self.reap()
        delay = self.restarts.crashed(now=now, started_at=self.started_at)
        if delay is None:
            policy = self.restarts.policy
            raise self.failure(
                f"exited (code {code}) {policy.max_quick_crashes + 1} times in a row, each within "
                f"{policy.healthy_after:g} s of its start; giving up"
            )
        self.restart_at = now + delay
        say(
            f"{self.name}: exited unexpectedly (code {code}); restarting in {delay:g} s "
            f"(restart {self.restarts.crashes} of at most {self.restarts.policy.max_quick_crashes} in a row)"
        )

    def _copy_output(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.tail.append(line)
            say(f"{self.name:<9}| {line}")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, deadline: float, stop: threading.Event) -> None:
        while time.monotonic() < deadline and not stop.is_set():
            if not self.running():
                raise self.failure("exited before it was ready")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            stop.wait(0.2)
        if stop.is_set():
            return
        raise self.failure(f"did not answer {self.url}/readyz in time")

    def failure(self, what: str) -> StartupError:
        time.sleep(0.2)  # let the reader thread catch up with the last words
        tail = "\n".join(f"    {line}" for line in self.tail) or "    (no output)"
        return StartupError(f"{self.name} {what}; its last lines:\n{tail}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                say(f"{self.name}: did not stop in {STOP_TIMEOUT:.0f}s, killing it")
                self.process.kill()
                self.process.wait()
        if self.reader:
            self.reader.join(timeout=2)
        if self.process.stdout:
            self.process.stdout.close()
        say(f"{self.name}: stopped")


def refuse_taken_ports(envs: dict[str, dict[str, str]]) -> None:
    taken = [
        f"  {name}: {base_url(name, env)}" for name, env in envs.items() if not port_free(base_url(name, env))
    ]
    if taken:
        raise StartupError(
            "these ports are already in use (is `make run` already running?):\n"
            + "\n".join(taken)
            + "\nStop whatever holds them, or choose other ports, e.g. IDP_PORT=9000 EGISZ_PORT=9001 "
            "NOTIFIER_PORT=9002 make run"
        )


def serve(
    envs: dict[str, dict[str, str]],
    demo: dict[str, Any],
    ready_timeout: float,
    policy: RestartPolicy | None = None,
    bank_env: dict[str, str] | None = None,
) -> int:
    services = [Service(name, env, policy) for name, env in envs.items()]
    stop = threading.Event()
    bank = start_bank(bank_env) if bank_env else None

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for service in services:
            service.start()
        deadline = time.monotonic() + ready_timeout
        for service in services:
            service.wait_ready(deadline, stop)
        if stop.is_set():
            return 0
        say(describe(demo))
        say(READY_LINE)
        while not stop.wait(0.2):
            for service in services:
                service.watch(time.monotonic())
        say("stopping...")
        return 0
    finally:
        for service in reversed(services):
            service.stop()
        stop_bank(bank)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--only-migrate", action="store_true", help="upgrade the three databases and stop")
    only.add_argument("--only-seed", action="store_true", help="migrate, seed, write demo.json and stop")
    parser.add_argument(
        "--var-dir", type=Path, default=ROOT / "var", help="for SQLite files, demo.json (default: var/)"
    )
    parser.add_argument("--ready-timeout", type=float, default=60.0, help="seconds to wait for /readyz")
    parser.add_argument(
        "--restart-delay", type=float, default=1.0, help="first delay before restarting a crashed service"
    )
    parser.add_argument(
        "--max-quick-crashes",
        type=int,
        default=5,
        help="give up after this many crashes in a row, each within a minute of the start",
    )
    args = parser.parse_args(argv)
    var_dir = args.var_dir.resolve()
    envs = service_envs(var_dir)
    bank_env = None if (args.only_migrate or args.only_seed) else demo_bank(envs)
    try:
        if not (args.only_migrate or args.only_seed):
            refuse_taken_ports(envs)  # say so before the migrations, not after
        demo = prepare_all(envs, seed=not args.only_migrate)
        if args.only_migrate:
            return 0
        demo["urls"] = urls(envs)
        write_demo(demo, var_dir / "demo.json")
        if args.only_seed:
            return 0
        policy = RestartPolicy(first_delay=args.restart_delay, max_quick_crashes=args.max_quick_crashes)
        return serve(envs, demo, args.ready_timeout, policy, bank_env)
    except StartupError as exc:
        say(f"run_dev: {exc}")
        return 1
    except KeyboardInterrupt:
        say("run_dev: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
