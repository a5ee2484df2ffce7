"""The worker forms' signature step-up over real HTTP (issue 14 item 2; docs/worker-forms.md): the
idp and egisz_api as uvicorn processes. A medical worker logs into the cabinet with a password
through the ESIA face, fills a prescription, is sent to the idp's signature step
(``acr_values=urn:idp:acr:sig urn:idp:acr:qes``), signs the challenge with a qualified certificate of
the demo PKI, comes back to the form with its data, confirms, and the prescription is written with a
Provenance naming the practitioner, the organisation and the signature (kind ``qes``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.idp.pki import signature_login as sl
from tests.idp.pki.openssl_signing import gost_signer, needs_gost
from tests.integration.processes import ServiceProcess, run_cli, started
from tests.integration.test_cabinet_login import ESIA_SCOPES, _csrf, log_in
from tests.live import free_port

pytestmark = [pytest.mark.integration, needs_gost]
PATIENT = "demo-petrova"  # attached to the Moscow organisation the worker works for
FORM = f"/cabinet/patients/{PATIENT}/forms/prescription"
DOSAGE = "По 1 таблетке утром после еды"


def _register(idp_url: str, egisz_url: str, database_url: str, pki: sl.LoginPki) -> None:
    """The person (a doctor of the Moscow demo organisation, with a bound qualified certificate), and
    EGISZ registered at the ESIA face with its GOST certificate."""
    from idp.accounts.service import create_account
    from idp.clients.secrets import SecretHasher
    from idp.esia import admin
    from idp.esia.registry import EsiaClientSpec
    from idp.main import create_app
    from idp.organizations import service as organizations
    from idp.organizations.seeding import MOSCOW
    from tests.conftest import idp_settings
    from tests.idp.conftest import CITIZEN

    settings = idp_settings(database_url, issuer=idp_url, egisz_url=egisz_url)
    app = create_app(settings)
    with app.state.session_factory() as session:
        person = dataclasses.replace(CITIZEN, passport_series="4510", passport_number="123456")
        account = create_account(session, app.state.field_cipher, person)
        account.registry_status = "passed"
        org = organizations.create_organization(session, MOSCOW)
        organizations.employ(session, account.id, org, position="Врач-терапевт участковый", role="doctor")
        spec = EsiaClientSpec(
            client_id="EGISZ", name="ЕГИСЗ", redirect_uris=[f"{egisz_url}/esia/callback"], scopes=ESIA_SCOPES,
            backchannel_logout_uri=f"{egisz_url}/esia/backchannel-logout",
        )  # fmt: skip
        admin.create_client(
            session, SecretHasher(settings.client_secret_pepper.get_secret_value()), spec, actor="test"
        )
        admin.add_certificate(session, "EGISZ", gost_signer().certificate_der, actor="test")
        session.commit()
        account_id = account.id
    sl.trust_pki(app, pki)
    sl.bind(app, account_id, pki, "qes")
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tests.conftest import create_database, drop_database

    tmp: Path = tmp_path_factory.mktemp("stepup")
    pki = sl.build_pki(tmp / "pki", dt.datetime.now(dt.UTC), with_gost=False)
    urls = {name: create_database(tmp, name) for name in ("idp", "egisz_api")}
    idp_port, egisz_port = free_port(), free_port()
    idp_url, egisz_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{egisz_port}"
    idp_settings = {
        "dev_mode": True, "log_json": True, "database_url": urls["idp"], "issuer": idp_url,
        "port": idp_port, "egisz_url": egisz_url,
    }  # fmt: skip
    signer = gost_signer()
    egisz_settings = {
        "dev_mode": True, "log_json": True, "database_url": urls["egisz_api"], "port": egisz_port,
        "idp_issuer": idp_url, "idp_jwks_url": f"{idp_url}/.well-known/jwks.json", "esia_url": idp_url,
        "public_url": egisz_url, "idp_account_url": f"{idp_url}/account",
        "esia_certificate": signer.certificate, "esia_key": signer.key,
        "audit_journal_dir": tmp / "journal", "audit_journal_fsync": False,
    }  # fmt: skip
    run_cli("idp", idp_settings, "migrate")
    _register(idp_url, egisz_url, urls["idp"], pki)
    run_cli("egisz_api", egisz_settings, "migrate")
    run_cli("egisz_api", egisz_settings, "seed")
    idp = ServiceProcess("idp", idp_settings, tmp / "idp.log")
    egisz = ServiceProcess("egisz_api", egisz_settings, tmp / "egisz.log")
    with started(idp, egisz):
        yield {"idp": idp_url, "egisz": egisz_url, "idp_proc": idp, "egisz_proc": egisz,
               "egisz_db": urls["egisz_api"], "pki": pki}  # fmt: skip
    for url in urls.values():
        drop_database(url)


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"Accept": "text/html", "Accept-Language": "ru"}, timeout=30) as client:
        yield client


def _follow(browser: httpx.Client, response: httpx.Response, stop_path: str | None = None) -> httpx.Response:
    for _ in range(15):
        if response.status_code not in (302, 303):
            return response
        location = urljoin(str(response.url), response.headers["location"])
        if stop_path is not None and urlsplit(location).path == stop_path:
            return response
        response = browser.get(location)
    raise AssertionError("too many hops")


def _stored(database_url: str, resource_type: str) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT content FROM fhir_resources WHERE resource_type = :t"), {"t": resource_type}
            ).all()
    finally:
        engine.dispose()
    return [json.loads(bytes(row[0])) for row in rows]


def test_password_worker_signs_at_the_idp_and_the_form_comes_back_and_is_written(
    system: dict[str, Any], browser: httpx.Client
) -> None:
    page, _ = log_in(browser, system)
    assert page.status_code == 200, page.text[-2000:]
    egisz, idp = system["egisz"], system["idp"]
    form = browser.get(f"{egisz}{FORM}")
    assert form.status_code == 200 and "Подписать и сохранить" in form.text
    today = dt.datetime.now(dt.UTC).date()
    fields = {
        "csrf_token": _csrf(form.text), "code": "urn:egisz:cs:medication|amlodipine-5-tab", "dosage": DOSAGE,
        "date-day": f"{today.day:02d}", "date-month": f"{today.month:02d}", "date-year": str(today.year),
    }  # fmt: skip
    submitted = browser.post(f"{egisz}{FORM}", data=fields)
    assert submitted.status_code == 303
    to_idp = submitted.headers["location"]
    assert to_idp.startswith(f"{idp}/aas/oauth2/")
    assert parse_qs(urlsplit(to_idp).query)["acr_values"] == ["urn:idp:acr:sig urn:idp:acr:qes"]
    assert DOSAGE not in to_idp and "amlodipine" not in to_idp
    # the idp keeps the password session but asks for a signature (step-up)
    at_idp = browser.get(to_idp)
    assert at_idp.status_code == 302 and urlsplit(at_idp.headers["location"]).path == "/login/signature"
    signature_url = urljoin(idp, at_idp.headers["location"])
    signature_page = sl.read_page(signature_url, browser.get(signature_url))
    cms = system["pki"].sign("qes", signature_page.challenge)
    signed = browser.post(
        f"{idp}/login/signature",
        data={**signature_page.form, "signature": ""},
        files={"signature_file": ("challenge.txt.sig", cms, "application/pkcs7-signature")},
    )
    assert signed.status_code == 303, signed.text[:2000]
    back = _follow(browser, signed)
    assert back.status_code == 200 and urlsplit(str(back.url)).path == FORM, back.text[-2000:]
    assert "Подпись выполнена" in back.text and f'value="{DOSAGE}"' in back.text
    handle = parse_qs(urlsplit(str(back.url)).query)["parked"][0]
    before = {r["id"] for r in _stored(system["egisz_db"], "MedicationRequest")}
    saved = browser.post(f"{egisz}{FORM}", data={**fields, "csrf_token": _csrf(back.text), "parked": handle})
    assert saved.status_code == 303 and "/records/MedicationRequest/" in saved.headers["location"]
    record = browser.get(urljoin(egisz, saved.headers["location"]))
    assert record.status_code == 200 and "Амлодипин" in record.text
    new = [r for r in _stored(system["egisz_db"], "MedicationRequest") if r["id"] not in before]
    assert len(new) == 1 and new[0]["dosageInstruction"] == [{"text": DOSAGE}]
    provenance = [
        p for p in _stored(system["egisz_db"], "Provenance")
        if p["target"][0]["reference"].startswith(f"MedicationRequest/{new[0]['id']}/")
    ]  # fmt: skip
    assert len(provenance) == 1
    agent = provenance[0]["agent"][0]
    assert agent["who"]["display"] == "Петрова Анна Сергеевна"
    assert agent["onBehalfOf"]["reference"].startswith("Organization/")
    kinds = [e["valueCode"] for e in provenance[0]["signature"][0]["extension"] if "valueCode" in e]
    assert kinds == ["qes"]
    # the idp's ID token named the certificate (cnf x5t#S256): the Provenance records its SHA-256
    thumbprints = [
        e["valueString"]
        for e in provenance[0]["signature"][0]["extension"]
        if e["url"] == "urn:egisz:fhir:signature-certificate-sha256"
    ]
    assert thumbprints == [hashlib.sha256(system["pki"].certs["qes"].der).hexdigest()]
    # the parked form was used once
    assert browser.get(f"{egisz}{FORM}?parked={handle}").status_code == 410
