"""What the cabinet's layers hand each other (leaves)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CabinetPerson:
    """The person of an active cabinet session.

    ``oid``: the idp/ESIA subject; ``patient_id``: the FHIR Patient matched by SNILS (None when no
    record matches); ``level``: "simplified" | "standard" | "confirmed"; ``csrf_token``: what the
    cabinet's forms post back (``ui.csrf(person.csrf_token)``, checked with
    :func:`egisz_api.cabinet.dependencies.check_csrf`)."""

    session_id: str
    oid: str
    patient_id: str | None
    snils: str | None
    display_name: str
    level: str
    csrf_token: str = ""


@dataclass(frozen=True)
class SessionPolicy:
    """Idle timeout (since the last request) and absolute lifetime (since login) of a session."""

    idle: dt.timedelta
    lifetime: dt.timedelta


@dataclass(frozen=True)
class LoggedInPerson:
    """Who the idp says logged in, as read over ESIA's REST API."""

    oid: str
    idp_sid: str | None
    snils: str | None
    display_name: str
    level: str
