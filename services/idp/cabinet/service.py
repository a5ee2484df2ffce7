"""The personal cabinet's rules: what a person sees of themselves and what they may end or revoke.

Every function takes the account the session belongs to and refuses anything that is not that
account's (a session id or client id of someone else answers exactly like a missing one: no IDOR).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import levels
from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher
from idp.accounts.service import format_snils
from idp.audit import service as audit
from idp.audit.models import SecurityEvent
from idp.clients import service as clients_service
from idp.consents import service as consents_service
from idp.sessions import service as sessions_service
from idp.sessions.backchannel import LogoutDelivery
from idp.sessions.devices import device_label
from idp.tokens import service as tokens_service
from shared.errors import NotFoundError


class NothingToEndError(NotFoundError):
    code = "not_found"
    title = "Not found"


def _mask(value: str, keep: int = 2) -> str:
    return "•" * max(0, len(value) - keep) + value[-keep:]


def my_data(account: Account, cipher: FieldCipher) -> dict[str, Any]:
    def open_(sealed: str | None, field: str) -> str | None:
        return cipher.open(sealed, field) if sealed else None

    snils = open_(account.snils_encrypted, "snils")
    series = open_(account.passport_series_encrypted, "passport_series")
    number = open_(account.passport_number_encrypted, "passport_number")
    return {
        "last_name": account.last_name,
        "first_name": account.first_name,
        "middle_name": account.middle_name,
        "birth_date": account.birth_date,
        "snils": format_snils(snils) if snils else None,
        "passport": f"{series} {_mask(number or '', 2)}" if series else None,
        "inn": _mask(open_(account.inn_encrypted, "inn") or "", 3) or None,
        "phone": account.phone,
        "phone_verified": account.phone_verified,
        "email": account.email,
        "email_verified": account.email_verified,
        "level": account.level,
        "next_step": levels.next_step(account),
        "registry_status": account.registry_status,
        "registry_reason": account.registry_reason,
        # the registry was unavailable: the page offers «Проверить ещё раз» (POST /account/registry-check)
        "registry_retry": account.registry_status == "pending" and account.registry_reason == "unavailable",
    }


@dataclass(frozen=True)
class SessionView:
    id: int
    current: bool
    ip: str | None
    user_agent: str | None  # the raw string, for a title attribute
    device: str  # «Chrome 126, Windows», what the page shows
    created_at: Any
    last_seen_at: Any


def my_sessions(
    session: Session, account_id: int, current_sid: str | None, locale: str = "ru"
) -> list[SessionView]:
    rows = sorted(
        sessions_service.active_sessions(session, account_id), key=lambda r: r.last_seen_at, reverse=True
    )
    return [
        SessionView(
            r.id,
            r.sid == current_sid,
            r.ip,
            r.user_agent,
            device_label(r.user_agent, locale),
            r.created_at,
            r.last_seen_at,
        )
        for r in rows
    ]


def end_my_session(
    session: Session,
    account: Account,
    session_id: int,
    on_commit: Callable[[list[LogoutDelivery]], object] | None,
    *,
    ip: str | None = None,
) -> None:
    for row in sessions_service.active_sessions(session, account.id):
        if row.id == session_id:
            sessions_service.end_session(
                session, row, "ended_by_owner", subject=account.sub, on_commit=on_commit
            )
            audit.record_event(
                session,
                event_type="session_ended",
                result="success",
                actor=f"account:{account.id}",
                account_id=account.id,
                ip=ip,
                details={"session_id": session_id, "by": "owner"},
            )
            return
    raise NothingToEndError("No such session.")


@dataclass(frozen=True)
class GrantView:
    client_id: str
    client_name: str
    scopes: list[str]
    granted_at: Any


def my_grants(session: Session, account_id: int) -> list[GrantView]:
    views = []
    for consent in consents_service.grants_of(session, account_id):
        client = clients_service.find_client(session, consent.client_id)
        views.append(
            GrantView(
                consent.client_id,
                client.name if client else consent.client_id,
                consent.scopes,
                consent.granted_at,
            )
        )
    return views


def revoke_my_grant(
    session: Session,
    account: Account,
    client_id: str,
    on_commit: Callable[[list[LogoutDelivery]], object] | None,
    *,
    ip: str | None = None,
) -> None:
    """R-CON-2: revoking ends the client's tokens and tells it by back-channel logout."""
    if consents_service.revoke(session, account.id, client_id) is None:
        raise NothingToEndError("No such grant.")
    tokens_service.revoke_client_tokens(session, account.id, client_id)
    audit.record_event(
        session,
        event_type="grant_revoked",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=ip,
        details={"client_id": client_id},
    )
    sessions_service.log_client_out(session, account.id, client_id, account.sub, on_commit)


def my_events(session: Session, account_id: int) -> list[SecurityEvent]:
    """«Журнал событий»: the account's latest security-log entries (R-SEC-1)."""
    return list(audit.events_for_account(session, account_id, limit=100))
