"""«Вход в ЕГИСЗ» over real HTTP: the idp and egisz_api as uvicorn processes on loopback ports.

A person's browser (an httpx client keeping cookies) goes from EGISZ's ``/cabinet/login`` to the
idp's ESIA face (``v2/ac`` with EGISZ's GOST-signed ``client_secret``), through the idp's real
login and consent pages, back to ``/esia/callback``; egisz_api exchanges the code at ``v3/te``,
verifies the tokens, reads the person over ``/rs/prns`` and finds the Patient by SNILS. Then:
a replayed callback is refused; logout goes through ``/idp/ext/Logout`` and ends both sessions;
a logout at the idp ends the EGISZ session by back-channel logout."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.idp.pki.openssl_signing import gost_signer, needs_gost
from tests.integration.processes import ServiceProcess, run_cli, started
from tests.live import free_port

pytestmark = [pytest.mark.integration, needs_gost]

# what the idp seed registers EGISZ for; the cabinet asks for usr_org too (its workers' organisations)
ESIA_SCOPES = [
    "openid",
    "fullname",
    "birthdate",
    "gender",
    "snils",
    "id_doc",
    "medical_doc",
    "email",
    "usr_org",
]


def _register(idp_url: str, egisz_url: str, database_url: str) -> None:
    """What the idp seed does for EGISZ (without the demo PKI's minute): the account of a person
    whose SNILS the EGISZ seed has a record for, and EGISZ's registration with its GOST certificate
    and back-channel logout URI, through the ESIA registration service."""
    from idp.accounts.service import create_account
    from idp.clients.secrets import SecretHasher
    from idp.esia import admin
    from idp.esia.registry import EsiaClientSpec
    from idp.main import create_app
    from tests.conftest import idp_settings
    from tests.idp.conftest import CITIZEN

    settings = idp_settings(database_url, issuer=idp_url, egisz_url=egisz_url)
    app = create_app(settings)
    with app.state.session_factory() as session:
        # SNILS and passport checked by the registry (ESIA: a VERIFIED passport, a standard account);
        # contacts left unconfirmed so the login asks for no second factor
        person = dataclasses.replace(CITIZEN, passport_series="4510", passport_number="123456")
        account = create_account(session, app.state.field_cipher, person)
        account.registry_status = "passed"
        spec = EsiaClientSpec(
            client_id="EGISZ",
            name="ЕГИСЗ",
            redirect_uris=[f"{egisz_url}/esia/callback"],
            scopes=ESIA_SCOPES,
            backchannel_logout_uri=f"{egisz_url}/esia/backchannel-logout",
        )
        admin.create_client(
            session, SecretHasher(settings.client_secret_pepper.get_secret_value()), spec, actor="test"
        )
        admin.add_certificate(session, "EGISZ", gost_signer().certificate_der, actor="test")
        _authority(session, app)
        session.commit()
    app.state.engine.dispose()


#: a regional health authority's employee (issue 14 item 4), whose account — as an attack — carries the
#: SNILS of a patient the EGISZ seed has a record for (demo-petrova's): the cabinet must still show
#: no personal data
AUTHORITY_LOGIN = "authority@example.test"
AUTHORITY_SNILS = "123-456-789 64"


def _authority(session: Any, app: Any) -> None:
    from idp.accounts.service import NewAccount, create_account
    from idp.organizations import service as orgs
    from tests.idp.conftest import PASSWORD

    person = NewAccount(
        last_name="Статистова", first_name="Вера", middle_name="Андреевна", birth_date=dt.date(1979, 4, 3),
        gender="F", email=AUTHORITY_LOGIN, phone="+79160000010", snils=AUTHORITY_SNILS, password=PASSWORD,
        passport_series="4511", passport_number="654321",
    )  # fmt: skip
    account = create_account(session, app.state.field_cipher, person)
    account.registry_status = "passed"
    department = orgs.create_organization(
        session,
        orgs.OrganizationSpec(
            ogrn="1027700999039",
            inn="7709990030",
            full_name="Департамент здравоохранения (тест)",
            short_name="ДЗ (тест)",
            region_code="77",
            region_name="Москва",
        ),
    )
    orgs.employ(session, account.id, department, position="Главный специалист", role="authority_reg")


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tests.conftest import create_database, drop_database

    tmp = tmp_path_factory.mktemp("cabinet")
    urls = {name: create_database(tmp, name) for name in ("idp", "egisz_api")}
    idp_port, egisz_port = free_port(), free_port()
    idp_url, egisz_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{egisz_port}"
    idp_settings = {
        "dev_mode": True,
        "log_json": True,
        "database_url": urls["idp"],
        "issuer": idp_url,
        "port": idp_port,
        "egisz_url": egisz_url,
        "backchannel_logout_backoff": 0.05,
    }
    signer = gost_signer()
    egisz_settings = {
        "dev_mode": True,
        "log_json": True,
        "database_url": urls["egisz_api"],
        "port": egisz_port,
        "idp_issuer": idp_url,
        "idp_jwks_url": f"{idp_url}/.well-known/jwks.json",
        "esia_url": idp_url,
        "public_url": egisz_url,
        "idp_account_url": f"{idp_url}/account",
        "esia_certificate": signer.certificate,
        "esia_key": signer.key,
        "audit_journal_dir": tmp / "journal",
        "audit_journal_fsync": False,
    }
    run_cli("idp", idp_settings, "migrate")
    _register(idp_url, egisz_url, urls["idp"])
    run_cli("egisz_api", egisz_settings, "migrate")
    run_cli("egisz_api", egisz_settings, "seed")
    idp = ServiceProcess("idp", idp_settings, tmp / "idp.log")
    egisz = ServiceProcess("egisz_api", egisz_settings, tmp / "egisz.log")
    with started(idp, egisz):
        yield {"idp": idp_url, "egisz": egisz_url, "idp_proc": idp, "egisz_proc": egisz}
    for url in urls.values():
        drop_database(url)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[-2000:]
    return found.group(1)


def log_in(
    browser: httpx.Client, system: dict[str, Any], login: str | None = None
) -> tuple[httpx.Response, str]:
    """Follow the journey like a person; returns the last page and the callback URL it went through."""
    from tests.idp.conftest import CITIZEN, PASSWORD

    login = login or CITIZEN.email or ""
    response = browser.get(f"{system['egisz']}/cabinet/login")
    callback = ""
    for _ in range(15):
        if response.status_code not in (302, 303):
            return response, callback
        location = urljoin(str(response.url), response.headers["location"])
        parts = urlsplit(location)
        if parts.path == "/esia/callback":
            callback = location
        page = browser.get(location)
        handle = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("i", "")
        if location.startswith(system["idp"]) and parts.path == "/login":
            response = browser.post(
                f"{system['idp']}/login",
                data={"login": login, "password": PASSWORD, "csrf_token": _csrf(page.text),
                      "interaction": handle},
            )  # fmt: skip
        elif location.startswith(system["idp"]) and parts.path == "/consent":
            response = browser.post(
                f"{system['idp']}/consent",
                data={"decision": "allow", "csrf_token": _csrf(page.text), "interaction": handle},
            )
        else:
            response = page
    raise AssertionError("too many hops")


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"Accept": "text/html", "Accept-Language": "ru"}, timeout=30) as client:
        yield client


def test_login_through_the_esia_face_maps_the_person_to_their_record(
    system: dict[str, Any], browser: httpx.Client
) -> None:
    page, callback = log_in(browser, system)
    assert page.status_code == 200, page.text[-3000:]
    assert str(page.url) == f"{system['egisz']}/cabinet"
    assert "Петрова Анна Сергеевна" in page.text  # the name ESIA gave (/rs/prns)
    assert "112-233-445 95" in page.text
    assert "Ваша медицинская карта найдена" in page.text  # the seed's Patient with that SNILS
    assert callback.startswith(f"{system['egisz']}/esia/callback?")
    # attack: the same callback (code and state) once more, as a stolen URL would be replayed
    replay = browser.get(callback)
    assert replay.status_code == 400 and "Не удалось войти" in replay.text
    logs = system["egisz_proc"].logs() + system["idp_proc"].logs()
    code = dict(p.split("=", 1) for p in urlsplit(callback).query.split("&"))["code"]
    assert code not in logs  # the code is never logged


def test_logout_ends_the_cabinet_and_the_idp_session(system: dict[str, Any], browser: httpx.Client) -> None:
    page, _ = log_in(browser, system)
    token = browser.cookies.get("egisz_cabinet")
    response = browser.post(f"{system['egisz']}/cabinet/logout", data={"csrf_token": _csrf(page.text)})
    assert response.status_code == 303
    from urllib.parse import quote

    assert response.headers["location"] == (
        f"{system['idp']}/idp/ext/Logout?client_id=EGISZ&redirect_url={quote(system['egisz'] + '/', safe='')}"
    )
    assert response.headers["location"].startswith(f"{system['idp']}/idp/ext/Logout?client_id=EGISZ&")
    back = browser.get(response.headers["location"])
    assert back.status_code == 302 and back.headers["location"] == f"{system['egisz']}/"
    browser.cookies.set("egisz_cabinet", token or "")
    assert "Сессия истекла" in browser.get(f"{system['egisz']}/cabinet").text
    # the idp's SSO session is over too: a new login asks for the password again
    again = browser.get(f"{system['egisz']}/cabinet/login")
    at_idp = browser.get(again.headers["location"])
    assert at_idp.status_code == 302 and urlsplit(at_idp.headers["location"]).path == "/login"


def test_a_logout_at_the_idp_ends_the_egisz_session_by_back_channel(
    system: dict[str, Any], browser: httpx.Client
) -> None:
    page, _ = log_in(browser, system)
    assert "Петрова" in page.text
    # the person logs out at the idp itself (not through EGISZ)
    ended = browser.get(f"{system['idp']}/idp/ext/Logout", params={"client_id": "EGISZ"})
    assert ended.status_code in (200, 302)
    # a bounded poll while the idp's dispatcher delivers the logout token (not a timed assertion)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cabinet = browser.get(f"{system['egisz']}/cabinet")
        if "Сессия истекла" in cabinet.text:
            break
        time.sleep(0.1)
    assert "Сессия истекла" in cabinet.text, system["idp_proc"].logs()[-3000:]
    assert '"msg": "back-channel logout"' in system["egisz_proc"].logs()


#: every cabinet page (GET) there is; the walk adds every cabinet link a page shows
CABINET_PAGES = [
    "/cabinet", "/cabinet/reports", "/cabinet/records", "/cabinet/access-log", "/cabinet/consent",
    "/cabinet/covid", "/cabinet/export", "/cabinet/requests", "/cabinet/settings/notifications",
    "/cabinet/patients", "/cabinet/organization",
]  # fmt: skip
#: what no authority may read: a SNILS (any layout), a Patient reference, the seeded patients' names
PERSONAL = [
    re.compile(r"\d{3}-\d{3}-\d{3}[ -]\d{2}"),
    re.compile(r"(?<!\d)\d{11}(?!\d)"),
    re.compile(r"Patient/"),
    re.compile(r"demo-(ivanov|petrova|sidorov|kuznetsova|smirnov)"),
    re.compile(r"Петрова|Иванов|Сидоров|Кузнецова|Смирнов"),
]


def test_a_regional_authority_lands_on_its_reports_and_reaches_no_personal_data(
    system: dict[str, Any], browser: httpx.Client
) -> None:
    """Issue 14 item 4 (EGISZ.md §5 row 31): the idp's ``/rs/prns/{oid}/roles`` names the person's
    authority role (``authority_reg`` in a region-77 department); the cabinet lands them on
    /cabinet/reports with their region's aggregates, and no page they can reach — following every
    cabinet link and trying every cabinet page — shows a SNILS, a Patient or a patient's name, not
    even the record their own SNILS would open for a citizen."""
    page, _ = log_in(browser, system, AUTHORITY_LOGIN)
    assert page.status_code == 200, page.text[-3000:]
    assert str(page.url).startswith(f"{system['egisz']}/cabinet/reports")
    assert "Недостаточно прав" not in page.text
    assert "Ваш регион: 77" in page.text  # the region of the authority's organisation, from the idp
    seen: set[str] = set()
    queue = list(CABINET_PAGES)
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = browser.get(f"{system['egisz']}{path}")
        assert response.status_code < 500, (path, response.status_code)
        body = response.text
        for pattern in PERSONAL:
            assert not pattern.search(body), (path, pattern.pattern)
        if response.headers.get("content-type", "").startswith("text/html"):
            links = re.findall(r'href="(/cabinet[^"#]*)"', body)
            queue += [link.replace("&amp;", "&") for link in links if "logout" not in link]
    assert "/cabinet/reports" in seen and len(seen) >= len(CABINET_PAGES)
