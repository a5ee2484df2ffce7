"""Session rules: idle timeout (R-LOG-8), absolute timeout, ending a session."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.clients import service as clients_service
from idp.sessions import outbox, repository
from idp.sessions.backchannel import LogoutDelivery
from idp.sessions.models import UserSession
from idp.tokens import service as tokens_service
from shared.db import after_commit, utcnow


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: dt.timedelta
    absolute_timeout: dt.timedelta


def hash_cookie(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start_session(
    session: Session,
    policy: SessionPolicy,
    *,
    account_id: int,
    acr: str,
    amr: list[str],
    ip: str | None,
    user_agent: str | None,
    cert_thumbprint: str | None = None,
) -> tuple[UserSession, str]:
    """A new session and the cookie value that names it (shown once, stored hashed)."""
    now = utcnow()
    cookie = secrets.token_urlsafe(32)
    row = UserSession(
        cookie_hash=hash_cookie(cookie),
        sid=secrets.token_urlsafe(16),
        account_id=account_id,
        auth_time=now,
        acr=acr,
        amr=list(amr),
        cert_thumbprint=cert_thumbprint,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute_timeout,
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
    )
    return repository.add(session, row), cookie


def reauthenticate(row: UserSession, *, acr: str, amr: list[str], cert_thumbprint: str | None = None) -> str:
    """The same person logged in again (prompt=login, max_age): fresh auth_time, same sid, new
    cookie; the certificate is the new login's (a password login after a signature forgets it)."""
    now = utcnow()
    cookie = secrets.token_urlsafe(32)
    row.cookie_hash = hash_cookie(cookie)
    row.auth_time = now
    row.last_seen_at = now
    row.acr = acr
    row.amr = list(amr)
    row.cert_thumbprint = cert_thumbprint
    return cookie


@dataclass(frozen=True)
class SessionLookup:
    session: UserSession | None
    #: "expired" when the cookie named a session that timed out (the page says «Сессия истекла»)
    problem: str | None = None


def resolve_session(
    session: Session, policy: SessionPolicy, cookie: str | None, *, touch: bool = True
) -> SessionLookup:
    """The live session named by the cookie. Timed-out sessions are ended here."""
    if not cookie:
        return SessionLookup(None)
    row = repository.by_cookie_hash(session, hash_cookie(cookie))
    if row is None or row.ended_at is not None:
        return SessionLookup(None, "expired" if row is not None and row.end_reason == "idle" else None)
    now = utcnow()
    if now - row.last_seen_at > policy.idle_timeout:
        mark_ended(row, "idle")
        return SessionLookup(None, "expired")
    if now >= row.expires_at:
        mark_ended(row, "absolute")
        return SessionLookup(None, "expired")
    if touch:
        row.last_seen_at = now
    return SessionLookup(row)


def mark_ended(row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason


def session_by_sid(session: Session, sid: str) -> UserSession | None:
    return repository.by_sid(session, sid)


def remember_client(session: Session, row: UserSession, client_id: str) -> None:
    repository.remember_client(session, row.id, client_id)


def clients_of(session: Session, row: UserSession) -> list[str]:
    return repository.clients_of(session, row.id)


def active_sessions(session: Session, account_id: int) -> list[UserSession]:
    return list(repository.active_for_account(session, account_id))


def _enqueue_logouts(
    session: Session, row: UserSession, client_ids: list[str], subject: str
) -> list[LogoutDelivery]:
    """Outbox rows for the clients of ``row`` that listen (OIDC Back-Channel Logout 1.0 §2.5),
    written in the caller's transaction: they commit, or vanish, with the change they report."""
    deliveries = []
    now = utcnow()
    for client_id in client_ids:
        client = clients_service.find_client(session, client_id)
        if client is not None and client.backchannel_logout_uri:
            outbox.enqueue(session, client_id=client.client_id, subject=subject, sid=row.sid, now=now)
            deliveries.append(LogoutDelivery(client.client_id, subject, row.sid))
    return deliveries


def _after_commit(
    session: Session,
    deliveries: list[LogoutDelivery],
    on_commit: Callable[[list[LogoutDelivery]], object] | None,
) -> None:
    if deliveries and on_commit is not None:
        callback = on_commit
        after_commit(session, lambda: callback(deliveries))


def end_session(
    session: Session,
    row: UserSession,
    reason: str,
    *,
    subject: str,
    on_commit: Callable[[list[LogoutDelivery]], object] | None,
) -> list[LogoutDelivery]:
    """End a session: revoke its tokens and queue a back-channel logout to each of its clients.

    ``on_commit`` (the dispatcher's ``dispatch``) is told after commit so delivery starts at once;
    without it the dispatcher finds the rows at its next poll."""
    mark_ended(row, reason)
    tokens_service.revoke_session_tokens(session, row.id)
    deliveries = _enqueue_logouts(session, row, repository.clients_of(session, row.id), subject)
    _after_commit(session, deliveries, on_commit)
    return deliveries


def end_sessions_of(
    session: Session,
    account_id: int,
    reason: str,
    *,
    subject: str,
    on_commit: Callable[[list[LogoutDelivery]], object] | None,
    keep_sid: str | None = None,
) -> int:
    """End every live session of an account (but ``keep_sid``): password change, recovery."""
    ended = 0
    for row in repository.active_for_account(session, account_id):
        if row.sid != keep_sid:
            end_session(session, row, reason, subject=subject, on_commit=on_commit)
            ended += 1
    return ended


def log_client_out(
    session: Session,
    account_id: int,
    client_id: str,
    subject: str,
    on_commit: Callable[[list[LogoutDelivery]], object] | None,
) -> list[LogoutDelivery]:
    """Queue back-channel logouts telling one client that its sessions with this person are over
    (the person revoked its access, R-CON-2)."""
    deliveries: list[LogoutDelivery] = []
    for row in repository.active_for_account(session, account_id):
        if client_id in repository.clients_of(session, row.id):
            deliveries += _enqueue_logouts(session, row, [client_id], subject)
    _after_commit(session, deliveries, on_commit)
    return deliveries


def amr_of(session: Session, cookie: str) -> list[str]:
    """The ``amr`` of the session a login just began or refreshed (empty if there is none)."""
    row = repository.by_cookie_hash(session, hash_cookie(cookie))
    return list(row.amr or []) if row is not None else []
