"""The certificate over its life: a later dose replaces it (the old one still checks valid), a
patient without a completed dose sees why there is none, and a service without its signing key
outside dev mode refuses with 503 instead of inventing a key."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from fastapi import FastAPI

from tests.conftest import running
from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.covid.conftest import Covid, write


def _number(page: str) -> str:
    found = re.search(r"(9\d{3}) (\d{4}) (\d{4}) (\d{4})", page)
    assert found is not None
    return "".join(found.groups())


async def test_a_later_dose_replaces_the_certificate_and_the_old_one_stays_true(
    ivanov: httpx.AsyncClient, covid_app: FastAPI, covid: Covid
) -> None:
    from egisz_api.covid import codes, repository

    first = _number((await ivanov.get("/cabinet/covid")).text)
    write(covid_app, codes.immunization(covid.ivanov, "sputnik-light", "2026-09-20", 3, "SL-0926"))
    page = (await ivanov.get("/cabinet/covid")).text
    second = _number(page)
    assert second != first and "Спутник Лайт" in page
    with covid_app.state.session_factory() as session:
        old, new = repository.by_number(session, first), repository.by_number(session, second)
        assert old is not None and old.status == "replaced" and new is not None and new.status == "valid"
    for number, dates in ((first, ("01.03.2026", "22.03.2026")), (second, ("20.09.2026",))):
        check = await ivanov.get(f"/covid-cert/verify/{number}")
        assert "Сертификат действителен" in check.text
        assert all(d in check.text for d in dates)
    assert "20.09.2026" not in (await ivanov.get(f"/covid-cert/verify/{first}")).text


async def test_a_patient_without_a_completed_dose_is_told_so(
    client: httpx.AsyncClient, covid_app: FastAPI, covid: Covid
) -> None:
    log_in(client, covid_app, patient_id=covid.petrova, snils="123-456-789 64", name="Петрова Анна")
    page = await client.get("/cabinet/covid")
    assert page.status_code == 200 and "Сертификата пока нет" in page.text and "<svg" not in page.text
    assert (await client.get("/cabinet/covid/certificate.pdf")).status_code == 404


async def test_the_english_pdf(ivanov: httpx.AsyncClient) -> None:
    response = await ivanov.get("/cabinet/covid/certificate.pdf?lang=en")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


async def test_without_a_key_outside_dev_mode_the_certificate_is_unavailable_not_invented(
    covid_app: FastAPI, covid: Covid, tmp_path: Path
) -> None:
    from egisz_api.covid.signing import SignerHolder

    missing = tmp_path / "no-such-key.pem"
    covid_app.state.covid_signer = SignerHolder(missing, dev_mode=False)
    async with running(covid_app) as client:
        jwks = await client.get("/.well-known/covid-cert-jwks.json")
        assert jwks.status_code == 503 and jwks.json()["code"] == "certificate_key_missing"
        page = await client.get("/covid-cert/verify/9123456789012345")
        assert page.status_code == 503
    assert not missing.exists()
