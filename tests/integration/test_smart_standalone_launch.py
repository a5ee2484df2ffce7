"""A SMART on FHIR standalone patient launch over real HTTP (issue 13 item 4; EGISZ.md §2.2): the
idp and egisz_api as uvicorn processes, and PyPI's ``fhirclient`` (the SMART Health IT Python
client) as the app. It discovers the OAuth endpoints from the FHIR server's CapabilityStatement,
sends ``aud`` = the FHIR base and PKCE S256; a person logs in through the idp's login and consent
forms (httpx, as a browser would); the token response names the person's Patient, which the idp
found at the FHIR server by SNILS; the app reads that Patient and searches its Observations.

Then the attacks: a scope the client is not registered for, a token of the same app for another
audience, a ``patient/Observation.rs`` token reading Conditions, another patient's id."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fhirclient import client as smart_client
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient
from jose import jwt

from tests.integration.processes import ServiceProcess, run_cli, started
from tests.live import free_port

pytestmark = pytest.mark.integration

PASSWORD = "Correct-Horse-9"
LOGIN = "smart-citizen@example.test"
#: the SNILS of the egisz_api seed's demo-ivanov (services/egisz_api/seed.py CITIZENS)
SNILS = "112-233-445 95"
OWN_PATIENT = "demo-ivanov"
OTHER_PATIENT = "demo-petrova"
APP_ID = "smart-it-app"
#: the egisz_api seed's demo patient who withdrew the personal-data consent (seed.WITHDRAWN_CONSENT)
WITHDRAWN_LOGIN = "smart-withdrawn@example.test"
WITHDRAWN_SNILS = "456-789-012 38"
WITHDRAWN_PATIENT = "demo-smirnov"
SYSTEM_ID, SYSTEM_SECRET = "mis-reader", "mis-reader-secret-0123456789abcdef"


def _prepare_idp(url: str, issuer: str, fhir_base: str, redirect: str) -> None:
    """The citizen and the SMART app, written into the idp process's database with the idp's own
    services (what an operator's registration and a registration page would do)."""
    from idp.accounts.protection import FieldCipher
    from idp.accounts.service import NewAccount, create_account
    from idp.clients.secrets import SecretHasher
    from idp.clients.service import ClientSpec, register_client
    from shared.db import make_engine, make_sessionmaker
    from tests.conftest import idp_settings

    settings = idp_settings(url, issuer=issuer, smart_fhir_base_url=fhir_base)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        create_account(
            session,
            FieldCipher(settings.personal_data_key.get_secret_value()),
            NewAccount(last_name="Иванов", first_name="Иван", email=LOGIN, snils=SNILS, password=PASSWORD),
        )
        create_account(
            session,
            FieldCipher(settings.personal_data_key.get_secret_value()),
            NewAccount(
                last_name="Смирнов",
                first_name="Олег",
                email=WITHDRAWN_LOGIN,
                snils=WITHDRAWN_SNILS,
                password=PASSWORD,
            ),
        )
        register_client(
            session,
            SecretHasher(settings.client_secret_pepper.get_secret_value()),
            ClientSpec(client_id=SYSTEM_ID, name="МИС", scopes=["system/*.rs"], default_audience="egisz"),
            secret=SYSTEM_SECRET,
        )
        register_client(
            session,
            SecretHasher(settings.client_secret_pepper.get_secret_value()),
            ClientSpec(
                client_id=APP_ID,
                name="SMART-приложение",
                client_type="public",
                token_endpoint_auth_method="none",
                grant_types=["authorization_code", "refresh_token"],
                scopes=["openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs"],
                redirect_uris=[redirect],
                default_audience="egisz",
                audiences=["egisz", "notifier"],
            ),
        )
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tests.conftest import create_database, drop_database

    tmp = tmp_path_factory.mktemp("smart")
    urls = {name: create_database(tmp, name) for name in ("idp", "egisz_api")}
    idp_port, egisz_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{idp_port}"
    fhir_base = f"http://127.0.0.1:{egisz_port}/fhir"
    redirect = f"http://127.0.0.1:{free_port()}/callback"  # never called: the test reads the redirect
    common = {"dev_mode": True, "log_json": True}
    idp_settings = {
        **common,
        "database_url": urls["idp"],
        "issuer": issuer,
        "port": idp_port,
        "smart_fhir_base_url": fhir_base,
    }
    egisz_settings = {
        **common,
        "database_url": urls["egisz_api"],
        "port": egisz_port,
        "idp_issuer": issuer,
        "idp_jwks_url": f"{issuer}/.well-known/jwks.json",
        "audit_journal_dir": str(tmp / "journal"),
    }
    run_cli("idp", idp_settings, "migrate")
    run_cli("egisz_api", egisz_settings, "migrate")
    run_cli("egisz_api", egisz_settings, "seed")
    _prepare_idp(urls["idp"], issuer, fhir_base, redirect)
    idp = ServiceProcess("idp", idp_settings, tmp / "idp.log")
    egisz = ServiceProcess("egisz_api", egisz_settings, tmp / "egisz.log")
    with started(idp, egisz):
        yield {"issuer": issuer, "fhir": fhir_base, "redirect": redirect, "idp": idp, "egisz": egisz}
    for url in urls.values():
        drop_database(url)


def _browser(issuer: str, authorize_url: str, redirect: str, login: str = LOGIN) -> str:
    """What the person does in a browser: the idp's login and consent forms. The callback URL."""
    with httpx.Client(base_url=issuer, follow_redirects=False, timeout=60) as browser:
        response = browser.get(authorize_url)
        for _ in range(10):
            location = response.headers["location"]
            if location.startswith(redirect):
                return str(location)
            page = browser.get(location)
            if page.status_code in (302, 303):
                response = page
                continue
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf, page.text[:500]
            handle = parse_qs(urlsplit(location).query)["i"][0]
            if location.startswith("/login"):
                form = {"login": login, "password": PASSWORD}
                response = browser.post(
                    "/login", data={**form, "csrf_token": csrf.group(1), "interaction": handle}
                )
            else:
                assert location.startswith("/consent"), location
                data = {"decision": "allow", "csrf_token": csrf.group(1), "interaction": handle}
                response = browser.post("/consent", data=data)
        raise AssertionError("too many hops")


def _app(system: dict[str, Any], scope: str) -> smart_client.FHIRClient:
    settings = {
        "app_id": APP_ID,
        "api_base": system["fhir"],
        "redirect_uri": system["redirect"],
        "scope": scope,
    }
    return smart_client.FHIRClient(settings=settings)


def _launch(system: dict[str, Any], scope: str, login: str = LOGIN) -> smart_client.FHIRClient:
    app = _app(system, scope)
    callback = _browser(system["issuer"], app.authorize_url, system["redirect"], login)
    app.handle_callback(callback)
    return app


def test_a_smart_app_launches_standalone_and_reads_its_patients_records(system: dict[str, Any]) -> None:
    app = _launch(system, "openid fhirUser patient/*.rs offline_access")
    # fhirclient found the endpoints in the CapabilityStatement and sent aud + PKCE S256
    assert app.server.auth._authorize_uri == f"{system['issuer']}/authorize"
    # the token response's launch context: the Patient the idp found by the person's SNILS
    assert app.patient_id == OWN_PATIENT
    claims = jwt.get_unverified_claims(app.server.auth.access_token)
    assert claims["aud"] == "egisz" and claims["patient"] == OWN_PATIENT
    id_token = jwt.get_unverified_claims(app.launch_context["id_token"])
    assert id_token["fhirUser"] == f"{system['fhir']}/Patient/{OWN_PATIENT}"
    patient = app.patient
    assert patient is not None and patient.id == OWN_PATIENT and patient.name[0].family == "Иванов"
    search = Observation.where(struct={"patient": OWN_PATIENT, "category": "laboratory"})
    observations = list(search.perform_resources_iter(app.server))
    assert observations and all(o.subject.reference == f"Patient/{OWN_PATIENT}" for o in observations)
    # the refresh token keeps the launch context
    assert app.reauthorize() and app.patient_id == OWN_PATIENT


def test_another_patients_id_is_not_found(system: dict[str, Any]) -> None:
    app = _launch(system, "openid patient/*.rs")
    headers = {"Authorization": f"Bearer {app.server.auth.access_token}"}
    response = httpx.get(f"{system['fhir']}/Patient/{OTHER_PATIENT}", headers=headers)
    assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"
    searched = httpx.get(f"{system['fhir']}/Observation", params={"patient": OTHER_PATIENT}, headers=headers)
    assert searched.status_code == 200 and searched.json().get("entry", []) == []
    with pytest.raises(Exception, match="404"):
        Patient.read(OTHER_PATIENT, app.server)


def test_an_observation_token_cannot_read_conditions(system: dict[str, Any]) -> None:
    """A narrower scope than registered is granted (patient/Observation.rs inside patient/*.rs),
    and egisz_api holds the token to it: 403 insufficient_scope (RFC 6750 §3.1)."""
    app = _launch(system, "openid patient/Observation.rs")
    assert app.patient_id == OWN_PATIENT
    headers = {"Authorization": f"Bearer {app.server.auth.access_token}"}
    response = httpx.get(f"{system['fhir']}/Condition", params={"patient": OWN_PATIENT}, headers=headers)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert response.json()["resourceType"] == "OperationOutcome"
    observations = httpx.get(
        f"{system['fhir']}/Observation", params={"patient": OWN_PATIENT}, headers=headers
    )
    assert observations.status_code == 200, observations.text


def test_a_scope_the_client_is_not_registered_for_is_refused(system: dict[str, Any]) -> None:
    app = _app(system, "openid user/*.rs")
    callback = _browser(system["issuer"], app.authorize_url, system["redirect"])
    assert parse_qs(urlsplit(callback).query)["error"] == ["invalid_scope"]
    with pytest.raises(Exception, match="not registered for the scope user/"):
        app.handle_callback(callback)


def test_the_same_apps_token_for_another_audience_does_not_open_the_fhir_api(system: dict[str, Any]) -> None:
    """RFC 8707 + RFC 9068 §4: the app may ask for a notifier token; egisz_api refuses it (401)."""
    app = _app(system, "openid patient/*.rs")
    url = app.authorize_url.replace("aud=", "resource=notifier&x-aud=")  # no aud: the resource decides
    callback = _browser(system["issuer"], url, system["redirect"])
    code = parse_qs(urlsplit(callback).query)["code"][0]
    auth = app.server.auth
    token = httpx.post(
        f"{system['issuer']}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": system["redirect"],
            "client_id": APP_ID,
            "code_verifier": auth.code_verifier,
        },
    ).json()
    assert jwt.get_unverified_claims(token["access_token"])["aud"] == "notifier"
    response = httpx.get(
        f"{system['fhir']}/Patient/{OWN_PATIENT}",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]


