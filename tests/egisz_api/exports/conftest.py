"""A cabinet app (tests/egisz_api/cabinet) with two patients' records written through the records
service, and a logged-in client for the first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import running
from tests.egisz_api.cabinet.conftest import MovableClock, cabinet_settings
from tests.egisz_api.cabinet.support import log_in
from tests.egisz_api.consent.support import give_consent
from tests.egisz_api.fhir import resources as res


@dataclass
class Records:
    alice: str
    bob: str
    ids: dict[str, dict[str, str]]


def write(app: FastAPI, resource: dict[str, Any]) -> str:
    from egisz_api.records import service as records

    with app.state.session_factory() as session:
        stored = records.create(session, resource["resourceType"], resource, clock=app.state.clock)
        session.commit()
        return stored.resource_id


def out_of_range(pid: str) -> dict[str, Any]:
    body = res.observation(pid, code="6690-2", date="2026-10-14T09:00:00+03:00")
    body["code"]["text"] = "Лейкоциты"
    body["valueQuantity"] = {"value": 10.4, "unit": "10*9/L"}
    body["referenceRange"] = [
        {"low": {"value": 4.0, "unit": "10*9/L"}, "high": {"value": 9.0, "unit": "10*9/L"}}
    ]
    return body


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def rights_app(make_db: Callable[..., str], clock: MovableClock, tmp_path: Any) -> FastAPI:
    from egisz_api.main import create_app

    settings = cabinet_settings(
        make_db("egisz_api"), audit_journal_dir=tmp_path / "journal", notifications_enabled=False
    )
    return create_app(settings, clock=clock)


@pytest.fixture
def patients(rights_app: FastAPI) -> Records:
    ids: dict[str, dict[str, str]] = {}
    found = []
    for snils, family, given in (("112-233-445 95", "Иванов", "Иван"), ("123-456-789 64", "Петрова", "Анна")):
        body = res.patient(snils, family, given=given, oms="7700000000000001")
        body["telecom"] = [{"system": "email", "value": f"{family.lower()}@example.test"}]
        pid = write(rights_app, body)
        found.append(pid)
        ids[pid] = {"Patient": pid}
        for resource in res.one_of_each(pid):
            ids[pid][resource["resourceType"]] = write(rights_app, resource)
        ids[pid]["high"] = write(rights_app, out_of_range(pid))
        # the personal-data consent: the cabinet opens only after it, and it is a record too
        ids[pid]["pd-consent"] = str(give_consent(rights_app, pid).consent_id)
    return Records(found[0], found[1], ids)


@pytest.fixture
async def client(rights_app: FastAPI, patients: Records) -> AsyncIterator[httpx.AsyncClient]:
    async with running(rights_app) as c:
        yield c


@pytest.fixture
async def alice(client: httpx.AsyncClient, rights_app: FastAPI, patients: Records) -> httpx.AsyncClient:
    log_in(client, rights_app, patient_id=patients.alice, snils="112-233-445 95", name="Иванов Иван")
    return client
