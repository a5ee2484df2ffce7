"""The patient's journey through EGISZ in Debian's chromium, with the idp, the notifier and
egisz_api as real uvicorn processes seeded as `make run` seeds them:

1. EGISZ's home page, signed out → «Вход в ЕГИСЗ»;
2. the idp's login form (ESIA face, v2/ac with EGISZ's demo-PKI client_secret): password, then the
   SMS code read from the notifier's dev outbox; the idp's consent page when it asks;
3. back in the EGISZ cabinet as the demo citizen (name from ESIA's /rs/prns, record found by SNILS);
4. the consent to processing of personal data (withdrawn before the journey, so the cabinet asks
   for it and shows nothing else): «Согласен(на)» + «Подтвердить»;
5. «Медицинская карта»: the seeded timeline; a lab report in detail with its out-of-range marks;
6. «Кто смотрел мою карту»: the views just made, by «Вы» through «Личный кабинет ЕГИСЗ»;
7. «Выйти» → the idp's /idp/ext/Logout → EGISZ's home page, signed out; the cabinet asks to log in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from idp.seed import DEMO_CITIZEN
from tests.e2e.pages import submit
from tests.integration.processes import ServiceProcess, run_cli, started
from tests.live import free_port

pytestmark = pytest.mark.e2e


def _outbox_code(outbox: str, address: str, after: int) -> str:
    """The newest code sent to ``address`` after message ``after``: a bounded poll while the
    notifier delivers it (not a timed assertion)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        entries = httpx.get(f"{outbox}/latest", params={"address": address, "limit": 1}).json()
        if entries and entries[0].get("id", 0) != after:
            for word in entries[0]["body"].split():
                digits = word.strip(".,:;«»")
                if digits.isdigit() and len(digits) == 6:
                    return digits
        time.sleep(0.1)
    raise AssertionError(f"no code for {address} in the dev outbox")


def _last_message_id(outbox: str, address: str) -> int:
    entries = httpx.get(f"{outbox}/latest", params={"address": address, "limit": 1}).json()
    return int(entries[0].get("id", 0)) if entries else 0


def _withdraw_consent(database_url: str, patient_id: str) -> None:
    """The demo citizen has withdrawn the consent the seed gave, so the journey passes the consent
    page (every seeded patient but one has given it)."""
    from egisz_api.consent import service as consent
    from shared.db import make_engine, make_sessionmaker, utcnow

    engine = make_engine(database_url)
    with make_sessionmaker(engine, write_lock=True)() as session:
        consent.withdraw(session, patient_id, clock=utcnow)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    from tests.conftest import create_database, drop_database

    tmp = tmp_path_factory.mktemp("journey")
    databases = {name: create_database(tmp, name) for name in ("idp", "notifier", "egisz_api")}
    ports = {name: free_port() for name in databases}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    jwks = f"{url['idp']}/.well-known/jwks.json"
    idp: dict[str, Any] = {
        "dev_mode": True,
        "database_url": databases["idp"],
        "port": ports["idp"],
        "issuer": url["idp"],
        "egisz_url": url["egisz_api"],
        "notifier_url": url["notifier"],
        "demo_pki_dir": tmp / "pki",
        "backchannel_logout_backoff": 0.05,
    }
    run_cli("idp", idp, "migrate")
    seeded = run_cli("idp", idp, "seed")  # accounts, clients, the demo PKI and EGISZ's certificates
    egisz_certificates = [c for c in seeded["esia_clients"] if c["client_id"] == "EGISZ"]
    # GOST when this machine has the toolchain (v2/v3), else the RSA one (v1)
    certificate = sorted(egisz_certificates, key=lambda c: c["algorithm"] != "gost")[0]
    egisz: dict[str, Any] = {
        "dev_mode": True,
        "database_url": databases["egisz_api"],
        "port": ports["egisz_api"],
        "public_url": url["egisz_api"],
        "idp_issuer": url["idp"],
        "idp_jwks_url": jwks,
        "esia_url": url["idp"],
        "idp_account_url": f"{url['idp']}/account",
        "esia_certificate": certificate["certificate"],
        "esia_key": certificate["key"],
        "audit_journal_dir": tmp / "journal",
        "audit_journal_fsync": False,
    }
    run_cli("egisz_api", egisz, "migrate")
    run_cli("egisz_api", egisz, "seed")
    _withdraw_consent(databases["egisz_api"], "demo-ivanov")
    notifier: dict[str, Any] = {
        "dev_mode": True,
        "database_url": databases["notifier"],
        "port": ports["notifier"],
        "dev_outbox": True,
        "idp_issuer": url["idp"],
        "idp_jwks_url": jwks,
        "dispatcher_poll_seconds": 0.05,
    }
    processes = [
        ServiceProcess("idp", idp, tmp / "idp.log"),
        ServiceProcess("notifier", notifier, tmp / "notifier.log"),
        ServiceProcess("egisz_api", egisz, tmp / "egisz.log"),
    ]
    with started(*processes):
        yield {
            "idp": url["idp"],
            "egisz": url["egisz_api"],
            "outbox": f"{url['notifier']}/dev/outbox",
            "logs": json.dumps({p.service: str(p.log_path) for p in processes}),
        }
    for database in databases.values():
        drop_database(database)


