"""Notification rules (R-EGZ-6): each patient's event × channel choices, and the notices the
events put into the outbox — in the transaction of the change itself, so a notice exists exactly
when its change does and sending it never delays a FHIR request (``outbox.py`` sends them).

Entry points other features call:
- :func:`result_created` — the FHIR create of an Observation or DiagnosticReport (at most one
  «new result» notice per patient per hour: a lab panel of twenty Observations makes one);
- :func:`consent_changed` — for the consent feature: a consent given or withdrawn;
- :func:`certificate_issued` — for the covid feature: a vaccination certificate was issued;
- :func:`request_processed` — a staff update of a correction or deletion request;
- :func:`find_access_notices` / :func:`queue_access_notices` — run by the dispatcher: read the
  audit trail after its cursor (read only) and queue an «access to my record» notice for each
  accessor other than the patient, at most one per accessor per patient per Moscow day; the write
  happens only when there is a notice to queue, so the reader adds no write traffic while nothing
  new needs telling.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from egisz_api.access import service as access_rules
from egisz_api.access.errors import AccessDeniedError, InsufficientScopeError
from egisz_api.audit import service as audit
from egisz_api.notifications import repository
from egisz_api.notifications.contacts import recipient
from egisz_api.notifications.events import (
    CHANNELS,
    DEFAULTS,
    EVENTS,
    RESULT_TYPES,
    Channel,
    Choice,
    Event,
    decode,
    encode,
)
from egisz_api.notifications.models import NotificationOutboxRow, NotificationPreference
from egisz_api.notifications.schemas import (
    SCOPE,
    EventChannels,
    NotificationSettingsIn,
    NotificationSettingsOut,
)
from egisz_api.records import service as records
from egisz_api.records.schemas import StoredResource
from shared.web.formatting import DEFAULT_TIMEZONE

Clock = Callable[[], dt.datetime]
LOCAL = ZoneInfo(DEFAULT_TIMEZONE)
ACCESS_CURSOR = "record_accessed"
#: the patient themselves in the audit trail (v3 PurposeOfUse "patient requested")
PATIENT_PURPOSE = "PATRQT"
#: who a patient's consent to processing is for, as the notice names it
CONSENT_PARTY = "ЕГИСЗ"


@dataclass(frozen=True)
class Preferences:
    choices: frozenset[Choice]
    locale: str
    #: False while the defaults apply (the patient never saved a choice)
    saved: bool

    def channels(self, event: Event) -> list[Channel]:
        return [c for c in CHANNELS if (event, c) in self.choices]


def preferences(session: Session, patient_id: str) -> Preferences:
    row = repository.preference(session, patient_id)
    if row is None:
        return Preferences(DEFAULTS, "ru", saved=False)
    return Preferences(decode(row.choices), row.locale, saved=True)


def save_preferences(
    session: Session, patient_id: str, choices: Iterable[Choice], *, locale: str, clock: Clock
) -> Preferences:
    """Replace the patient's choices (an empty set: no notices at all)."""
    kept = frozenset(c for c in choices if c[0] in EVENTS and c[1] in CHANNELS)
    repository.save_preference(
        session,
        NotificationPreference(
            patient_id=patient_id,
            choices=encode(kept),
            locale="en" if locale == "en" else "ru",
            updated_at=clock(),
        ),
    )
    return Preferences(kept, "en" if locale == "en" else "ru", saved=True)


def token_patient(session: Session, claims: dict[str, Any]) -> str:
    """The Patient whose settings a bearer token may read and change (EGISZ.md §5 row 34): the token
    carries ``notifications.rw`` and names a patient (the idp's ``patient`` claim, or a patient's
    ``snils``); a staff token never reaches a patient's settings, whatever its scopes."""
    if SCOPE not in str(claims.get("scope", "")).split():
        raise InsufficientScopeError(
            "The token lacks the notifications.rw scope.", realm=access_rules.REALM, scope=SCOPE
        )
    caller = access_rules.identify(session, claims)
    if caller.roles & access_rules.STAFF_ROLES:
        raise AccessDeniedError("Notification settings are the patient's own.", realm=access_rules.REALM)
    if caller.patient_id is None:
        raise AccessDeniedError(
            "The token names no Patient record this server holds.", realm=access_rules.REALM
        )
    return caller.patient_id


