"""The COVID-19 vaccination certificate (issue 14 item 4): issued with the right doses, signed so
that anyone verifies it with the published JWKS, shown on a public page with only the minimal data,
refused when tampered with, revoked when its Immunization is entered-in-error."""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import segno
from fastapi import FastAPI
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import ECKey, KeySet
from pypdf import PdfReader

from tests.egisz_api.covid.conftest import Covid, patient_headers
from tests.egisz_api.fhir.conftest import Issuer

FHIR_JSON = "application/fhir+json"


async def _document(client: httpx.AsyncClient, issuer: Issuer, pid: str) -> dict[str, Any]:
    response = await client.get(
        f"/fhir/Patient/{pid}/$covid-certificate", headers=patient_headers(issuer, pid)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    data: dict[str, Any] = response.json()
    return data


def _token(document: dict[str, Any]) -> str:
    jose = next(
        c["attachment"] for c in document["content"] if c["attachment"]["contentType"] == "application/jose"
    )
    return base64.b64decode(jose["data"]).decode()


def _qr_url(document: dict[str, Any]) -> str:
    url: str = next(c["attachment"]["url"] for c in document["content"] if "url" in c["attachment"])
    return url


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def test_the_certificate_lists_the_completed_covid_doses_only(
    client: httpx.AsyncClient, issuer: Issuer, covid: Covid
) -> None:
    document = await _document(client, issuer, covid.ivanov)
    number = document["masterIdentifier"]["value"]
    assert re.fullmatch(r"9\d{15}", number)
    assert document["subject"] == {"reference": f"Patient/{covid.ivanov}"}
    payload = json.loads(jws.extract_compact(_token(document).encode()).payload)
    assert payload["num"] == number
    assert payload["nam"] == "И*** И*** И***" and payload["dob"] == "1985-04-12"
    assert payload["doses"] == [
        {"vac": "Гам-КОВИД-Вак (Спутник V)", "dt": "2026-03-01", "n": 1},
        {"vac": "Гам-КОВИД-Вак (Спутник V)", "dt": "2026-03-22", "n": 2},
    ]  # the flu shot is not a COVID-19 dose
    related = {r["reference"].rsplit("/", 1)[1] for r in document["context"]["related"]}
    assert related == set(covid.doses)
    # asked again with the same doses: the same certificate
    assert (await _document(client, issuer, covid.ivanov))["masterIdentifier"]["value"] == number


async def test_the_payload_verifies_offline_with_the_published_jwks(
    client: httpx.AsyncClient, issuer: Issuer, covid: Covid
) -> None:
    token = _token(await _document(client, issuer, covid.ivanov))
    jwks = (await client.get("/.well-known/covid-cert-jwks.json")).json()
    keys = KeySet.import_key_set(jwks)
    assert all("d" not in k for k in jwks["keys"])  # only the public half is published
    verified = jws.deserialize_compact(token, keys, algorithms=["ES256"])
    assert verified.headers()["alg"] == "ES256" and verified.headers()["kid"] == jwks["keys"][0]["kid"]
    assert json.loads(verified.payload)["num"]
    other = ECKey.generate_key("P-256")
    try:
        jws.deserialize_compact(token, other, algorithms=["ES256"])
    except BadSignatureError:
        pass
    else:
        raise AssertionError("a foreign key verified the certificate")


async def test_the_qr_url_opens_a_valid_page_with_only_the_minimal_data(
    client: httpx.AsyncClient, issuer: Issuer, covid: Covid
) -> None:
    document = await _document(client, issuer, covid.ivanov)
    number = document["masterIdentifier"]["value"]
    client.cookies.clear()  # no login: the page is public
    for url in (_qr_url(document), f"/covid-cert/verify/{number}"):
        page = await client.get(_path(url))
        assert page.status_code == 200
        text = page.text
        assert "Сертификат действителен" in text
        assert "И*** И*** И***" in text and "12.04.1985" in text
        assert "01.03.2026" in text and "22.03.2026" in text
        for secret in ("Иванов", "Иванович", "112-233-445 95", "11223344595", "7700000000000001", "ivanov@"):
            assert secret not in text, secret
        assert covid.ivanov not in text  # not even the record's id


async def test_the_verification_page_speaks_english(
    client: httpx.AsyncClient, issuer: Issuer, covid: Covid
) -> None:
    number = (await _document(client, issuer, covid.ivanov))["masterIdentifier"]["value"]
    page = await client.get(f"/covid-cert/verify/{number}?lang=en")
    assert page.status_code == 200 and "The certificate is valid" in page.text and 'lang="en"' in page.text


def _tampered(token: str) -> list[str]:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["doses"].append({"vac": "КовиВак", "dt": "2026-04-01", "n": 3})
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    flipped = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    return [
        f"{header}.{forged}.{signature}",  # changed payload, old signature
        f"{header}.{payload}.{flipped}",  # damaged signature
        f"{header}.{payload}.",  # no signature
        "eyJhbGciOiJub25lIn0." + payload + ".",  # alg none
        "not-a-jws",
        "a.b.c",
        "%%%",
    ]


async def test_a_tampered_or_foreign_payload_shows_an_invalid_page_never_an_error(
    client: httpx.AsyncClient, issuer: Issuer, covid: Covid
) -> None:
    document = await _document(client, issuer, covid.ivanov)
    number, token = document["masterIdentifier"]["value"], _token(document)
    foreign_key = ECKey.generate_key("P-256")
    signed_elsewhere = jws.serialize_compact(
        {"alg": "ES256"}, jws.extract_compact(token.encode()).payload, foreign_key, algorithms=["ES256"]
    )
    for bad in [*_tampered(token), signed_elsewhere]:
        for url in (f"/covid-cert/verify/{number}", "/covid-cert/verify"):
            page = await client.get(url, params={"t": bad})
            assert page.status_code == 200, bad
            assert "Сертификат недействителен" in page.text and "И*** И*** И***" not in page.text, bad
    # a genuine payload under another number's address, and numbers nobody was given
    other = "9" + ("0" if number[1] != "0" else "1") + number[2:]
    for url, params in (
        (f"/covid-cert/verify/{other}", {"t": token}),
        (f"/covid-cert/verify/{other}", {}),
        ("/covid-cert/verify/12345", {}),
        ("/covid-cert/verify/" + "9" * 400, {}),
        ("/covid-cert/verify", {}),
    ):
        page = await client.get(url, params=params)
        assert page.status_code == 200 and "Сертификат недействителен" in page.text, url


async def test_entered_in_error_over_fhir_revokes_the_certificate(
    client: httpx.AsyncClient, covid_app: FastAPI, issuer: Issuer, covid: Covid
) -> None:
    from egisz_api.covid import repository

    document = await _document(client, issuer, covid.ivanov)
    number, qr = document["masterIdentifier"]["value"], _qr_url(document)
    writer = issuer.headers(scope="system/Immunization.cru", roles=["mis"])
    dose = (await client.get(f"/fhir/Immunization/{covid.doses[1]}", headers=writer)).json()
    dose["status"] = "entered-in-error"
    put = await client.put(
        f"/fhir/Immunization/{covid.doses[1]}", json=dose, headers={**writer, "Content-Type": FHIR_JSON}
    )
    assert put.status_code == 200, put.text
    with covid_app.state.session_factory() as session:
        row = repository.by_number(session, number)
        assert row is not None and row.status == "revoked" and row.ended_at is not None  # by the listener
    for url in (_path(qr), f"/covid-cert/verify/{number}"):
        page = await client.get(url)
        assert page.status_code == 200 and "Сертификат отозван" in page.text
        assert "Сертификат действителен" not in page.text and "И*** И*** И***" not in page.text
    # the patient's next certificate lists only the dose that still counts, under a new number
    renewed = await _document(client, issuer, covid.ivanov)
    assert renewed["masterIdentifier"]["value"] != number
    assert [r["reference"].rsplit("/", 1)[1] for r in renewed["context"]["related"]] == [covid.doses[0]]


async def test_a_change_that_bypassed_the_listener_is_caught_at_verification(
    client: httpx.AsyncClient, covid_app: FastAPI, issuer: Issuer, covid: Covid
) -> None:
    from egisz_api.covid import repository
    from egisz_api.records import service as records

    number = (await _document(client, issuer, covid.ivanov))["masterIdentifier"]["value"]
    with covid_app.state.session_factory() as session:
        dose = json.loads(records.read(session, "Immunization", covid.doses[0]).content)
        dose["status"] = "entered-in-error"
        records.update(
            session, "Immunization", covid.doses[0], dose, clock=covid_app.state.clock, if_match=None
        )
        session.commit()
        row = repository.by_number(session, number)
        assert row is not None and row.status == "valid"  # nobody told the covid feature
    page = await client.get(f"/covid-cert/verify/{number}")
    assert page.status_code == 200 and "Сертификат отозван" in page.text


async def test_issuing_queues_one_notice_per_certificate(
    client: httpx.AsyncClient, covid_app: FastAPI, issuer: Issuer, covid: Covid
) -> None:
    from egisz_api.notifications import service as notifications

    await _document(client, issuer, covid.ivanov)
    await _document(client, issuer, covid.ivanov)
    with covid_app.state.session_factory() as session:
        sent = [
            n for n in notifications.recent_notices(session, covid.ivanov) if n.event == "certificate_issued"
        ]
    assert [(n.channel, n.status) for n in sent] == [("email", "pending")]


# --- the FHIR operation's callers (EGISZ.md §5 row 25) -----------------------------------------------


async def test_only_the_patient_or_an_integrator_gets_the_certificate(
    client: httpx.AsyncClient, issuer: Issuer, covid: Covid
) -> None:
    url = f"/fhir/Patient/{covid.ivanov}/$covid-certificate"
    other_patient = await client.get(url, headers=patient_headers(issuer, covid.petrova))
    assert other_patient.status_code == 404 and other_patient.json()["resourceType"] == "OperationOutcome"
    doctor = await client.get(
        url, headers=issuer.headers(scope="user/DocumentReference.cr", roles=["practitioner"])
    )
    assert doctor.status_code == 403 and doctor.json()["resourceType"] == "OperationOutcome"
    no_scope = await client.get(url, headers=issuer.headers(scope="system/Observation.rs", roles=["mis"]))
    assert no_scope.status_code == 403
    anonymous = await client.get(url)
    assert anonymous.status_code == 401
    mis = await client.get(url, headers=issuer.headers(scope="system/DocumentReference.c", roles=["mis"]))
    assert mis.status_code == 200 and mis.json()["resourceType"] == "DocumentReference"


async def test_no_completed_vaccination_is_a_404_outcome(
    client: httpx.AsyncClient, issuer: Issuer, covid: Covid
) -> None:
    response = await client.get(
        f"/fhir/Patient/{covid.petrova}/$covid-certificate", headers=patient_headers(issuer, covid.petrova)
    )
    assert response.status_code == 404
    assert response.json()["issue"][0]["diagnostics"]


# --- the cabinet ------------------------------------------------------------------------------------


async def test_the_cabinet_section_shows_the_certificate_qr_and_links(ivanov: httpx.AsyncClient) -> None:
    page = await ivanov.get("/cabinet/covid")
    assert page.status_code == 200
    assert "Сертификат вакцинации" in page.text and "И*** И*** И***" in page.text
    assert "<svg" in page.text and "/cabinet/covid/certificate.pdf" in page.text
    assert re.search(r'href="http://testserver/covid-cert/verify/9\d{15}"', page.text)


async def test_the_pdf_holds_the_number_the_doses_and_the_qr_image(ivanov: httpx.AsyncClient) -> None:
    page = await ivanov.get("/cabinet/covid")
    number = re.search(r"9\d{3} \d{4} \d{4} \d{4}", page.text)
    assert number is not None
    response = await ivanov.get("/cabinet/covid/certificate.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert number.group(0) in text and "И*** И*** И***" in text
    assert "01.03.2026" in text and "Гам-КОВИД-Вак (Спутник V)" in text
    assert "Иванов" not in text and "112-233-445 95" not in text
    assert len(reader.pages[0].images) == 1  # the QR code


def test_the_qr_code_encodes_exactly_the_url_it_is_given() -> None:
    """segno cannot read a QR code back; what we can check honestly is that the code we embed is the
    one segno builds for that URL, and that another URL gives another code."""
    from egisz_api.covid.pdf import qr_code

    url = "http://testserver/covid-cert/verify/9123456789012345?t=eyJhbGciOiJFUzI1NiJ9.e30.sig"
    assert qr_code(url).matrix == segno.make_qr(url, error="m").matrix
    assert qr_code(url).matrix != qr_code(url + "x").matrix
    assert qr_code(url).mode == "byte"


async def test_the_qr_holds_the_verification_url_with_the_signed_payload(
    client: httpx.AsyncClient, issuer: Issuer, covid: Covid
) -> None:
    document = await _document(client, issuer, covid.ivanov)
    url = _qr_url(document)
    number = document["masterIdentifier"]["value"]
    parts = urlsplit(url)
    assert parts.path == f"/covid-cert/verify/{number}"
    (token,) = parse_qs(parts.query)["t"]
    assert (
        jws.extract_compact(token.encode()).payload == jws.extract_compact(_token(document).encode()).payload
    )
