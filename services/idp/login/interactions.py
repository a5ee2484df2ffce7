"""Login interactions: parking an authorization request while the person logs in or consents, and
the CSRF binding of the forms."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from idp.login import repository
from idp.login.models import Interaction
from shared.db import utcnow

#: where a parked request resumes unless its face parked it with another route
DEFAULT_RESUME_PATH = "/authorize/resume"


def park(
    session: Session,
    client_id: str,
    params: list[tuple[str, str]],
    ttl: int,
    *,
    resume_path: str | None = None,
) -> Interaction:
    """Park an authorization request; ``resume_path``: the face's route that continues it."""
    now = utcnow()
    repository.purge_expired(session)
    return repository.add(
        session,
        Interaction(
            handle=secrets.token_urlsafe(24),
            client_id=client_id,
            params=[[k, v] for k, v in params],
            resume_path=resume_path,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ttl),
        ),
    )


def find_interaction(session: Session, handle: str | None) -> Interaction | None:
    if not handle:
        return None
    row = repository.by_handle(session, handle)
    if row is None or row.expires_at <= utcnow():
        return None
    return row


def resume_url(row: Interaction, *, deny: bool = False) -> str:
    """Where the login and consent pages continue the parked request (its face's resume route)."""
    query = {"i": row.handle, **({"deny": "true"} if deny else {})}
    return f"{row.resume_path or DEFAULT_RESUME_PATH}?{urlencode(query)}"


def finish_interaction(session: Session, row: Interaction) -> None:
    repository.delete_interaction(session, row)


def params_of(row: Interaction) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in row.params]


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(key: str, cookie: str) -> str:
    """The form token bound to this browser's CSRF cookie (double submit, keyed)."""
    return hmac.new(key.encode(), cookie.encode(), hashlib.sha256).hexdigest()


def csrf_valid(key: str, cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted:
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters (TypeError, a 500 on
    # `csrf_token=%ff`), and a form field is whatever the browser or an attacker sends.
    return hmac.compare_digest(csrf_token(key, cookie).encode(), submitted.encode("utf-8", "surrogateescape"))
