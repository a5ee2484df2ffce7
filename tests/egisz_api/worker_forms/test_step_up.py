"""The signature step-up of the worker forms (docs/worker-forms.md; RFC 9470 in a browser): a worker
whose session logged in with a password is sent to the idp's signature step with the form parked
server-side, sealed and bound to the session; back with a signature-level session the form shows its
data and is written on confirmation. A parked form expires, is used once, and no other session can
resume it. (The whole dance against a real idp: tests/integration/test_worker_step_up.py.)"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from egisz_api.cabinet import service as cabinet
from egisz_api.cabinet.models import CabinetLogin
from egisz_api.worker_forms.models import ParkedForm
from tests.conftest import running
from tests.egisz_api.cabinet.test_login import _rsa_certificate
from tests.egisz_api.timeline.conftest import IVANOV
from tests.egisz_api.worker_forms.support import NOW, QES, Clock, as_worker, resources, text_of

FIELDS = {
    "code": "urn:egisz:cs:medication|amlodipine-5-tab",
    "dosage": "По 1 таблетке утром после еды",
    "date-day": f"{NOW.day:02d}",
    "date-month": f"{NOW.month:02d}",
    "date-year": str(NOW.year),
}
FORM = f"/cabinet/patients/{IVANOV}/forms/prescription"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(seeded_db: str, tmp_path: Path, clock: Clock) -> FastAPI:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    cert, key = _rsa_certificate(tmp_path)
    settings = EgiszSettings(
        database_url=seeded_db, dev_mode=True, audit_journal_fsync=False, audit_journal_dir=tmp_path / "j",
        esia_url="http://idp.invalid", public_url="http://testserver", esia_certificate=cert, esia_key=key,
        esia_demo_dir=tmp_path / "none",
    )  # fmt: skip
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        c.headers.update({"Accept": "text/html"})
        yield c


async def _park(client: httpx.AsyncClient, app: FastAPI) -> tuple[str, str, str]:
    """A password-session worker submits: (cookie token, session id, the return address)."""
    token, person = as_worker(client, app, acr=None)
    response = await client.post(FORM, data={"csrf_token": person.csrf_token, **FIELDS})
    assert response.status_code == 303, text_of(response.text)[:1500]
    idp = urlsplit(response.headers["location"])
    assert (idp.netloc, idp.path) == ("idp.invalid", "/aas/oauth2/ac")
    query = {k: v[0] for k, v in parse_qs(idp.query).items()}
    assert query["acr_values"] == "urn:idp:acr:sig urn:idp:acr:qes"
    # the state the idp will echo remembers where to come back and which session to raise
    with app.state.session_factory() as db:
        pending = db.scalars(select(CabinetLogin)).all()
    assert len(pending) == 1 and pending[0].session_hash == person.session_id
    return_to = pending[0].return_to
    assert return_to.startswith(FORM + "?parked=")
    return token, person.session_id, return_to


#: the certificate as the idp's ID token names it (cnf x5t#S256, base64url of the SHA-256 "cd"*32)
X5T_CD = base64.urlsafe_b64encode(bytes.fromhex("cd" * 32)).decode().rstrip("=")


def _raise(app: FastAPI, session_id: str, oid: str = "3000001") -> bool:
    """What the login callback does after the idp's signature step (cabinet.login.finish)."""
    with app.state.session_factory() as db:
        raised = cabinet.raise_login(db, session_id, oid=oid, acr=QES, acr_at=NOW, thumbprint=X5T_CD)
        db.commit()
    return raised