def _tail(system: dict[str, str]) -> str:
    return "\n".join(
        f"--- {name}\n{Path(path).read_text()[-2000:]}" for name, path in json.loads(system["logs"]).items()
    )


def test_from_vhod_v_egisz_through_the_record_and_back_out(browser: Any, system: dict[str, str]) -> None:
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    egisz, idp = system["egisz"], system["idp"]

    # 1. EGISZ's home page, signed out
    page.goto(f"{egisz}/")
    login_button = page.get_by_role("button", name="Вход в ЕГИСЗ")
    assert login_button.count() == 1, page.content()[-2000:]
    before = _last_message_id(system["outbox"], DEMO_CITIZEN.phone or "")
    with page.expect_navigation():
        login_button.click()

    # 2. the idp's login form: password, then the SMS code from the dev outbox
    assert page.url.startswith(f"{idp}/login"), page.url
    page.locator('input[name="login"]').fill(DEMO_CITIZEN.email or "")
    page.locator('input[name="password"]').fill(DEMO_CITIZEN.password)
    submit(page, "/login")
    page.locator('input[name="code"]').fill(_outbox_code(system["outbox"], DEMO_CITIZEN.phone or "", before))
    submit(page, "/login/code")
    if page.url.startswith(f"{idp}/consent"):  # the idp asks the person to let EGISZ read their data
        with page.expect_navigation():
            page.locator('[name="decision"][value="allow"]').click()

    # 3. back in the cabinet as the demo citizen
    assert page.url.startswith(f"{egisz}/cabinet"), f"{page.url}\n{_tail(system)}"
    # 4. the consent to processing of personal data: the cabinet shows nothing else until it is given
    assert page.url.startswith(f"{egisz}/cabinet/consent"), page.url
    assert page.locator("a.tabs__link").count() == 0
    page.locator('input[name="agree"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Подтвердить").click()
    # given again: the consent page says so, and the cabinet's sections are open
    assert page.url.startswith(f"{egisz}/cabinet"), page.url
    assert page.locator("a.tabs__link").count() > 0
    assert "Иванов Иван Иванович" in page.content()

    # 5. the record as a timeline: the seeded entries, newest first
    with page.expect_navigation():
        page.locator("a.tabs__link", has_text="Медицинская карта").click()
    assert page.url == f"{egisz}/cabinet/records"
    body = page.locator("main").inner_text()
    assert "Общий анализ крови" in body and "Биохимический анализ крови" in body
    assert "Предстоит" in body and "Гам-КОВИД-Вак (Спутник V)" in body
    with page.expect_navigation():
        page.get_by_role("link", name="Биохимический анализ крови").click()
    table = page.locator("table").inner_text()
    assert "Холестерин общий" in table and "Выше нормы" in table

    # 6. «Кто смотрел мою карту»: the views just made
    with page.expect_navigation():
        page.locator("a.tabs__link", has_text="Кто смотрел мою карту").click()
    log = page.locator("table").inner_text()
    assert "Вы" in log and "Личный кабинет ЕГИСЗ" in log and "Просмотр карты" in log
    assert "Просмотр: заключения по анализам" in log

    # 7. logout through the idp, back on EGISZ's home page signed out
    with page.expect_navigation(url=f"{egisz}/"):
        page.get_by_role("button", name="Выйти").click()
    assert page.get_by_role("button", name="Вход в ЕГИСЗ").count() == 1
    page.goto(f"{egisz}/cabinet/records")
    assert page.url.startswith(f"{idp}/login"), page.url  # the cabinet asks to log in again
    context.close()
