"""The demo seed's consents: given (current text) for every demo patient but one, whose withdrawal
suspends integrators at once; re-seeding never withdraws a consent the patient gave again."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from egisz_api.consent import service
from egisz_api.seed import CITIZENS, WITHDRAWN_CONSENT, seed_records
from tests.egisz_api.consent.support import give_consent
from tests.egisz_api.fhir.conftest import Issuer


async def test_one_demo_patient_has_withdrawn_and_the_others_have_given_consent(
    client: httpx.AsyncClient, fhir_app: FastAPI, issuer: Issuer
) -> None:
    with fhir_app.state.session_factory() as session:
        seed_records(session)
        session.commit()
        states = {c[0]: service.state(session, c[0]) for c in CITIZENS}
    assert states[WITHDRAWN_CONSENT].withdrawn and states[WITHDRAWN_CONSENT].version_id == 2
    assert all(s.accepted("2026-1") for pid, s in states.items() if pid != WITHDRAWN_CONSENT)
    mis = issuer.headers(scope="system/*.rs", roles=["mis"])
    assert (await client.get(f"/fhir/Patient/{WITHDRAWN_CONSENT}", headers=mis)).status_code == 403
    assert (await client.get(f"/fhir/Patient/{CITIZENS[0][0]}", headers=mis)).status_code == 200

    give_consent(fhir_app, WITHDRAWN_CONSENT)
    with fhir_app.state.session_factory() as session:
        seed_records(session)
        session.commit()
        assert service.state(session, WITHDRAWN_CONSENT).given