async def test_a_password_session_parks_the_form_and_goes_to_the_signature_step(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    before = len(resources(app, "MedicationRequest", IVANOV))
    _, _, return_to = await _park(client, app)
    assert "amlodipine" not in return_to and "таблетке" not in return_to  # no medical data in the URL
    assert len(resources(app, "MedicationRequest", IVANOV)) == before  # nothing written yet
    with app.state.session_factory() as db:
        row = db.scalars(select(ParkedForm)).one()
    assert "таблетке".encode() not in row.data_sealed.encode() and "amlodipine" not in row.data_sealed
    assert row.expires_at == NOW + dt.timedelta(minutes=15)


async def test_back_with_a_signature_the_form_has_its_data_and_confirming_writes_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, session_id, return_to = await _park(client, app)
    assert _raise(app, session_id)
    page = await client.get(return_to)
    assert page.status_code == 200
    assert "Подпись выполнена" in text_of(page.text)
    assert 'value="По 1 таблетке утром после еды"' in page.text
    assert 'value="urn:egisz:cs:medication|amlodipine-5-tab" selected' in page.text
    handle = parse_qs(urlsplit(return_to).query)["parked"][0]
    assert f'name="parked" value="{handle}"' in page.text
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    saved = await client.post(FORM, data={"csrf_token": csrf, "parked": handle, **FIELDS})
    assert saved.status_code == 303 and "/records/MedicationRequest/" in saved.headers["location"]
    resource_id = saved.headers["location"].rsplit("/", 1)[-1]
    provenance = [
        p for p in resources(app, "Provenance")
        if p["target"][0]["reference"].startswith(f"MedicationRequest/{resource_id}/")
    ]  # fmt: skip
    assert len(provenance) == 1
    extensions = {e["url"]: e for e in provenance[0]["signature"][0]["extension"]}
    assert extensions["urn:egisz:fhir:signature-certificate-sha256"]["valueString"] == "cd" * 32
    # used once: the parked form is gone
    assert (await client.get(return_to)).status_code == 410


async def test_back_without_a_signature_the_data_is_kept_and_the_page_says_so(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, _, return_to = await _park(client, app)
    page = await client.get(return_to)
    assert page.status_code == 200 and "Вход с электронной подписью не выполнен" in text_of(page.text)
    assert 'value="По 1 таблетке утром после еды"' in page.text
    assert "Подписать и сохранить" in page.text


async def test_another_workers_session_cannot_resume_the_parked_form(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, _, return_to = await _park(client, app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        other.headers.update({"Accept": "text/html"})
        as_worker(other, app, oid="3000002")  # a colleague of the same organisation, signed
        page = await other.get(return_to)
        assert page.status_code == 410 and "таблетке" not in page.text
        handle = parse_qs(urlsplit(return_to).query)["parked"][0]
        csrf = (await other.get(FORM)).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        # posting with the foreign handle writes the colleague's own form, and leaves the first one parked
        await other.post(FORM, data={"csrf_token": csrf, "parked": handle, **FIELDS})
    with app.state.session_factory() as db:
        assert db.scalars(select(ParkedForm)).one() is not None


async def test_the_same_person_in_a_new_session_cannot_resume_it_either(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, _, return_to = await _park(client, app)
    as_worker(client, app)  # the same oid, a new login (another cookie)
    assert (await client.get(return_to)).status_code == 410


async def test_a_parked_form_expires(client: httpx.AsyncClient, app: FastAPI, clock: Clock) -> None:
    _, session_id, return_to = await _park(client, app)
    assert _raise(app, session_id)
    clock.now = NOW + dt.timedelta(minutes=10)
    assert (await client.get("/cabinet/patients")).status_code == 200  # the session stays alive
    clock.now = NOW + dt.timedelta(minutes=15)
    page = await client.get(return_to)
    assert page.status_code == 410 and "Форма не найдена" in text_of(page.text)


async def test_a_forged_handle_is_gone(client: httpx.AsyncClient, app: FastAPI) -> None:
    as_worker(client, app)
    assert (await client.get(FORM + "?parked=not-a-handle")).status_code == 410


async def test_the_step_up_cannot_raise_another_persons_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, session_id, _ = await _park(client, app)
    assert not _raise(app, session_id, oid="9999999")
    with app.state.session_factory() as db:
        assert cabinet.repository.session_by_hash(db, session_id).acr is None  # type: ignore[union-attr]


async def test_form_errors_are_shown_before_any_signature(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, person = as_worker(client, app, acr=None)
    response = await client.post(FORM, data={"csrf_token": person.csrf_token, **FIELDS, "dosage": ""})
    assert response.status_code == 400 and "Заполните это поле" in text_of(response.text)
    with app.state.session_factory() as db:
        assert db.scalars(select(ParkedForm)).all() == []
