"""Cabinet sessions: open one after a login, resolve a cookie to its person, end it.

A session ends when idle for ``SessionPolicy.idle`` (15 minutes by default), at its absolute
``lifetime`` since login, at logout, and when the idp says so over the back channel. An ended or
expired row is kept a day so a returning browser hears «Сессия истекла» instead of a bare login.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Literal

from sqlalchemy.orm import Session

from egisz_api.cabinet import repository, sealing
from egisz_api.cabinet.models import CabinetSession
from egisz_api.cabinet.schemas import CabinetPerson, LoggedInPerson, Membership, SessionPolicy

#: how long an ended or expired session is remembered (to tell «Сессия истекла»)
KEEP_ENDED = dt.timedelta(days=1)

EndReason = Literal["logout", "backchannel", "idle", "lifetime"]


@dataclass(frozen=True)
class Active:
    person: CabinetPerson


@dataclass(frozen=True)
class Expired:
    reason: str


@dataclass(frozen=True)
class Unknown:
    """No session for this cookie (never was, or forgotten)."""


Resolved = Active | Expired | Unknown


def open_session(
    db: Session,
    who: LoggedInPerson,
    *,
    patient_id: str | None,
    now: dt.datetime,
    policy: SessionPolicy,
) -> tuple[str, CabinetPerson]:
    """A new session for ``who``: the cookie's token and the person."""
    repository.purge_sessions(db, before=now - KEEP_ENDED)
    token = sealing.new_token()
    # one organisation: that one; several: the worker chooses (choose_organization)
    org_oid = who.memberships[0].oid if len(who.memberships) == 1 else None
    repository.add(
        db,
        CabinetSession(
            id_hash=sealing.token_hash(token),
            oid=who.oid,
            idp_sid=who.idp_sid,
            patient_id=patient_id,
            level=who.level,
            person_sealed=sealing.seal_person(
                token,
                {
                    "name": who.display_name,
                    "snils": who.snils,
                    "roles": " ".join(who.roles) or None,
                    "region": who.region,
                },
            ),
            memberships=_dump(who.memberships),
            org_oid=org_oid,
            acr=who.acr,
            acr_at=who.acr_at,
            thumbprint=who.thumbprint,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.lifetime,
        ),
    )
    return token, _person(
        token,
        sealing.token_hash(token),
        who.oid,
        patient_id,
        who.level,
        {"name": who.display_name, "snils": who.snils, "roles": " ".join(who.roles), "region": who.region},
    ).with_organizations(who.memberships, org_oid).with_login(who.acr, who.acr_at, who.thumbprint)


def resolve(db: Session, token: str, *, now: dt.datetime, policy: SessionPolicy) -> Resolved:
    """The person of this cookie's session, touching it (idle timer restarts), or why there is none."""
    if not token:
        return Unknown()
    id_hash = sealing.token_hash(token)
    row = repository.session_by_hash(db, id_hash)
    if row is None:
        return Unknown()
    if row.ended_at is not None:
        return Expired(row.end_reason or "logout")
    # an expired row is left as it is (the request that finds it fails and rolls back): it stays
    # expired by its times, and is purged with the others
    if now >= row.expires_at:
        return Expired("lifetime")
    if now - row.last_seen_at >= policy.idle:
        return Expired("idle")
    try:
        person = sealing.open_person(token, row.person_sealed)
    except sealing.UnreadableSessionDataError:
        return Unknown()
    row.last_seen_at = now
    return Active(
        _person(token, id_hash, row.oid, row.patient_id, row.level, person)
        .with_organizations(_load(row.memberships), row.org_oid)
        .with_login(row.acr, row.acr_at, row.thumbprint)
    )


def raise_login(
    db: Session,
    session_hash: str,
    *,
    oid: str,
    acr: str | None,
    acr_at: dt.datetime | None,
    thumbprint: str | None,
) -> bool:
    """After a signature step-up (docs/worker-forms.md): the open session ``session_hash`` of the
    same person takes the new login's level; False when the session ended or is someone else's."""
    row = repository.session_by_hash(db, session_hash)
    if row is None or row.ended_at is not None or row.oid != oid:
        return False
    row.acr, row.acr_at, row.thumbprint = acr, acr_at, thumbprint
    return True


def choose_organization(db: Session, person: CabinetPerson, org_oid: str) -> bool:
    """The worker acts for ``org_oid`` from now on (kept in the session row); False when it is not
    one of their organisations (nothing changes)."""
    if not any(m.oid == org_oid for m in person.memberships):
        return False
    row = repository.session_by_hash(db, person.session_id)
    if row is None or row.ended_at is not None:
        return False
    row.org_oid = org_oid
    return True


def _dump(memberships: tuple[Membership, ...]) -> str | None:
    return json.dumps([asdict(m) for m in memberships], ensure_ascii=False) if memberships else None


def _load(stored: str | None) -> tuple[Membership, ...]:
    if not stored:
        return ()
    return tuple(Membership(**item) for item in json.loads(stored))


def end_session(db: Session, token: str, *, now: dt.datetime, reason: EndReason = "logout") -> bool:
    """End this cookie's session; False when there was none open."""
    row = repository.session_by_hash(db, sealing.token_hash(token)) if token else None
    if row is None or row.ended_at is not None:
        return False
    _end(row, now, reason)
    return True


def end_idp_session(db: Session, *, idp_sid: str | None, oid: str | None, now: dt.datetime) -> int:
    """End the sessions a back-channel logout names: by the idp session when ``sid`` is given (only
    that one browser), else every session of the subject (OIDC Back-Channel Logout 1.0 §2.4)."""
    if idp_sid:
        return repository.end_sessions(db, now=now, reason="backchannel", idp_sid=idp_sid)
    return repository.end_sessions(db, now=now, reason="backchannel", oid=oid)


def _end(row: CabinetSession, now: dt.datetime, reason: str) -> None:
    row.ended_at = now
    row.end_reason = reason


def _person(
    token: str, id_hash: str, oid: str, patient_id: str | None, level: str, data: dict[str, str | None]
) -> CabinetPerson:
    return CabinetPerson(
        session_id=id_hash,
        oid=oid,
        patient_id=patient_id,
        snils=data.get("snils"),
        display_name=data.get("name") or "",
        level=level,
        csrf_token=sealing.csrf_token(token),
        granted_roles=tuple((data.get("roles") or "").split()),
        region=data.get("region"),
    )
