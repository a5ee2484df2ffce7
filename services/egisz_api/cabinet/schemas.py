"""What the cabinet's layers hand each other (leaves)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from shared.contracts.roles import AUTHORITY_ROLES, person_roles


@dataclass(frozen=True)
class Membership:
    """An organisation the person works for, as the idp's ``/rs/prns/{oid}/roles`` listed it at
    login: the ESIA oid, the OGRN (how EGISZ matches the organisation's patients), the short name,
    the EGISZ role (``practitioner``, ``nurse``…) and the position."""

    oid: str
    ogrn: str
    name: str
    role: str
    position: str = ""


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
    #: roles the idp gives the person beyond an employment (EGISZ.md §5 "Roles"; e.g.
    #: ``authority_regional``) and, for a regional authority, its two-digit region
    granted_roles: tuple[str, ...] = ()
    region: str | None = None
    csrf_token: str = ""
    #: a medical worker's organisations (empty: a patient only)
    memberships: tuple[Membership, ...] = ()
    #: the organisation the worker acts for now (one of ``memberships``), None until chosen
    org_oid: str | None = None
    #: what the idp's last login of this session proved (``urn:idp:acr:sig``/``qes`` after a
    #: signature step; None or ``urn:idp:acr:pwd`` for a password login), when, and the signing
    #: certificate's SHA-256 thumbprint when the idp named it
    acr: str | None = None
    acr_at: dt.datetime | None = None
    thumbprint: str | None = None

    @property
    def organization(self) -> Membership | None:
        """The organisation the worker acts for, when chosen and still one of theirs."""
        return next((m for m in self.memberships if m.oid == self.org_oid), None)

    @property
    def roles(self) -> list[str]:
        """EGISZ.md §5 roles: ``patient`` always, plus the role in the chosen organisation and the
        roles the idp granted (an authority's)."""
        org = self.organization
        return person_roles([]) + ([org.role] if org else []) + list(self.granted_roles)

    @property
    def is_worker(self) -> bool:
        return bool(self.memberships)

    @property
    def is_authority(self) -> bool:
        """A health authority's session (EGISZ.md §5 row 31): the reports, aggregates only."""
        return bool(AUTHORITY_ROLES & set(self.granted_roles))

    def with_organizations(self, memberships: tuple[Membership, ...], org_oid: str | None) -> CabinetPerson:
        return dataclasses.replace(self, memberships=memberships, org_oid=org_oid)

    def with_login(
        self, acr: str | None, acr_at: dt.datetime | None, thumbprint: str | None
    ) -> CabinetPerson:
        return dataclasses.replace(self, acr=acr, acr_at=acr_at, thumbprint=thumbprint)


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
    #: the organisations the person works for (``/rs/prns/{oid}/roles``); empty: a patient only
    memberships: tuple[Membership, ...] = ()
    #: the login's level, time and signing certificate (see :class:`CabinetPerson`)
    acr: str | None = None
    acr_at: dt.datetime | None = None
    thumbprint: str | None = None
