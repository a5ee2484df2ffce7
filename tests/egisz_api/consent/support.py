"""For page and FHIR tests of other features: give a patient consent (the cabinet demands it before
every page but the consent page itself)."""

from __future__ import annotations

from fastapi import FastAPI

from egisz_api.consent import service
from egisz_api.consent.schemas import ConsentState


def give_consent(app: FastAPI, patient_id: str, version: str | None = None) -> ConsentState:
    """The patient accepts the app's current consent text (or ``version``), committed."""
    with app.state.session_factory() as session:
        given = service.give(
            session, patient_id, version=version or app.state.consent_version, clock=app.state.clock
        )
        session.commit()
    return given


def withdraw_consent(app: FastAPI, patient_id: str) -> ConsentState:
    with app.state.session_factory() as session:
        withdrawn = service.withdraw(session, patient_id, clock=app.state.clock)
        session.commit()
    return withdrawn
