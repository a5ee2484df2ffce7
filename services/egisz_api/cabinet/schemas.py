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
    #: the person's roles at the idp (EGISZ.md §5 "Roles"; e.g. ``authority_regional``) and, for a
    #: regional authority, its two-digit region: what the workers' and authorities' pages check
    roles: tuple[str, ...] = ()
    region: str | None = None
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
    #: the roles the idp gives the person (EGISZ.md §5 "Roles") and a regional authority's region
    roles: tuple[str, ...] = ()
    region: str | None = None
