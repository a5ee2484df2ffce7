"""A worker's cabinet session for the form tests: a seeded app on a clock the test moves, and
sessions at a password or a signature level (the rows the login's callback makes)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from egisz_api.cabinet import service
from egisz_api.cabinet.dependencies import COOKIE, session_policy
from egisz_api.cabinet.schemas import CabinetPerson, LoggedInPerson, Membership
from egisz_api.records.models import FhirResource
from egisz_api.seed import MOSCOW_ORG, SPB_ORG
from tests.egisz_api.timeline.conftest import SEED_NOW

NOW = SEED_NOW + dt.timedelta(hours=1)
MOSCOW = Membership(
    oid="2000001", ogrn=MOSCOW_ORG[0], name=MOSCOW_ORG[1], role="practitioner", position="Врач"
)
SPB = Membership(oid="2000002", ogrn=SPB_ORG[0], name=SPB_ORG[1], role="practitioner", position="Врач")
QES = "urn:idp:acr:qes"
#: the certificate's SHA-256 as the Provenance records it (hex), and as the idp's ID token names it
#: (``cnf`` ``x5t#S256``: base64url, RFC 8705 §3.1), which is what a cabinet session keeps
THUMBPRINT = "ab" * 32
X5T_S256 = base64.urlsafe_b64encode(bytes.fromhex(THUMBPRINT)).decode().rstrip("=")


@dataclass
class Clock:
    now: dt.datetime = NOW

    def __call__(self) -> dt.datetime:
        return self.now


def as_worker(
    client: httpx.AsyncClient,
    app: FastAPI,
    org: Membership = MOSCOW,
    *,
    acr: str | None = QES,
    oid: str = "3000001",
    thumbprint: str | None = X5T_S256,
) -> tuple[str, CabinetPerson]:
    with app.state.session_factory() as db:
        token, person = service.open_session(
            db,
            LoggedInPerson(
                oid=oid, idp_sid=None, snils=None, display_name="Врачёва Елена Петровна", level="standard",
                memberships=(org,), acr=acr, acr_at=app.state.clock() - dt.timedelta(minutes=1),
                thumbprint=thumbprint if acr else None,
            ),
            patient_id=None, now=app.state.clock(), policy=session_policy(app.state.settings),
        )  # fmt: skip
        db.commit()
    client.cookies.set(COOKIE, token)
    return token, person


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def resources(app: FastAPI, resource_type: str, patient_id: str | None = None) -> list[dict[str, Any]]:
    query = select(FhirResource).where(FhirResource.resource_type == resource_type)
    if patient_id is not None:
        query = query.where(FhirResource.patient_id == patient_id)
    with app.state.session_factory() as db:
        return [json.loads(r.content) for r in db.scalars(query).all()]


def provenance_of(app: FastAPI, resource_type: str, resource_id: str) -> dict[str, Any]:
    wanted = f"{resource_type}/{resource_id}/_history/"
    found = [
        p for p in resources(app, "Provenance") if any(t["reference"].startswith(wanted) for t in p["target"])
    ]
    assert len(found) == 1, found
    return found[0]
