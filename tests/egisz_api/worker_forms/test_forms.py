"""The worker forms (docs/worker-forms.md): each form writes its resource through the FHIR API's
create with a Provenance naming the practitioner, the organisation and the signature; a code outside
the value set, another organisation's patient and a withdrawn consent are refused with a page, never
a 500 and never a write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from egisz_api.seed import WITHDRAWN_CONSENT
from tests.conftest import running
from tests.egisz_api.timeline.conftest import IVANOV
from tests.egisz_api.worker_forms.support import (
    MOSCOW,
    NOW,
    THUMBPRINT,
    Clock,
    as_worker,
    provenance_of,
    resources,
    text_of,
)

SIDOROV = "demo-sidorov"  # attached to the St Petersburg organisation
MED = "urn:egisz:cs:medication"
SERVICES = "urn:oid:1.2.643.5.1.13.13.11.1070"
LOINC = "http://loinc.org"
VACCINE = "urn:egisz:cs:vaccine"
DATE = {"date-day": f"{NOW.day:02d}", "date-month": f"{NOW.month:02d}", "date-year": str(NOW.year)}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(seeded_db: str, tmp_path: Path, clock: Clock) -> FastAPI:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    settings = EgiszSettings(
        database_url=seeded_db, dev_mode=True, audit_journal_fsync=False, audit_journal_dir=tmp_path / "j"
    )
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        c.headers.update({"Accept": "text/html"})
        yield c


#: one valid submission per form: (form, fields, the resource types written, a check of the resource)
VALID: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
    ("prescription", {"code": f"{MED}|amlodipine-5-tab", "dosage": "По 1 таблетке утром"},
     ("MedicationRequest",)),
    ("referral", {"code": f"{SERVICES}|B01.015.001", "note": "АД"}, ("ServiceRequest",)),
    ("lab-order", {"code": f"{SERVICES}|A09.05.023"}, ("ServiceRequest",)),
    ("lab-result", {"code": f"{LOINC}|2345-7", "value": "5,4", "unit": "ммоль/л"},
     ("Observation", "DiagnosticReport")),
    ("vaccination", {"code": f"{VACCINE}|sovigripp", "dose": "1", "lot": "FL-1"}, ("Immunization",)),
    ("visit", {"code": "http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB"}, ("Encounter",)),
    ("diagnosis", {"code": "urn:oid:1.2.643.2.69.1.1.1.2|I10"}, ("Condition",)),
]  # fmt: skip


async def _post(
    client: httpx.AsyncClient, csrf: str, form: str, patient: str, **fields: str
) -> httpx.Response:
    data = {"csrf_token": csrf, **DATE, **fields}
    return await client.post(f"/cabinet/patients/{patient}/forms/{form}", data=data)


@pytest.mark.parametrize(("form", "fields", "types"), VALID, ids=[v[0] for v in VALID])
async def test_each_form_writes_its_resource_with_a_signed_provenance(
    client: httpx.AsyncClient, app: FastAPI, form: str, fields: dict[str, str], types: tuple[str, ...]
) -> None:
    _, person = as_worker(client, app)
    before = {t: {r["id"] for r in resources(app, t, IVANOV)} for t in types}
    page = await client.get(f"/cabinet/patients/{IVANOV}/forms/{form}")
    assert page.status_code == 200 and "<script" not in page.text
    response = await _post(client, person.csrf_token, form, IVANOV, **fields)
    assert response.status_code == 303, text_of(response.text)[:2000]
    location = response.headers["location"]
    assert location.startswith(f"/cabinet/patients/{IVANOV}/records/{types[-1]}/")
    for resource_type in types:
        new = [r for r in resources(app, resource_type, IVANOV) if r["id"] not in before[resource_type]]
        assert len(new) == 1, resource_type
        provenance = provenance_of(app, resource_type, new[0]["id"])
        agent = provenance["agent"][0]
        assert agent["who"]["display"] == "Врачёва Елена Петровна"
        assert agent["onBehalfOf"]["reference"] == f"Organization/{MOSCOW.oid}"
        extensions = {e["url"]: e for e in provenance["signature"][0]["extension"]}
        assert extensions["urn:egisz:fhir:signature-kind"]["valueCode"] == "qes"
        assert extensions["urn:egisz:fhir:signature-certificate-sha256"]["valueString"] == THUMBPRINT
    shown = await client.get(location)
    assert shown.status_code == 200


async def test_the_prescription_carries_what_was_entered(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, person = as_worker(client, app)
    response = await _post(client, person.csrf_token, "prescription", IVANOV, **VALID[0][1])
    resource_id = response.headers["location"].rsplit("/", 1)[-1]
    written = next(r for r in resources(app, "MedicationRequest", IVANOV) if r["id"] == resource_id)
    assert written["medicationCodeableConcept"]["coding"][0]["code"] == "amlodipine-5-tab"
    assert written["dosageInstruction"] == [{"text": "По 1 таблетке утром"}]
    assert written["authoredOn"] == NOW.date().isoformat()


async def test_a_lab_order_is_a_laboratory_service_request(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, person = as_worker(client, app)
    response = await _post(client, person.csrf_token, "lab-order", IVANOV, **VALID[2][1])
    resource_id = response.headers["location"].rsplit("/", 1)[-1]
    written = next(r for r in resources(app, "ServiceRequest", IVANOV) if r["id"] == resource_id)
    assert written["category"][0]["text"] == "laboratory"


@pytest.mark.parametrize(("form", "fields", "types"), VALID, ids=[v[0] for v in VALID])
async def test_a_code_outside_the_value_set_is_a_field_error_and_the_data_is_kept(
    client: httpx.AsyncClient, app: FastAPI, form: str, fields: dict[str, str], types: tuple[str, ...]
) -> None:
    _, person = as_worker(client, app)
    before = len(resources(app, types[0], IVANOV))
    system = fields["code"].split("|", 1)[0]
    forged = {**fields, "code": f"{system}|NOT-A-CODE"}
    response = await _post(client, person.csrf_token, form, IVANOV, **forged)
    assert response.status_code == 400
    text = text_of(response.text)
    assert "Такого кода нет в справочнике" in text
    assert 'aria-invalid="true"' in response.text and 'href="#code"' in response.text
    for name, value in fields.items():
        if name != "code":
            assert f'value="{value}"' in response.text  # what was typed comes back
    assert len(resources(app, types[0], IVANOV)) == before


async def test_an_icd10_code_from_another_value_set_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, person = as_worker(client, app)
    # a real medication code posted as a diagnosis: not in the diagnoses value set
    response = await _post(client, person.csrf_token, "diagnosis", IVANOV, code=f"{MED}|amlodipine-5-tab")
    assert response.status_code == 400 and "Такого кода нет в справочнике" in text_of(response.text)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "", "dosage": "x"}, "code", "Выберите значение из списка"),
        ({"code": f"{MED}|amlodipine-5-tab", "dosage": ""}, "dosage", "Заполните это поле"),
        ({"code": f"{MED}|amlodipine-5-tab", "dosage": "x", "date-day": "31", "date-month": "02"},
         "date-day", "Дата должна быть настоящей датой"),
        ({"code": f"{MED}|amlodipine-5-tab", "dosage": "x", "date-year": str(NOW.year + 1)},
         "date-day", "не позже сегодняшней"),
    ],
    ids=["no-medication", "no-dosage", "31-february", "future"],
)  # fmt: skip
async def test_missing_or_impossible_fields_are_field_errors(
    client: httpx.AsyncClient, app: FastAPI, fields: dict[str, str], field: str, message: str
) -> None:
    _, person = as_worker(client, app)
    response = await _post(client, person.csrf_token, "prescription", IVANOV, **fields)
    assert response.status_code == 400
    assert f'href="#{field}"' in response.text and message in text_of(response.text)


@pytest.mark.parametrize(
    ("form", "fields", "message"),
    [
        ("lab-result", {"code": f"{LOINC}|2345-7", "value": "много", "unit": "ммоль/л"}, "Введите число"),
        ("lab-result", {"code": f"{LOINC}|2345-7", "value": "1e999", "unit": "ммоль/л"}, "Введите число"),
        ("vaccination", {"code": f"{VACCINE}|sovigripp", "dose": "0", "lot": "L"}, "от 1 до 10"),
        ("vaccination", {"code": f"{VACCINE}|sovigripp", "dose": "1.5", "lot": "L"}, "от 1 до 10"),
    ],
    ids=["words", "overflow", "dose-0", "dose-fraction"],
)  # fmt: skip
async def test_numbers_are_checked(
    client: httpx.AsyncClient, app: FastAPI, form: str, fields: dict[str, str], message: str
) -> None:
    _, person = as_worker(client, app)
    response = await _post(client, person.csrf_token, form, IVANOV, **fields)
    assert response.status_code == 400 and message in text_of(response.text)


@pytest.mark.parametrize(("form", "fields", "types"), VALID, ids=[v[0] for v in VALID])
async def test_another_organisations_patient_is_not_found_and_nothing_is_written(
    client: httpx.AsyncClient, app: FastAPI, form: str, fields: dict[str, str], types: tuple[str, ...]
) -> None:
    _, person = as_worker(client, app)  # a Moscow worker; Сидоров is attached to St Petersburg
    before = len(resources(app, types[0], SIDOROV))
    assert (await client.get(f"/cabinet/patients/{SIDOROV}/forms/{form}")).status_code == 404
    response = await _post(client, person.csrf_token, form, SIDOROV, **fields)
    assert response.status_code == 404 and "Пациент не найден" in text_of(response.text)
    assert len(resources(app, types[0], SIDOROV)) == before


async def test_a_patient_who_withdrew_consent_gets_no_record_written(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, person = as_worker(client, app)
    before = len(resources(app, "MedicationRequest", WITHDRAWN_CONSENT))
    response = await _post(client, person.csrf_token, "prescription", WITHDRAWN_CONSENT, **VALID[0][1])
    assert response.status_code == 403 and "Доступ к карте закрыт" in text_of(response.text)
    assert len(resources(app, "MedicationRequest", WITHDRAWN_CONSENT)) == before


async def test_a_nurse_may_not_write_a_prescription_the_fhir_role_rule_says_so(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    from dataclasses import replace

    _, person = as_worker(client, app, replace(MOSCOW, role="nurse"))
    before = len(resources(app, "MedicationRequest", IVANOV))
    response = await _post(client, person.csrf_token, "prescription", IVANOV, **VALID[0][1])
    assert response.status_code == 403 and "не позволяет вносить такие записи" in text_of(response.text)
    assert 'value="По 1 таблетке утром"' in response.text
    assert len(resources(app, "MedicationRequest", IVANOV)) == before


async def test_without_the_csrf_token_nothing_is_written(client: httpx.AsyncClient, app: FastAPI) -> None:
    as_worker(client, app)
    before = len(resources(app, "MedicationRequest", IVANOV))
    response = await _post(client, "", "prescription", IVANOV, **VALID[0][1])
    assert response.status_code == 403
    assert len(resources(app, "MedicationRequest", IVANOV)) == before


async def test_an_unknown_form_is_a_page(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, person = as_worker(client, app)
    assert (await client.get(f"/cabinet/patients/{IVANOV}/forms/surgery")).status_code == 404
    assert (await _post(client, person.csrf_token, "surgery", IVANOV, code="x")).status_code == 404


async def test_the_form_pages_are_in_english_too(client: httpx.AsyncClient, app: FastAPI) -> None:
    as_worker(client, app)
    page = await client.get(f"/cabinet/patients/{IVANOV}/forms/prescription?lang=en")
    assert page.status_code == 200 and "Prescription" in page.text and "Medication" in page.text