def _as_settings(prefs: Preferences) -> NotificationSettingsOut:
    events = EventChannels.model_validate({event: prefs.channels(event) for event in EVENTS})
    return NotificationSettingsOut(
        events=events,
        locale="en" if prefs.locale == "en" else "ru",
        saved=prefs.saved,
        channels=list(CHANNELS),
    )


def settings_for_token(session: Session, claims: dict[str, Any]) -> NotificationSettingsOut:
    """``GET /api/v1/me/notification-settings``: the token's patient's choices."""
    return _as_settings(preferences(session, token_patient(session, claims)))


def replace_settings_for_token(
    session: Session, claims: dict[str, Any], wanted: NotificationSettingsIn, *, clock: Clock
) -> NotificationSettingsOut:
    """``PUT /api/v1/me/notification-settings``: replace the token's patient's choices (the same
    rows the cabinet's page saves)."""
    patient_id = token_patient(session, claims)
    locale = wanted.locale or preferences(session, patient_id).locale
    chosen = wanted.events.model_dump()
    choices = {(event, channel) for event in EVENTS for channel in chosen[event]}
    return _as_settings(save_preferences(session, patient_id, choices, locale=locale, clock=clock))


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def enqueue(
    session: Session, patient_id: str, event: Event, params: dict[str, Any], *, key: str, now: dt.datetime
) -> int:
    """One outbox row per channel the patient chose for ``event``; ``key`` names the occurrence, so
    reporting the same occurrence twice queues it once. Returns how many rows were added."""
    prefs = preferences(session, patient_id)
    added = 0
    for channel in prefs.channels(event):
        idempotency_key = f"egisz:{key}:{channel}"[:200]
        if repository.outbox_key_exists(session, idempotency_key):
            continue
        repository.add_outbox(
            session,
            NotificationOutboxRow(
                idempotency_key=idempotency_key,
                patient_id=patient_id,
                event=event,
                channel=channel,
                locale=prefs.locale,
                params=json.dumps({**params, "timezone": DEFAULT_TIMEZONE}, ensure_ascii=False),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            ),
        )
        added += 1
    return added


def result_created(session: Session, stored: StoredResource, *, now: dt.datetime) -> int:
    """A «new result» notice when an Observation or DiagnosticReport is created for a patient. The
    notice says only that a result arrived (never which, nor its value)."""
    if stored.resource_type not in RESULT_TYPES or stored.patient_id is None:
        return 0
    hour = now.astimezone(LOCAL).strftime("%Y-%m-%dT%H")
    key = f"new_result:{stored.patient_id}:{hour}"
    return enqueue(session, stored.patient_id, "new_result", {"at": _instant(now)}, key=key, now=now)


def consent_changed(
    session: Session,
    patient_id: str,
    *,
    action: Literal["given", "withdrawn"],
    party: str,
    consent_id: str,
    now: dt.datetime,
) -> int:
    """For the consent feature: call in the transaction that gives or withdraws the consent.
    ``party``: who the consent is for, as the patient reads it; ``consent_id`` with ``action``
    names the occurrence (a repeated call queues nothing new)."""
    params = {"action": action, "party": party[:200], "at": _instant(now)}
    key = f"consent_changed:{patient_id}:{consent_id}:{action}:{_instant(now)}"
    return enqueue(session, patient_id, "consent_changed", params, key=key, now=now)


def certificate_issued(session: Session, patient_id: str, *, number: str, now: dt.datetime) -> int:
    """For the covid feature: call in the transaction that issues the certificate. The notice says
    only that a certificate is ready in the cabinet (never its number nor the doses)."""
    key = f"certificate_issued:{patient_id}:{number}"
    return enqueue(session, patient_id, "certificate_issued", {"at": _instant(now)}, key=key, now=now)


def request_processed(
    session: Session,
    patient_id: str,
    *,
    task_id: str,
    kind: Literal["correction", "deletion"],
    status: str,
    now: dt.datetime,
) -> int:
    """For the data-requests feature: call in the transaction of a staff update of the patient's
    correction or deletion request. The notice names the kind and the outcome only (the reason,
    which may speak of medical data, is read in the cabinet)."""
    params = {"kind": kind, "outcome": status, "at": _instant(now)}
    key = f"request_processed:{patient_id}:{task_id}:{status}"
    return enqueue(session, patient_id, "request_processed", params, key=key, now=now)


class ConsentEvent(Protocol):
    """What the consent feature hands its listeners (``egisz_api.consent``'s ``ConsentChanged``)."""

    @property
    def patient_id(self) -> str: ...
    @property
    def change(self) -> str: ...
    @property
    def consent_id(self) -> str: ...
    @property
    def at(self) -> dt.datetime: ...


