"""An EGISZ app that both the cabinet and FHIR tokens reach: Иванов with a PCR and an antibody test,
a full Спутник V course and a flu shot; Петрова with no vaccination. Records are written through
the records service (like the export tests); the certificate key lives in the test's tmp dir."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import running
from tests.egisz_api.cabinet.conftest import MovableClock, cabinet_settings, clock  # noqa: F401 (fixture)
from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.consent.support import give_consent
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import Issuer, issuer  # noqa: F401  (the token issuer fixture)

SNILS = "112-233-445 95"


@dataclass
class Covid:
    ivanov: str
    petrova: str
    doses: list[str]
    flu: str


def write(app: FastAPI, resource: dict[str, Any]) -> str:
    from egisz_api.records import service as records

    with app.state.session_factory() as session:
        stored = records.create(session, resource["resourceType"], resource, clock=app.state.clock)
        session.commit()
        return stored.resource_id


@pytest.fixture
def covid_app(
    make_db: Callable[..., str],
    clock: MovableClock,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
    issuer: Issuer,  # noqa: F811  (the fixture imported above)
) -> FastAPI:
    from egisz_api.main import create_app

    settings = cabinet_settings(
        make_db("egisz_api"),
        audit_journal_dir=tmp_path / "journal",
        notifications_enabled=False,
        covid_cert_key=tmp_path / "covid-cert-key.pem",
        # the tests write doses as a system without a signed X-Provenance (signing is tested in
        # tests/egisz_api/signed); the certificate rules are what is under test here
        signed_writes_required=False,
        idp_issuer=issuer.url,
        idp_jwks_url=f"{issuer.url}/jwks",
    )
    return create_app(settings, clock=clock)


@pytest.fixture
def covid(covid_app: FastAPI) -> Covid:
    from egisz_api.covid import codes

    ivanov = res.patient(SNILS, "Иванов", oms="7700000000000001")
    ivanov["name"][0]["given"] = ["Иван", "Иванович"]
    ivanov["telecom"] = [{"system": "email", "value": "ivanov@example.test"}]
    pid = write(covid_app, ivanov)
    other = write(covid_app, res.patient("123-456-789 64", "Петрова", given="Анна"))
    write(covid_app, codes.lab_result(pid, "pcr", "positive", "2026-01-10T09:00:00+03:00"))
    write(covid_app, codes.lab_result(pid, "antibody", "negative", "2026-01-03T09:00:00+03:00"))
    doses = [
        write(covid_app, codes.immunization(pid, "sputnik-v", "2026-03-01", 1, "II-210126")),
        write(covid_app, codes.immunization(pid, "sputnik-v", "2026-03-22", 2, "II-210311")),
    ]
    flu = write(
        covid_app,
        res.immunization(pid)
        | {
            "vaccineCode": {
                "coding": [{"system": "urn:egisz:cs:vaccine", "code": "sovigripp"}],
                "text": "Совигрипп",
            },
            "protocolApplied": [],
        },
    )
    for patient in (pid, other):
        give_consent(covid_app, patient)
    return Covid(pid, other, doses, flu)


@pytest.fixture
async def client(covid_app: FastAPI, covid: Covid) -> AsyncIterator[httpx.AsyncClient]:
    async with running(covid_app) as c:
        yield c


@pytest.fixture
def ivanov(client: httpx.AsyncClient, covid_app: FastAPI, covid: Covid) -> httpx.AsyncClient:
    log_in(client, covid_app, patient_id=covid.ivanov, snils=SNILS, name="Иванов Иван Иванович")
    return client


def patient_headers(tokens: Issuer, pid: str) -> dict[str, str]:
    return tokens.headers(
        scope="patient/DocumentReference.r patient/Patient.r", roles=["patient"], patient=pid
    )
