"""Medical workers in the cabinet (docs/cabinet.md «Medical workers»): the organisation from the
idp's roles (one → that one; several → «Выберите организацию»), «Поиск пациента» by SNILS, ОМС
policy, or name and birth date — only patients of the worker's organisation, another
organisation's patient «не найден» like one that does not exist, a withdrawn consent shown with its
reason — and the patient's record, each view in the patient's «Кто смотрел мою карту» with the
organisation's name."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from egisz_api.cabinet import service
from egisz_api.cabinet.dependencies import COOKIE, session_policy
from egisz_api.cabinet.schemas import CabinetPerson, LoggedInPerson, Membership
from egisz_api.seed import MOSCOW_ORG, SPB_ORG, WITHDRAWN_CONSENT
from tests.conftest import running
from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.timeline.conftest import IVANOV, SEED_NOW

HTML = {"Accept": "text/html"}
NOW = SEED_NOW + dt.timedelta(hours=1)
MOSCOW = Membership(
    oid="2000001", ogrn=MOSCOW_ORG[0], name=MOSCOW_ORG[1], role="practitioner", position="Врач"
)
SPB = Membership(oid="2000002", ogrn=SPB_ORG[0], name=SPB_ORG[1], role="practitioner", position="Врач-хирург")
IVANOV_SNILS = "112-233-445 95"


@pytest.fixture
def app(seeded_db: str, tmp_path: Path) -> FastAPI:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    settings = EgiszSettings(
        database_url=seeded_db,
        dev_mode=True,
        audit_journal_fsync=False,
        audit_journal_dir=tmp_path / "journal",
    )
    return create_app(settings, clock=lambda: NOW)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        c.headers.update(HTML)
        yield c


def as_worker(client: httpx.AsyncClient, app: FastAPI, *orgs: Membership) -> CabinetPerson:
    """A session as the login makes it for a person whose /roles listed ``orgs``."""
    with app.state.session_factory() as db:
        token, person = service.open_session(
            db,
            LoggedInPerson(
                oid="3000001", idp_sid=None, snils=None, display_name="Врачёва Елена Петровна",
                level="standard", memberships=orgs,
            ),
            patient_id=None, now=NOW, policy=session_policy(app.state.settings),
        )  # fmt: skip
        db.commit()
    client.cookies.set(COOKIE, token)
    return person


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def _search(client: httpx.AsyncClient, person: CabinetPerson, **fields: str) -> httpx.Response:
    return await client.post("/cabinet/patients", data={"csrf_token": person.csrf_token, **fields})


async def test_a_worker_of_one_organisation_acts_for_it_at_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    as_worker(client, app, MOSCOW)
    page = await client.get("/cabinet/patients")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Поиск пациента" in text and MOSCOW.name in text
    assert "Сменить организацию" not in text  # nothing to switch to


async def test_a_worker_of_two_organisations_chooses_one_and_can_switch(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    person = as_worker(client, app, MOSCOW, SPB)
    first = await client.get("/cabinet/patients")
    assert first.status_code == 303 and first.headers["location"] == "/cabinet/organization"
    choice = await client.get("/cabinet/organization")
    assert choice.status_code == 200
    assert "Выберите организацию" in choice.text
    assert choice.text.count('type="radio"') == 2 and "<script" not in choice.text
    # an organisation that is not theirs is refused with the error above the radios
    forged = await client.post("/cabinet/organization", data={"csrf_token": person.csrf_token, "org": "999"})
    assert forged.status_code == 400 and "Выберите одну из своих организаций" in forged.text
    chosen = await client.post(
        "/cabinet/organization", data={"csrf_token": person.csrf_token, "org": SPB.oid}
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/cabinet/patients"
    page = await client.get("/cabinet/patients")
    assert page.status_code == 200 and SPB.name in _text(page.text)
    assert 'href="/cabinet/organization"' in page.text  # the switch link
    # the choice is in the server-side session: switch back to Moscow
    await client.post("/cabinet/organization", data={"csrf_token": person.csrf_token, "org": MOSCOW.oid})
    assert MOSCOW.name in _text((await client.get("/cabinet/patients")).text)


async def test_choosing_without_the_forms_csrf_token_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    as_worker(client, app, MOSCOW, SPB)
    response = await client.post("/cabinet/organization", data={"org": SPB.oid})
    assert response.status_code == 403


async def test_a_person_without_employment_is_a_patient_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    log_in(client, app, patient_id=IVANOV, snils=IVANOV_SNILS)
    page = await client.get("/cabinet/patients")
    assert page.status_code == 403 and "Раздел для медицинских работников" in page.text
    assert (await client.get(f"/cabinet/patients/{IVANOV}")).status_code == 403
    assert 'href="/cabinet/patients"' not in (await client.get("/cabinet/records")).text


async def test_search_by_snils_finds_the_organisations_patient_and_the_view_is_in_their_log(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    person = as_worker(client, app, MOSCOW)
    found = await _search(client, person, snils="11223344595")
    assert found.status_code == 200
    assert f'href="/cabinet/patients/{IVANOV}"' in found.text and "Иванов Иван" in found.text
    record = await client.get(f"/cabinet/patients/{IVANOV}")
    assert record.status_code == 200
    entries = re.findall(rf'href="(/cabinet/patients/{IVANOV}/records/[A-Za-z]+/[^"]+)"', record.text)
    assert entries
    entry = await client.get(entries[0])
    assert entry.status_code == 200 and f'href="/cabinet/patients/{IVANOV}"' in entry.text
    # the patient sees the worker with the organisation in «Кто смотрел мою карту»
    client.cookies.clear()
    log_in(client, app, patient_id=IVANOV, snils=IVANOV_SNILS)
    log = _text((await client.get("/cabinet/access-log")).text)
    assert f"Врачёва Елена Петровна, {MOSCOW.name}" in log


async def test_search_by_oms_policy_and_by_name_and_birth_date(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    person = as_worker(client, app, MOSCOW)
    by_policy = await _search(client, person, oms="7700000000000001")
    assert f'href="/cabinet/patients/{IVANOV}"' in by_policy.text
    by_name = await _search(
        client,
        person,
        family="иванов",
        given="Иван",
        **{"birth-day": "12", "birth-month": "04", "birth-year": "1985"},
    )
    assert f'href="/cabinet/patients/{IVANOV}"' in by_name.text
    wrong_day = await _search(
        client,
        person,
        family="Иванов",
        given="Иван",
        **{"birth-day": "13", "birth-month": "04", "birth-year": "1985"},
    )
    assert "Пациент не найден среди пациентов вашей организации" in wrong_day.text


async def test_a_patient_of_another_organisation_is_not_found_like_no_patient(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    person = as_worker(client, app, SPB)
    other = await _search(client, person, snils=IVANOV_SNILS)
    nobody = await _search(client, person, snils="000-000-000 00")
    assert "Пациент не найден" in other.text and IVANOV not in other.text
    assert _text(other.text) == _text(nobody.text)
    direct = await client.get(f"/cabinet/patients/{IVANOV}")
    missing = await client.get("/cabinet/patients/no-such-patient")
    assert direct.status_code == missing.status_code == 404
    assert _text(direct.text) == _text(missing.text)
    assert (
        await client.get(f"/cabinet/patients/{IVANOV}/records/Encounter/{IVANOV}-enc-1")
    ).status_code == 404


async def test_a_patient_who_withdrew_consent_is_found_with_the_reason_and_the_record_stays_closed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    person = as_worker(client, app, MOSCOW)
    found = await _search(client, person, oms="7700000000000005")
    assert "отозвал согласие" in found.text
    assert f'href="/cabinet/patients/{WITHDRAWN_CONSENT}"' not in found.text
    record = await client.get(f"/cabinet/patients/{WITHDRAWN_CONSENT}")
    assert record.status_code == 403 and "отозвал согласие" in record.text


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "Укажите СНИЛС, полис ОМС или фамилию, имя и дату рождения"),
        ({"snils": "123"}, "СНИЛС должен состоять из 11 цифр"),
        ({"oms": "77-AB"}, "Номер полиса ОМС должен состоять из цифр"),
        ({"family": "Иванов", "given": "Иван", "birth-day": "31", "birth-month": "02", "birth-year": "1985"},
         "Дата рождения должна быть настоящей датой в прошлом"),
        ({"family": "Иванов"}, "Укажите имя"),
    ],
)  # fmt: skip
async def test_search_form_errors_are_shown_above_the_inputs_with_what_was_typed(
    client: httpx.AsyncClient, app: FastAPI, fields: dict[str, str], error: str
) -> None:
    person = as_worker(client, app, MOSCOW)
    response = await _search(client, person, **fields)
    assert response.status_code == 400
    summary = response.text.index("error-summary")
    assert error in response.text[summary:] and summary < response.text.index('name="snils"')
    for value in fields.values():
        assert f'value="{value}"' in response.text


async def test_search_without_the_forms_csrf_token_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    as_worker(client, app, MOSCOW)
    response = await client.post("/cabinet/patients", data={"snils": IVANOV_SNILS})
    assert response.status_code == 403


def test_a_worker_token_with_user_scopes_is_staff_and_with_patient_scopes_the_patient() -> None:
    """The idp names every person ``patient`` and adds a worker's role (docs/organizations.md
    «Claims»): EGISZ's FHIR access reads a worker's user/ token as staff, not as a patient."""
    from egisz_api.access.service import identify

    worker = {"sub": "w", "scope": "user/*.rs", "roles": ["patient", "practitioner"], "org": "1"}
    own_app = {"sub": "w", "scope": "patient/*.rs", "roles": ["patient", "practitioner"], "patient": "p"}
    patient = {"sub": "p", "scope": "patient/*.rs", "roles": ["patient"], "patient": "p"}
    assert not identify(None, worker).is_patient  # type: ignore[arg-type]  (no lookup: no snils)
    assert identify(None, own_app).is_patient  # type: ignore[arg-type]
    assert identify(None, patient).is_patient  # type: ignore[arg-type]
