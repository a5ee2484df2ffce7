"""The personal cabinet's rules: what a person sees of themselves and what they may end or revoke.

Every function takes the account the session belongs to and refuses anything that is not that
account's (a session id or client id of someone else answers exactly like a missing one: no IDOR).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import levels
from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher
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
        "snils": snils,  # the page shows it as XXX-XXX-XXX YY (the snils filter)
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
class Status:
    """A status message of «Мои данные» with the way forward: ``link`` is the page that resolves
    it. ``message``, ``title`` and ``link_text`` are text keys (login/i18n.py)."""

    kind: str  # info, warning, error (the banner kinds)
    message: str
    link: str | None = None
    link_text: str | None = None
    title: str | None = None
    params: dict[str, str] = field(default_factory=dict)


def _contact_statuses(account: Account, level: str) -> list[Status]:
    out = []
    if level == "registered":
        # one message for the level: either contact lifts it; the list below links both
        kind = "phone" if account.phone else "email"
        out.append(Status("warning", "next_confirm_contact", f"/account/contacts/{kind}", f"confirm_{kind}"))
    else:
        for kind, value, verified in (
            ("phone", account.phone, account.phone_verified),
            ("email", account.email, account.email_verified),
        ):
            if value and not verified:
                out.append(
                    Status(
                        "warning",
                        f"status_{kind}_unconfirmed",
                        f"/account/contacts/{kind}",
                        f"confirm_{kind}",
                        params={"value": value},
                    )
                )
    for kind, pending in (("phone", account.pending_phone), ("email", account.pending_email)):
        if pending:
            out.append(
                Status(
                    "info",
                    f"status_{kind}_pending",
                    f"/account/contacts/{kind}",
                    "enter_the_code",
                    params={"value": pending},
                )
            )
    return out


def my_statuses(account: Account) -> list[Status]:
    """What stands between the person and the next level, each with the page that resolves it:
    contacts → their confirmation pages, the registry check → the key-data page."""
    level = levels.derived_level(account)
    out = _contact_statuses(account, level)
    if account.registry_status == "failed":
        reason = f"reason_{account.registry_reason}" if account.registry_reason else None
        out.append(Status("error", "next_fix_key_data", "/account/key-data", "fix_key_data", title=reason))
    elif account.registry_status == "pending" and account.registry_reason == "unavailable":
        # the «Проверить ещё раз» button below the data
        out.append(Status("info", "reason_unavailable", "#registry-check", "cabinet_registry_retry"))
    elif level == "simplified":
        out.append(Status("info", "next_registry_check", "/account/key-data", "enter_documents"))
    if level == "standard":
        # a КЭП naming the SNILS confirms at its login (login/signature.py); or in person
        out.append(
            Status("info", "next_confirm_identity", "/login/signature?next=/account", "confirm_by_signature")
        )
    return out


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
