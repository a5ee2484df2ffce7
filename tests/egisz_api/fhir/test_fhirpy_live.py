"""A third-party FHIR client (fhirpy, PyPI) against the server over real HTTP (uvicorn on loopback):
create, read, search, and paging through next links while records are added."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import Issuer, fhir_settings, valid
from tests.live import serve_in_thread

pytestmark = pytest.mark.integration


@pytest.fixture
def base_url(make_db: Callable[..., str], issuer: Issuer) -> Iterator[str]:
    from egisz_api.main import create_app

    with serve_in_thread(create_app(fhir_settings(make_db("egisz_api"), issuer))) as base:
        yield f"{base}/fhir"


def test_fhirpy_creates_reads_and_pages(base_url: str, issuer: Issuer) -> None:
    writer = SyncFHIRClient(base_url, authorization=f"Bearer {issuer.token(scope='system/*.cruds')}")
    patient = writer.resource("Patient", **res.patient("112-233-445 95", "Иванов"))
    patient.save()
    assert patient.id and patient["meta"]["versionId"] == "1"
    for day in range(1, 8):
        writer.resource("Observation", **res.observation(patient.id, date=f"2024-01-{day:02d}")).save()

    reader = SyncFHIRClient(
        base_url, authorization=f"Bearer {issuer.token(scope='patient/*.rs', patient=patient.id)}"
    )
    me = reader.reference("Patient", patient.id).to_resource()
    assert me["name"][0]["family"] == "Иванов"
    valid(me.serialize())

    found = reader.resources("Patient").search(identifier="urn:oid:1.2.643.100.3|11223344595").fetch()
    assert [p.id for p in found] == [patient.id]

    seen = []
    search = reader.resources("Observation").search(patient=patient.id).sort("-date").limit(3)
    for index, observation in enumerate(search):
        seen.append(observation["effectiveDateTime"])
        if index == 2:  # a record arrives while the client is paging
            writer.resource("Observation", **res.observation(patient.id, date="2023-12-31")).save()
    assert seen[:7] == [f"2024-01-{day:02d}" for day in range(7, 0, -1)]
    assert len(seen) == len(set(seen))

    with pytest.raises(ResourceNotFound):
        reader.reference("Patient", "someone-else").to_resource()
    with pytest.raises(OperationOutcome):
        reader.resources("Observation").search(unknown="1").fetch()
