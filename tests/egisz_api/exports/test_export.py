"""«Выгрузка» (R-EGZ-5; seed 001 §4.1): a patient downloads all their records as a FHIR Bundle and
as a readable PDF with Cyrillic fonts embedded; nothing of another patient; each download audited."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fhir.resources.R4B import get_fhir_model_class
from pypdf import PdfReader

from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.exports.conftest import Records, write
from tests.egisz_api.fhir import resources as res


def _pdf(body: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def _fonts(reader: PdfReader) -> list[dict[str, Any]]:
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            found.append(
                {"name": str(font["/BaseFont"]), "descriptor": descendant["/FontDescriptor"].get_object()}
            )
    return found


async def test_the_export_page_offers_both_downloads(alice: httpx.AsyncClient) -> None:
    page = await alice.get("/cabinet/export")
    assert page.status_code == 200
    assert "/cabinet/export/record.pdf" in page.text and "/cabinet/export/record.json" in page.text


async def test_the_pdf_is_readable_russian_with_the_font_embedded(alice: httpx.AsyncClient) -> None:
    response = await alice.get("/cabinet/export/record.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    text, reader = _pdf(response.content)
    for expected in (
        "Выписка из медицинской карты",
        "Иванов Иван",
        "Дата рождения: 12.04.1985",
        "СНИЛС: 112-233-445 95",
        "Визиты",
        "Результаты исследований",
        "Гемоглобин",
        "норма 120–160 g/L",
        "Лейкоциты",
        "выше нормы",
        "Назначения",
        "Направления",
        "Записи на приём",
        "Прививки",
        "Документы",
        "05.03.2024",
        "Сформирована: 02.12.2026",
    ):
        assert expected in text, expected
    assert "Петрова" not in text
    fonts = _fonts(reader)
    assert fonts and all("DejaVuSans" in f["name"] for f in fonts)
    assert all("/FontFile2" in f["descriptor"] for f in fonts)  # TrueType embedded (as a subset)


async def test_the_pdf_is_english_on_the_english_page(alice: httpx.AsyncClient) -> None:
    text, _ = _pdf((await alice.get("/cabinet/export/record.pdf?lang=en")).content)
    assert "Extract from the medical record" in text and "Results" in text and "reference range" in text
    assert "Иванов Иван" in text  # the name as recorded


async def test_the_bundle_holds_every_record_of_the_patient_and_none_of_another(
    alice: httpx.AsyncClient, patients: Records
) -> None:
    response = await alice.get("/cabinet/export/record.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/fhir+json"
    )
    bundle = response.json()
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert bundle["type"] == "collection"
    found = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]}
    kinds = {"high": "Observation", "pd-consent": "Consent"}
    own = {(kinds.get(t, t), i) for t, i in patients.ids[patients.alice].items()}
    assert found == own
    assert not any(i in set(patients.ids[patients.bob].values()) for _, i in found)


async def test_a_large_record_is_paged_through(
    alice: httpx.AsyncClient, rights_app: FastAPI, patients: Records
) -> None:
    for n in range(450):  # more than two pages of the export's 200
        write(rights_app, res.observation(patients.alice, date=f"2025-01-01T10:{n % 60:02d}:00Z"))
    bundle = (await alice.get("/cabinet/export/record.json")).json()
    assert len(bundle["entry"]) == len(patients.ids[patients.alice]) + 450
    assert len({e["resource"]["id"] for e in bundle["entry"]}) == len(bundle["entry"])
    text, _ = _pdf((await alice.get("/cabinet/export/record.pdf")).content)
    assert text.count("Гемоглобин") >= 451


async def test_each_download_is_in_the_patients_access_log(
    alice: httpx.AsyncClient, rights_app: FastAPI, patients: Records
) -> None:
    from egisz_api.audit import service as audit

    await alice.get("/cabinet/export/record.json")
    await alice.get("/cabinet/export/record.pdf")
    rights_app.state.audit_sink.flush(5.0)
    with rights_app.state.session_factory() as session:
        events = audit.search(session, patient=patients.alice).resources()
    queries = {
        e["entity"][i].get("query")
        for e in events
        for i in range(len(e.get("entity", [])))
        if "query" in e["entity"][i]
    }
    assert len(events) == 2 and queries  # both downloads, by the patient (PATRQT)
    assert all(
        e["agent"][0]["purposeOfUse"][0]["coding"][0]["code"] == "PATRQT"
        for e in events
        if "purposeOfUse" in e["agent"][0]
    )


async def test_without_a_record_there_is_nothing_to_download(
    client: httpx.AsyncClient, rights_app: FastAPI
) -> None:
    log_in(client, rights_app, patient_id=None, snils="999-999-999 99")
    assert "нечего" in (await client.get("/cabinet/export")).text
    for path in ("/cabinet/export/record.json", "/cabinet/export/record.pdf"):
        assert (await client.get(path, headers={"Accept": "text/html"})).status_code == 404


@pytest.mark.parametrize(
    "path", ["/cabinet/export", "/cabinet/export/record.json", "/cabinet/export/record.pdf"]
)
async def test_no_download_without_a_session(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 303 and response.headers["location"].startswith("/cabinet/login")


def test_a_missing_font_is_a_clear_error(tmp_path: Any) -> None:
    from egisz_api.exports.errors import FontMissingError
    from egisz_api.exports.pdf import PdfExtract

    with pytest.raises(FontMissingError, match="fonts-dejavu-core"):
        PdfExtract(tmp_path, "ru")
    assert json.dumps  # keeps the import list honest when cases change
