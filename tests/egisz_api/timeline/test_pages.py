"""The record pages over HTTP (in-process httpx client, the app from create_app on a seeded
database), in Russian and English: the timeline with months, marks, filters and paging; one entry;
another patient's entry is the 404 page; «Кто смотрел мою карту» lists the views just made."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from egisz_api.seed import WITHDRAWN_CONSENT
from tests.conftest import running
from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.timeline.conftest import IVANOV, PETROVA, SEED_NOW

HTML = {"Accept": "text/html"}
NOW = SEED_NOW + dt.timedelta(hours=1)


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


def _as_ivanov(client: httpx.AsyncClient, app: FastAPI) -> None:
    log_in(client, app, patient_id=IVANOV, snils="112-233-445 95")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _entry_links(html: str) -> list[str]:
    return re.findall(r'href="(/cabinet/records/[A-Za-z]+/[^"]+)"', html)


async def test_the_timeline_in_russian_newest_first_by_month_with_marks_in_words(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _as_ivanov(client, app)
    response = await client.get("/cabinet/records")
    assert response.status_code == 200
    text = _text(response.text)
    assert '<html lang="ru">' in response.text
    assert text.index("Декабрь 2026") < text.index("Октябрь 2026")
    # the appointment in two weeks, in local time with its zone, marked upcoming
    assert "14.12.2026 10:30 MSK" in text and "Предстоит" in text
    assert "Общий анализ крови" in text and "Вне нормы: 2 из 3" in text
    assert "Гемоглобин: 117 г/л — ниже нормы (120–160 г/л)" in text
    assert "Лейкоциты: 10,4 ×10⁹/л — выше нормы (4–9 ×10⁹/л)" in text
    assert "Холестерин общий: 6,3 ммоль/л — выше нормы" in text
    assert "Код по МКБ-10: I10" in text and "Гам-КОВИД-Вак" in text
    # every link is to one of Ivanov's own entries
    assert all(IVANOV in link for link in _entry_links(response.text))


async def test_the_timeline_in_english(client: httpx.AsyncClient, app: FastAPI) -> None:
    _as_ivanov(client, app)
    response = await client.get("/cabinet/records?lang=en")
    text = _text(response.text)
    assert '<html lang="en">' in response.text
    assert "Medical record" in text and "December 2026" in text
    assert "Outside the range: 2 of 3" in text and "10.4 ×10⁹/L" not in text  # the unit is the record's
    assert "10.4 ×10⁹/л — above the range" in text
    assert "Недостаточно" not in text and "Приёмы" not in text  # no Russian labels left


async def test_filters_are_a_get_form_and_show_only_those_kinds(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _as_ivanov(client, app)
    response = await client.get("/cabinet/records?kind=vaccinations&kind=appointments")
    assert response.status_code == 200
    links = _entry_links(response.text)
    assert sorted(link.split("/")[3] for link in links) == [
        "Appointment",
        "Immunization",
        "Immunization",
        "Immunization",
    ]
    assert re.search(r'value="vaccinations"\s+checked', response.text)
    assert 'href="/cabinet/records">Показать всё' in response.text
    refused = await client.get("/cabinet/records?kind=passwords")
    assert refused.status_code == 400 and "text/html" in refused.headers["content-type"]


async def test_paging_covers_the_record_once_and_a_forged_cursor_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _as_ivanov(client, app)
    first = await client.get("/cabinet/records")
    older = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert older is not None
    second = await client.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and "К последним записям" in second.text
    one, two = _entry_links(first.text), _entry_links(second.text)
    assert len(one) == 20 and two and not set(one) & set(two)
    assert (await client.get("/cabinet/records?after=%2F%2F..%2Fx")).status_code == 400


async def test_a_lab_report_in_detail_is_a_table_with_ranges_and_marks(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _as_ivanov(client, app)
    response = await client.get(f"/cabinet/records/DiagnosticReport/{IVANOV}-cbc-2")
    assert response.status_code == 200
    assert 'class="table table--folding"' in response.text and 'data-label="Норма"' in response.text
    text = _text(response.text)
    assert "Гемоглобин 117 г/л 120–160 г/л Ниже нормы" in text
    assert "Тромбоциты 210 ×10⁹/л 180–320 ×10⁹/л В норме" in text
    visit = await client.get(f"/cabinet/records/Encounter/{IVANOV}-enc-2?lang=en")
    text = _text(visit.text)
    assert "Recorded at this visit" in text and "Эссенциальная (первичная) гипертензия" in text
    assert "148/94 мм рт. ст." in text and "Above the range" in text


@pytest.mark.parametrize(
    "path",
    [
        f"/cabinet/records/DiagnosticReport/{PETROVA}-cbc-2",
        f"/cabinet/records/Encounter/{PETROVA}-enc-1",
        f"/cabinet/records/MedicationRequest/{PETROVA}-rx-1",
        f"/cabinet/records/Patient/{PETROVA}",
        f"/cabinet/records/Consent/{IVANOV}-consent-1",
        "/cabinet/records/Encounter/..%2F..%2Fetc",
    ],
)
async def test_another_patients_entry_is_the_not_found_page(
    client: httpx.AsyncClient, app: FastAPI, path: str
) -> None:
    _as_ivanov(client, app)
    response = await client.get(path)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Петрова" not in response.text and PETROVA not in _text(response.text)


async def test_without_a_session_the_pages_send_to_login(client: httpx.AsyncClient) -> None:
    for path in ("/cabinet/records", "/cabinet/access-log", f"/cabinet/records/Encounter/{IVANOV}-enc-1"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/cabinet/login" in response.headers["location"]


async def test_a_person_without_a_record_is_told_what_to_do(client: httpx.AsyncClient, app: FastAPI) -> None:
    log_in(client, app, patient_id=None, snils="999-999-999 99")
    for path in ("/cabinet/records", "/cabinet/access-log"):
        response = await client.get(path)
        assert response.status_code == 200 and "регистратуру" in response.text
    assert (await client.get(f"/cabinet/records/Encounter/{IVANOV}-enc-1")).status_code == 404


async def test_the_access_log_lists_the_views_just_made_in_words(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _as_ivanov(client, app)
    await client.get("/cabinet/records?kind=results")
    await client.get(f"/cabinet/records/DiagnosticReport/{IVANOV}-cbc-1")
    await client.get(f"/cabinet/records/Encounter/{PETROVA}-enc-1")  # refused: lands in Petrova's log
    response = await client.get("/cabinet/access-log")
    assert response.status_code == 200
    text = _text(response.text)
    rows = re.findall(r"<tr>(.*?)</tr>", response.text, flags=re.S)[1:]
    assert len(rows) == 2
    newest, oldest = (_text(r) for r in rows)
    assert "01.12.2026 13:00 MSK" in newest
    assert "Вы" in newest and "Личный кабинет ЕГИСЗ" in newest
    assert "Просмотр: заключения по анализам" in newest and "по вашему запросу" in newest
    assert "Доступ предоставлен" in newest
    assert "Просмотр карты" in oldest
    assert "Кто смотрел мою карту" in text
    english = _text((await client.get("/cabinet/access-log?lang=en")).text)
    # the first view of the log is on this page now
    assert "Searched: the access log" in english and "At your request" not in english
    assert "at your request" in english and "EGISZ patient cabinet" in english
    assert "Access granted" in english


async def test_a_withdrawn_consent_keeps_the_record_pages_closed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    log_in(client, app, patient_id=WITHDRAWN_CONSENT, snils="456-789-012 38")
    for path in (
        "/cabinet/records",
        "/cabinet/access-log",
        f"/cabinet/records/Encounter/{WITHDRAWN_CONSENT}-enc-1",
    ):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/cabinet/consent"), response.headers["location"]
