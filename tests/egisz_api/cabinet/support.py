"""Opening a cabinet session in tests without an idp.

    from tests.egisz_api.cabinet.support import log_in
    log_in(client, app, patient_id=pid, snils="112-233-445 95")
    assert client.get("/cabinet").status_code == 200

``log_in`` goes through the cabinet's own session service (the same row, sealing and cookie a real
login through the idp makes) and sets the session cookie on a Starlette ``TestClient`` or an httpx
client (sync or async: only its cookie jar is touched). It returns the :class:`CabinetPerson`, whose
``csrf_token`` the cabinet's forms must post back.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from egisz_api.cabinet import service
from egisz_api.cabinet.dependencies import COOKIE, session_policy
from egisz_api.cabinet.schemas import CabinetPerson, LoggedInPerson, Membership

DEFAULT_OID = "1000000001"
DEFAULT_NAME = "Иванов Иван Иванович"


def open_session(
    app: FastAPI,
    *,
    patient_id: str | None,
    snils: str | None,
    level: str = "confirmed",
    oid: str = DEFAULT_OID,
    name: str = DEFAULT_NAME,
    idp_sid: str | None = None,
    memberships: tuple[Membership, ...] = (),
    org_oid: str | None = None,
) -> tuple[str, CabinetPerson]:
    """A session row in the app's database: (cookie token, person); a medical worker's with
    ``memberships`` (and ``org_oid`` chosen, for a worker of several)."""
    factory = app.state.session_factory
    with factory() as db:
        token, person = service.open_session(
            db,
            LoggedInPerson(
                oid=oid, idp_sid=idp_sid, snils=snils, display_name=name, level=level, memberships=memberships
            ),
            patient_id=patient_id,
            now=app.state.clock(),
            policy=session_policy(app.state.settings),
        )
        if org_oid is not None:
            assert service.choose_organization(db, person, org_oid)
        db.commit()
    return token, person


def log_in(
    client: Any,
    app: FastAPI,
    *,
    patient_id: str | None,
    snils: str | None,
    level: str = "confirmed",
    oid: str = DEFAULT_OID,
    name: str = DEFAULT_NAME,
    idp_sid: str | None = None,
) -> CabinetPerson:
    """Open a session (as :func:`open_session`) and put its cookie into ``client``'s jar."""
    token, person = open_session(
        app, patient_id=patient_id, snils=snils, level=level, oid=oid, name=name, idp_sid=idp_sid
    )
    client.cookies.set(COOKIE, token)
    return person