def test_the_idps_lookup_is_in_the_patients_access_log(system: dict[str, Any]) -> None:
    """«Кто смотрел мою карту»: the idp's Patient lookup is an audited FHIR search with the idp as
    the client, which the person's own app (patient/*.rs covers AuditEvent) can read."""
    app = _launch(system, "openid patient/*.rs")
    headers = {"Authorization": f"Bearer {app.server.auth.access_token}"}
    client = {"system": "urn:egisz:client", "value": "idp"}
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60  # a bounded poll: the trail is written behind the journal
    while not found and time.monotonic() < deadline:
        response = httpx.get(
            f"{system['egisz'].base_url}/api/v1/audit-events",
            params={"patient": OWN_PATIENT, "_count": "100"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        events = [e["resource"] for e in response.json().get("entry", [])]
        found = [e for e in events if any(a.get("who", {}).get("identifier") == client for a in e["agent"])]
        if not found:
            time.sleep(0.5)
    assert found, "the idp's lookup is not in the patient's access log"
    assert SNILS.replace("-", "").replace(" ", "") not in system["egisz"].logs()  # the value searched for


def test_a_patient_who_withdrew_consent_launches_their_own_app_but_a_system_stays_refused(
    system: dict[str, Any],
) -> None:
    """EGISZ.md §5 row 32: a withdrawn consent never blocks the patient from their own data. The
    idp finds the person's Patient with the person's own lookup token (idp.smart.client), so the
    launch works and the app reads the person's record; a ``system/`` token reading the same record
    is refused 403 ``consent_revoked`` (EGISZ.md §2.3), the very same minute."""
    app = _launch(system, "openid fhirUser launch/patient patient/*.rs", login=WITHDRAWN_LOGIN)
    assert app.patient_id == WITHDRAWN_PATIENT
    patient = app.patient
    assert patient is not None and patient.id == WITHDRAWN_PATIENT and patient.name[0].family == "Смирнов"
    search = Observation.where(struct={"patient": WITHDRAWN_PATIENT})
    assert list(search.perform_resources_iter(app.server))
    token = httpx.post(
        f"{system['issuer']}/token",
        data={"grant_type": "client_credentials", "scope": "system/*.rs"},
        auth=(SYSTEM_ID, SYSTEM_SECRET),
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    refused = httpx.get(f"{system['fhir']}/Patient/{WITHDRAWN_PATIENT}", headers=headers)
    assert refused.status_code == 403, refused.text
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert "consent_revoked" in refused.text or "отозвал согласие" in refused.text
    by_snils = httpx.get(
        f"{system['fhir']}/Patient",
        params={"identifier": "urn:oid:1.2.643.2.69.1.1.1.6.223|45678901238"},
        headers=headers,
    )
    assert by_snils.status_code == 200 and by_snils.json().get("entry", []) == []
    # the patient's own launch is unaffected for someone who never withdrew
    assert httpx.get(f"{system['fhir']}/Patient/{OWN_PATIENT}", headers=headers).status_code == 200