def on_consent_changed(session: Session, event: ConsentEvent) -> None:
    """A consent listener (``app.state.consent_listeners`` of the consent feature): the notice of a
    given or withdrawn consent, queued in the consent's own transaction."""
    if event.change in ("given", "withdrawn"):
        consent_changed(
            session,
            event.patient_id,
            action="given" if event.change == "given" else "withdrawn",
            party=CONSENT_PARTY,
            consent_id=event.consent_id,
            now=event.at,
        )


def _by_someone_else(access: audit.PatientAccess) -> bool:
    if PATIENT_PURPOSE in access.purposes:
        return False
    return access.agent != f"Patient/{access.patient}"


@dataclass(frozen=True)
class AccessNotice:
    patient: str
    accessor: str
    day: str
    params: dict[str, Any]


@dataclass(frozen=True)
class AccessScan:
    """What one read of the audit trail found: the notices still to queue, and the ``seq`` read up to."""

    notices: list[AccessNotice]
    position: int
    read: int


def access_cursor(session: Session) -> int:
    """Where the «access to my record» reader goes on from: its stored position, or, the very first
    time, the end of the trail (notices tell about accesses from when they are switched on)."""
    cursor = repository.cursor(session, ACCESS_CURSOR)
    return cursor.position if cursor is not None else audit.last_stored_seq(session)


def find_access_notices(session: Session, after_seq: int, *, limit: int = 500) -> AccessScan:
    """Read only: the accesses after ``after_seq`` that make a notice (granted, by someone other
    than the patient, not told yet for this accessor and Moscow day)."""
    accesses = audit.patient_accesses_after(session, after_seq, limit)
    notices: dict[tuple[str, str, str], AccessNotice] = {}
    for access in accesses:
        if not access.granted or not _by_someone_else(access):
            continue
        accessor = (access.agent or access.client_id or "?")[:256]
        day = access.recorded.astimezone(LOCAL).date().isoformat()
        if (access.patient, accessor, day) in notices or repository.access_marked(
            session, access.patient, accessor, day
        ):
            continue
        params = {"accessor": access.accessor[:200], "at": _instant(access.recorded)}
        if access.client_id:
            params["organization"] = access.client_id[:200]
        notices[(access.patient, accessor, day)] = AccessNotice(access.patient, accessor, day, params)
    position = accesses[-1].seq if accesses else after_seq
    return AccessScan(list(notices.values()), position, len(accesses))


def queue_access_notices(session: Session, scan: AccessScan, *, now: dt.datetime) -> int:
    """Write what :func:`find_access_notices` found, and the reader's position, in one transaction
    (a notice another process queued meanwhile is skipped by its mark)."""
    queued = 0
    for notice in scan.notices:
        if not repository.mark_access(session, notice.patient, notice.accessor, notice.day):
            continue
        key = f"record_accessed:{notice.patient}:{notice.accessor}:{notice.day}"
        queued += enqueue(session, notice.patient, "record_accessed", notice.params, key=key, now=now)
    repository.save_cursor(session, ACCESS_CURSOR, scan.position)
    return queued


@dataclass(frozen=True)
class SentNotice:
    event: str
    channel: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


def has_due_notices(session: Session, *, now: dt.datetime) -> bool:
    return repository.has_due(session, now)


def recent_notices(session: Session, patient_id: str, limit: int = 20) -> list[SentNotice]:
    """The patient's latest notices and how they went (the settings page shows them)."""
    return [
        SentNotice(r.event, r.channel, r.status, r.created_at, r.sent_at)
        for r in repository.for_patient(session, patient_id, limit)
    ]


def addresses(session: Session, patient_id: str) -> dict[Channel, str | None]:
    """Each channel's address as the settings page shows it (partly masked), None without one."""
    stored = records.find(session, "Patient", patient_id)
    patient = json.loads(stored.content) if stored is not None else {}
    found: dict[Channel, str | None] = {}
    for channel in CHANNELS:
        address = recipient(patient, channel)
        if address is None:
            found[channel] = None
        elif address.email:
            local, _, domain = address.email.partition("@")
            found[channel] = f"{local[:2]}•••@{domain}"
        elif address.phone:
            found[channel] = f"{address.phone[:5]}•••••{address.phone[-2:]}"
    return found
