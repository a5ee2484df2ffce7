"""The patient's personal-data consent: read the latest decision, give it, withdraw it.

The decision is the patient's most recently written patient-privacy ``Consent`` in the records
store (found through the token index, never a JSON scan), so a Consent written over FHIR
(EGISZ.md §5 rows 28-29) counts the same as one given in the cabinet, and nothing is cached: a
withdrawal is seen by the very next request. Each change calls the listeners (e.g. the "consent
changed" notice) inside the same transaction, so a listener's outbox row commits with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from egisz_api.consent import resources
from egisz_api.consent.documents import TEXTS
from egisz_api.consent.errors import NoConsentToWithdrawError, UnknownConsentVersionError
from egisz_api.consent.schemas import ConsentChanged, ConsentState
from egisz_api.records import service as records

Clock = Callable[[], dt.datetime]
#: called with the writing session and the event, before the request commits
ConsentListener = Callable[[Session, ConsentChanged], None]


def _latest(session: Session, patient_id: str) -> bytes | None:
    """The patient's most recently written patient-privacy Consent (its stored bytes)."""
    return records.latest_with_token(
        session, "Consent", patient_id, "scope", resources.SCOPE_SYSTEM, resources.SCOPE_CODE
    )


def state(session: Session, patient_id: str) -> ConsentState:
    latest = _latest(session, patient_id)
    return resources.state_of(latest) if latest is not None else ConsentState()


def suspended(session: Session, patient_id: str) -> bool:
    """Whether the patient's latest decision withdrew (or refused) consent: the gate's question."""
    return state(session, patient_id).withdrawn


def check_version(version: str) -> str:
    if version not in TEXTS:
        raise UnknownConsentVersionError(f"No consent text has the version {version!r}.")
    return version


def _notify(session: Session, listeners: Sequence[ConsentListener], event: ConsentChanged) -> None:
    for listener in listeners:
        listener(session, event)


def give(
    session: Session,
    patient_id: str,
    *,
    version: str,
    clock: Clock,
    listeners: Sequence[ConsentListener] = (),
) -> ConsentState:
    """Accept text ``version``: the next version of the patient's own Consent (or a new one). Giving
    what is already given is a no-op, so a double submit writes nothing."""
    check_version(version)
    current = state(session, patient_id)
    if current.accepted(version):
        return current
    now = clock()
    if current.consent_id is not None and current.text_version is not None:
        stored = records.update(
            session,
            "Consent",
            current.consent_id,
            resources.given(patient_id, version, now, current.consent_id),
            clock=clock,
            if_match=current.version_id,
        )
    else:
        data = resources.given(patient_id, version, now, None)
        stored = records.create(session, "Consent", data, clock=clock)
    _notify(session, listeners, ConsentChanged(patient_id, "given", version, stored.resource_id, now))
    return resources.state_of(stored.content)


def withdraw(
    session: Session, patient_id: str, *, clock: Clock, listeners: Sequence[ConsentListener] = ()
) -> ConsentState:
    """Withdraw the given consent: its next version is inactive with the period's end."""
    latest = _latest(session, patient_id)
    current = resources.state_of(latest) if latest is not None else ConsentState()
    if latest is None or current.consent_id is None or not current.given:
        raise NoConsentToWithdrawError("The patient has no given consent to withdraw.")
    now = clock()
    stored = records.update(
        session,
        "Consent",
        current.consent_id,
        resources.withdrawn(latest, now),
        clock=clock,
        if_match=current.version_id,
    )
    after = resources.state_of(stored.content)
    event = ConsentChanged(patient_id, "withdrawn", after.text_version, stored.resource_id, now)
    _notify(session, listeners, event)
    return after
