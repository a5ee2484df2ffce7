"""deploy/run_dev.py (`make run`, `make seed`, `make migrate`) run as a person runs it: a subprocess.

Everything goes under tmp_path through ``--var-dir``; ports come from the services' own ``*_PORT``
variables, so these tests never touch var/ or 8000-8002.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import free_port

pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy/run_dev.py"
READY_LINE = "All three services are ready. Press Ctrl-C to stop."


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any service setting the person running pytest may have."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "EGISZ_", "NOTIFIER_", "BANK_"))}
    env["BANK_PORT"] = str(free_port())  # the demo bank (docs/bank-id.md), never the default 8003
    env.update(overrides)
    return env


#: `make run` starts the demo bank too when Node.js and `make bank-deps` made it available
DEMO_BANK = (
    shutil.which("node") is not None and (ROOT / "tests/bank_provider/node_modules/oidc-provider").is_dir()
)


def run_dev(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--var-dir", str(var_dir), *args],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_every_default_run_dev_sets_is_a_setting_of_its_service(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    for name in list(os.environ):
        if name.startswith(("IDP_", "EGISZ_", "NOTIFIER_")):
            monkeypatch.delenv(name)
    run_dev_module = load_run_dev()
    classes = {
        "idp": "idp.settings:IdpSettings",
        "egisz_api": "egisz_api.settings:EgiszSettings",
        "notifier": "notifier.settings:NotifierSettings",
    }
    for service, env in run_dev_module.service_envs(Path("/nonexistent")).items():
        module, name = classes[service].split(":")
        cls = getattr(importlib.import_module(module), name)
        prefix = cls.model_config["env_prefix"]
        known = {prefix + field.upper() for field in cls.model_fields}
        assert {key for key in env if key.startswith(prefix)} <= known


def client_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        count: int = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    return count


@pytest.fixture(scope="module")
def seeded_twice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    var = tmp_path_factory.mktemp("var")
    first = run_dev(var, "--only-seed")
    assert first.returncode == 0, first.stdout + first.stderr
    demo_first = json.loads((var / "demo.json").read_text())
    clients_first = client_count(var / "idp.db")
    second = run_dev(var, "--only-seed")
    assert second.returncode == 0, second.stdout + second.stderr
    return {
        "var": var,
        "first": demo_first,
        "second": json.loads((var / "demo.json").read_text()),
        "clients": (clients_first, client_count(var / "idp.db")),
        "output": first.stdout,
    }


def test_only_seed_writes_demo_json_with_each_service_and_the_urls(seeded_twice: dict[str, Any]) -> None:
    demo = seeded_twice["first"]
    assert set(demo) == {"idp", "egisz_api", "notifier", "urls"}
    clients = {c["client_id"]: c for c in demo["idp"]["clients"]}
    assert "egisz-api" in clients and "demo-integrator" in clients
    assert all(c["client_secret"] for c in clients.values())
    assert clients["egisz-api"]["token_endpoint"] == "http://127.0.0.1:8000/token"
    assert demo["urls"]["idp"]["jwks"] == "http://127.0.0.1:8000/.well-known/jwks.json"
    assert demo["urls"]["idp"]["discovery"] == "http://127.0.0.1:8000/.well-known/openid-configuration"
    assert demo["urls"]["egisz_api"]["docs"] == "http://127.0.0.1:8001/docs"
    assert demo["urls"]["notifier"]["url"] == "http://127.0.0.1:8002"
    for name in ("idp.db", "egisz.db", "notifier.db"):
        assert (seeded_twice["var"] / name).is_file()


def test_only_seed_binds_the_demo_doctors_qualified_certificate_and_says_where_its_pfx_is(
    seeded_twice: dict[str, Any],
) -> None:
    var = seeded_twice["var"]
    signature = seeded_twice["first"]["idp"]["signature"]
    assert signature["login"] == "doctor@example.test" and signature["pin"] == "12345678"
    pfx = Path(signature["pfx"])
    assert pfx.is_file() and pfx.is_relative_to(var / "pki") and pfx.suffix == ".pfx"
    assert Path(signature["all_demo_certificates"]).is_file()
    console = load_run_dev().describe(seeded_twice["first"])  # what `make run` prints at start
    assert f"pfx={pfx}" in console and "pin=12345678" in console
    with sqlite3.connect(var / "idp.db") as conn:
        kinds = conn.execute(
            "SELECT b.kind FROM pki_bound_certificates b JOIN accounts a ON a.id = b.account_id "
            "WHERE a.email = 'doctor@example.test'"
        ).fetchall()
    assert kinds == [("qes",)]


def test_only_seed_lists_the_esia_clients_files_and_the_banner_shows_them(
    seeded_twice: dict[str, Any],
) -> None:
    var = seeded_twice["var"]
    entries = seeded_twice["first"]["idp"]["esia_clients"]
    assert {e["client_id"] for e in entries} == {"EGISZ", "DEMO01"}
    assert {e["algorithm"] for e in entries if e["client_id"] == "EGISZ"} >= {"rsa"}
    console = load_run_dev().describe(seeded_twice["first"])
    for entry in entries:
        for kind in ("certificate", "key", "pfx"):
            path = Path(entry[kind])
            assert path.is_file() and path.is_relative_to(var / "pki" / "esia")
        assert (
            f"pfx={entry['pfx']}" in console
            and f"client_certificate_hash={entry['client_certificate_hash']}" in console
        )
    with sqlite3.connect(var / "idp.db") as conn:
        rows = conn.execute(
            "SELECT c.client_id, e.mode, c.token_endpoint_auth_method FROM esia_clients e "
            "JOIN clients c ON c.client_id = e.client_id ORDER BY c.client_id"
        ).fetchall()
    assert rows == [("DEMO01", "lenient", "esia_signed_secret"), ("EGISZ", "strict", "esia_signed_secret")]


def test_only_seed_twice_changes_nothing(seeded_twice: dict[str, Any]) -> None:
    assert seeded_twice["second"] == seeded_twice["first"]
    first, second = seeded_twice["clients"]
    assert first == second >= len(seeded_twice["first"]["idp"]["clients"])


def test_only_seed_does_not_start_servers(seeded_twice: dict[str, Any]) -> None:
    assert "started" not in seeded_twice["output"]
    assert READY_LINE not in seeded_twice["output"]


def test_the_persons_environment_wins_and_the_issuer_follows_the_idp_port(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "my-idp.db"
    result = run_dev(
        tmp_path / "var", "--only-seed", IDP_DATABASE_URL=f"sqlite:///{elsewhere}", IDP_PORT="9100"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    demo = json.loads((tmp_path / "var" / "demo.json").read_text())
    assert elsewhere.is_file() and not (tmp_path / "var" / "idp.db").exists()
    assert demo["idp"]["clients"][0]["token_endpoint"] == "http://127.0.0.1:9100/token"
    assert demo["urls"]["idp"]["jwks"] == "http://127.0.0.1:9100/.well-known/jwks.json"


def test_only_migrate_creates_the_databases_and_no_demo_json(tmp_path: Path) -> None:
    result = run_dev(tmp_path, "--only-migrate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "idp.db").is_file() and (tmp_path / "notifier.db").is_file()
    assert not (tmp_path / "demo.json").exists()


def test_a_failing_seed_is_reported_without_starting_anything(tmp_path: Path) -> None:
    # outside dev mode the idp refuses to create demo accounts
    result = run_dev(tmp_path, "--only-seed", IDP_DEV_MODE="false")
    assert result.returncode == 1
    assert "`python -m idp" in result.stdout and "run_dev:" in result.stdout
    assert not (tmp_path / "demo.json").exists()


@pytest.mark.integration
def test_a_taken_port_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        result = run_dev(
            tmp_path, IDP_PORT=str(taken), EGISZ_PORT=str(free_port()), NOTIFIER_PORT=str(free_port())
        )
    assert result.returncode == 1
    assert "already in use" in result.stdout and f"127.0.0.1:{taken}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.integration
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_serves_all_three_until_a_signal_then_stops_them(tmp_path: Path, signum: int) -> None:
    ports = {"IDP_PORT": free_port(), "EGISZ_PORT": free_port(), "NOTIFIER_PORT": free_port()}
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(SCRIPT), "--var-dir", str(tmp_path)],
        env=clean_env(**{k: str(v) for k, v in ports.items()}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
        reader.start()
        try:
            # a bounded poll for the real processes, not a timed assertion: under pytest-xdist the
            # other worker shares the cores, and a loaded machine needed more than 120 s
            deadline = time.monotonic() + 300
            while not any(READY_LINE in line for line in lines):
                assert proc.poll() is None, "".join(lines)
                assert time.monotonic() < deadline, "".join(lines)
                time.sleep(0.1)
            for port in ports.values():
                assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
            issuer = f"http://127.0.0.1:{ports['IDP_PORT']}"
            assert any(f"token_endpoint={issuer}/token" in line for line in lines)
            children = [int(pid) for pid in re.findall(r"started \(pid (\d+)\)", "".join(lines))]
            assert len(children) == 3 + DEMO_BANK
            if DEMO_BANK:  # the idp offers the demo bank it was configured with
                assert "/login/bank" in httpx.get(f"{issuer}/login").text
            proc.send_signal(signum)
            assert proc.wait(timeout=60) == 0, "".join(lines)
        finally:
            if proc.poll() is None:
                proc.kill()
        reader.join(timeout=5)
    for pid in children:  # run_dev waited for them, so they are gone, not orphaned
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    for port in ports.values():
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/readyz")


def load_run_dev() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_dev_module", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_restart_backoff_doubles_up_to_its_cap() -> None:
    policy = load_run_dev().RestartPolicy(first_delay=1.0, max_delay=30.0)
    assert [policy.delay(n) for n in range(1, 8)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_restarts_give_up_after_too_many_quick_crashes() -> None:
    run_dev_module = load_run_dev()
    restarts = run_dev_module.Restarts(run_dev_module.RestartPolicy(max_quick_crashes=3, healthy_after=60))
    now = 1000.0
    delays = []
    for _ in range(3):
        delay = restarts.crashed(now=now, started_at=now - 5)  # up 5 s each time: a quick crash
        delays.append(delay)
        now += delay + 5
    assert delays == [1.0, 2.0, 4.0]
    assert restarts.crashed(now=now, started_at=now - 5) is None, "the fourth quick crash: give up"


def test_a_crash_after_a_healthy_run_starts_the_count_again() -> None:
    run_dev_module = load_run_dev()
    restarts = run_dev_module.Restarts(run_dev_module.RestartPolicy(max_quick_crashes=2, healthy_after=60))
    assert restarts.crashed(now=100.0, started_at=99.0) == 1.0
    assert restarts.crashed(now=200.0, started_at=199.0) == 2.0
    assert restarts.crashed(now=1000.0, started_at=300.0) == 1.0, "up 700 s: not a quick crash"


def _wait_for(
    lines: list[str], proc: subprocess.Popen[str], pattern: str, timeout: float = 120
) -> re.Match[str]:
    """The first output line matching ``pattern``; fails if run_dev exits or the bound passes."""
    deadline = time.monotonic() + timeout
    while True:
        for line in list(lines):
            found = re.search(pattern, line)
            if found:
                return found
        assert proc.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, f"no line matching {pattern!r}:\n" + "".join(lines)
        time.sleep(0.05)


@pytest.mark.integration
def test_a_crashed_service_is_restarted_and_said_so(tmp_path: Path) -> None:
    ports = {"IDP_PORT": free_port(), "EGISZ_PORT": free_port(), "NOTIFIER_PORT": free_port()}
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(SCRIPT), "--var-dir", str(tmp_path), "--restart-delay", "0.1"],
        env=clean_env(**{k: str(v) for k, v in ports.items()}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
        reader.start()
        try:
            _wait_for(lines, proc, re.escape(READY_LINE))
            first = int(_wait_for(lines, proc, r"^notifier: started \(pid (\d+)\)").group(1))
            os.kill(first, signal.SIGKILL)
            _wait_for(lines, proc, r"^notifier: exited unexpectedly \(code -9\); restarting in 0\.1 s")
            _wait_for(lines, proc, r"^notifier: restarting now")
            second = int(_wait_for(lines, proc, rf"^notifier: started \(pid (?!{first}\))(\d+)\)").group(1))
            deadline = time.monotonic() + 60
            while True:  # the new process serves on the same port
                try:
                    if httpx.get(f"http://127.0.0.1:{ports['NOTIFIER_PORT']}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "".join(lines)
                time.sleep(0.1)
            assert httpx.get(f"http://127.0.0.1:{ports['IDP_PORT']}/readyz").status_code == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0, "".join(lines)
        finally:
            if proc.poll() is None:
                proc.kill()
        reader.join(timeout=5)
    assert second != first
    with pytest.raises(ProcessLookupError):
        os.kill(second, 0)


def test_only_seed_makes_demo_organisations_staff_and_records_once(seeded_twice: dict[str, Any]) -> None:
    demo = seeded_twice["first"]["idp"]
    orgs = {o["region"]: o for o in demo["organizations"] if "ГП" in o["name"]}  # the polyclinics
    assert set(orgs) == {"77 Москва", "78 Санкт-Петербург"}
    # the health authorities (issue 14 item 4): one employee each, an authority role
    authorities = {o["name"]: o["employees"] for o in demo["organizations"] if "ГП" not in o["name"]}
    assert authorities == {
        "ДЗМ (демо)": ["authority@example.test (Главный специалист отдела статистики)"],
        "Минздрав России (демо)": ["minzdrav@example.test (Консультант департамента мониторинга)"],
    }
    assert any(e.startswith("doctor@example.test") for e in orgs["77 Москва"]["employees"])
    # the demo doctor works in both (the EGISZ cabinet asks which organisation)
    assert any(e.startswith("doctor@example.test") for e in orgs["78 Санкт-Петербург"]["employees"])
    assert len(orgs["77 Москва"]["employees"]) == 3 and len(orgs["78 Санкт-Петербург"]["employees"]) == 2
    logins = {a["login"] for a in demo["accounts"]}
    assert {"doctor2@example.test", "nurse@example.test", "lab@example.test"} <= logins
    assert "nurse@example.test" in load_run_dev().describe(seeded_twice["first"])
    with sqlite3.connect(seeded_twice["var"] / "idp.db") as conn:
        counts = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("organizations", "employments")
        ]
        kinds = dict(conn.execute("SELECT kind, count(*) FROM person_records GROUP BY kind").fetchall())
    assert counts == [4, 7]  # after two runs: nothing twice
    assert kinds == {
        "medical_policy": 9,
        "address": 9,
        "citizenship": 9,
        "birth_place": 1,
        "child": 1,
        "vehicle": 1,
    }
