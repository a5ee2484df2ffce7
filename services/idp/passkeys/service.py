"""Passkeys: the challenges, registration in the cabinet, the list (rename, remove, the
passwordless choice) and the check of a login assertion. The login itself (the session) is
``signin``'s; the WebAuthn checks are ``relying_party``'s.

A challenge (``issue_challenge`` / ``spend_challenge``) is random (32 bytes), single use (one
conditional UPDATE), expires after ``passkey_challenge_ttl`` and is bound to the browser (a hash
of its CSRF cookie), to its purpose and — for a second factor — to the pending login.

An assertion (``check_assertion``), in order: the challenge spent; the response parsed; the
credential known; for a second factor the pending login's own, for a passwordless login one whose
account chose it and whose user handle matches; the WebAuthn checks; then the counter: when the
stored or the new counter is non-zero, the new one must be greater (WebAuthn §6.1.1), otherwise
the authenticator was cloned — refused, logged as ``passkey_clone_suspected`` and the owner warned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.audit import service as audit
from idp.login.flow import Client, LoginContext
from idp.notifications import delivery
from idp.passkeys import relying_party, repository
from idp.passkeys.models import Passkey, PasskeyAccount, PasskeyChallenge
from idp.sessions.models import UserSession
from idp.settings import IdpSettings

NAME_MAX = 64


@dataclass(frozen=True)
class Refusal:
    """Why nothing happened: a key of the pages' texts (``passkey_err_<reason>``)."""

    reason: str


@dataclass(frozen=True)
class Options:
    """What the page's script hands to ``navigator.credentials``: the challenge's handle (sent
    back with the response) and the options as WebAuthn JSON."""

    challenge: str
    public_key: dict[str, Any]


@dataclass(frozen=True)
class PasskeyView:
    id: int
    name: str
    synced: bool
    created_at: dt.datetime
    last_used_at: dt.datetime | None


@dataclass(frozen=True)
class Asserted:
    """A verified assertion: the account, the passkey and the assurance method name."""

    account_id: int
    passkey_id: int
    method: str


@lru_cache(maxsize=8)
def _rp(issuer: str, name: str, attestation: str, roots: str | None, aaguids: tuple[str, ...]) -> Any:
    return relying_party.relying_party(
        issuer, name, attestation=attestation, roots_file=roots, trusted_aaguids=aaguids
    )


def rp_of(settings: IdpSettings) -> relying_party.RelyingParty:
    rp: relying_party.RelyingParty = _rp(
        settings.issuer,
        settings.passkey_rp_name,
        settings.passkey_attestation,
        settings.passkey_attestation_roots,
        tuple(settings.passkey_trusted_aaguids),
    )
    return rp


def _browser_hash(csrf_cookie: str) -> str:
    return hashlib.sha256(csrf_cookie.encode("utf-8", "surrogateescape")).hexdigest()


def issue_challenge(
    ctx: LoginContext,
    session: Session,
    *,
    purpose: str,
    csrf_cookie: str,
    account_id: int | None = None,
    pending_handle: str | None = None,
) -> tuple[str, bytes]:
    now = ctx.clock()
    repository.purge_challenges(session, now - dt.timedelta(hours=1))
    value = secrets.token_bytes(32)
    row = PasskeyChallenge(
        handle=secrets.token_urlsafe(24),
        purpose=purpose,
        challenge=bytes_to_base64url(value),
        browser_hash=_browser_hash(csrf_cookie),
        account_id=account_id,
        pending_handle=pending_handle,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ctx.settings.passkey_challenge_ttl),
    )
    repository.add(session, row)
    return row.handle, value


def spend_challenge(
    ctx: LoginContext, session: Session, handle: str, *, purpose: str, csrf_cookie: str | None
) -> PasskeyChallenge | Refusal:
    """The challenge, spent now; ``challenge_used`` when unknown, spent, another browser's or for
    another purpose; ``challenge_expired`` when late."""
    now = ctx.clock()
    if not handle or len(handle) > 64 or not csrf_cookie:
        return Refusal("challenge_used")
    row = repository.challenge(session, handle)
    if row is None or row.purpose != purpose:
        return Refusal("challenge_used")
    if not secrets.compare_digest(row.browser_hash, _browser_hash(csrf_cookie)):
        return Refusal("challenge_used")
    if not repository.spend_challenge(session, handle, now):
        return Refusal("challenge_used")
    if row.expires_at <= now:
        return Refusal("challenge_expired")
    return row


def _passkey_account(session: Session, account_id: int) -> PasskeyAccount:
    row = repository.passkey_account(session, account_id)
    if row is None:
        row = PasskeyAccount(
            account_id=account_id, user_handle=bytes_to_base64url(secrets.token_bytes(32)), passwordless=False
        )
        repository.add(session, row)
    return row


def has_passkeys(session: Session, account_id: int) -> bool:
    return repository.count_of(session, account_id) > 0


def passwordless_on(session: Session, account_id: int) -> bool:
    row = repository.passkey_account(session, account_id)
    return bool(row and row.passwordless)


def fresh_login(ctx: LoginContext, browser_session: UserSession) -> bool:
    """Registering a passkey adds a way in: the login behind the session must be recent."""
    age = ctx.clock() - browser_session.auth_time
    return age <= dt.timedelta(seconds=ctx.settings.passkey_fresh_login_seconds)


def registration_options(
    ctx: LoginContext, session: Session, account: Account, browser_session: UserSession, csrf_cookie: str
) -> Options | Refusal:
    if not fresh_login(ctx, browser_session):
        return Refusal("fresh_login_required")
    holder = _passkey_account(session, account.id)
    handle, challenge = issue_challenge(
        ctx, session, purpose="register", csrf_cookie=csrf_cookie, account_id=account.id
    )
    label = account.email or account.phone or str(account.oid)
    options = relying_party.creation_options(
        rp_of(ctx.settings),
        challenge=challenge,
        user_handle=base64url_to_bytes(holder.user_handle),
        user_name=label,
        display_name=f"{account.first_name} {account.last_name}".strip() or label,
        exclude=[(p.credential_id, list(p.transports)) for p in repository.passkeys_of(session, account.id)],
        timeout_ms=ctx.settings.passkey_challenge_ttl * 1000,
    )
    return Options(handle, options)


def _log(
    session: Session, event: str, account_id: int | None, who: Client, result: str = "success", **details: Any
) -> None:
    audit.record_event(
        session,
        event_type=event,
        result=result,
        actor=f"account:{account_id}" if account_id is not None else "anonymous",
        account_id=account_id,
        ip=who.ip,
        user_agent=who.user_agent,
        details=details,
    )


def register(
    ctx: LoginContext,
    session: Session,
    account: Account,
    browser_session: UserSession,
    *,
    challenge_handle: str,
    csrf_cookie: str | None,
    response: str,
    name: str,
    who: Client,
) -> PasskeyView | Refusal:
    """Store the credential a registration response creates (WebAuthn §7.1)."""
    if not fresh_login(ctx, browser_session):
        return Refusal("fresh_login_required")
    spent = spend_challenge(ctx, session, challenge_handle, purpose="register", csrf_cookie=csrf_cookie)
    if isinstance(spent, Refusal) or spent.account_id != account.id:
        reason = spent.reason if isinstance(spent, Refusal) else "challenge_used"
        _log(session, "passkey_refused", account.id, who, "failure", reason=reason)
        return Refusal(reason)
    try:
        new = relying_party.verify_registration(
            rp_of(ctx.settings), response, challenge=base64url_to_bytes(spent.challenge)
        )
    except relying_party.RejectedError as exc:
        _log(session, "passkey_refused", account.id, who, "failure", reason=exc.reason)
        return Refusal(exc.reason)
    if repository.by_credential_id(session, new.credential_id) is not None:
        _log(session, "passkey_refused", account.id, who, "failure", reason="already_registered")
        return Refusal("already_registered")
    now = ctx.clock()
    row = Passkey(
        account_id=account.id,
        credential_id=new.credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        transports=new.transports,
        backup_eligible=new.backup_eligible,
        backed_up=new.backed_up,
        aaguid=new.aaguid,
        attestation_format=new.attestation_format,
        name=(name.strip() or _default_name(new))[:NAME_MAX],
        created_at=now,
    )
    repository.add(session, row)
    _log(
        session,
        "passkey_registered",
        account.id,
        who,
        passkey_id=row.id,
        aaguid=row.aaguid,
        synced=row.backup_eligible,
    )
    return _view(row)


def _default_name(new: relying_party.NewCredential) -> str:
    return "Passkey" if new.backup_eligible else "Security key"


def _view(row: Passkey) -> PasskeyView:
    return PasskeyView(row.id, row.name, row.backup_eligible, row.created_at, row.last_used_at)


def my_passkeys(session: Session, account_id: int) -> list[PasskeyView]:
    return [_view(p) for p in repository.passkeys_of(session, account_id)]


def rename(session: Session, account: Account, passkey_id: int, name: str, who: Client) -> Refusal | None:
    row = repository.passkey_of(session, account.id, passkey_id)
    if row is None:
        return Refusal("not_found")
    clean = name.strip()
    if not clean or len(clean) > NAME_MAX:
        return Refusal("bad_name")
    row.name = clean
    _log(session, "passkey_renamed", account.id, who, passkey_id=row.id)
    return None


def remove(
    session: Session, account: Account, passkey_id: int, who: Client, *, leaves_a_way_in: Callable[[], bool]
) -> Refusal | None:
    """Remove one of the person's own passkeys, unless it is their last way in (``leaves_a_way_in``:
    the cabinet's list of methods answers). Removing the last passkey turns the passwordless
    choice off (nothing would be left to use it with)."""
    row = repository.passkey_of(session, account.id, passkey_id)
    if row is None:
        return Refusal("not_found")
    if passwordless_on(session, account.id) and not leaves_a_way_in():
        return Refusal("last_way_in")
    repository.remove(session, row)
    if repository.count_of(session, account.id) == 0:
        holder = repository.passkey_account(session, account.id)
        if holder is not None:
            holder.passwordless = False
    _log(session, "passkey_removed", account.id, who, passkey_id=passkey_id)
    return None


def set_passwordless(session: Session, account: Account, on: bool, who: Client) -> Refusal | None:
    if on and not has_passkeys(session, account.id):
        return Refusal("no_passkeys")
    holder = _passkey_account(session, account.id)
    holder.passwordless = on
    _log(session, "second_factor_changed", account.id, who, passkey_only=on)
    return None


def login_options(
    ctx: LoginContext,
    session: Session,
    *,
    csrf_cookie: str,
    account_id: int | None = None,
    pending_handle: str | None = None,
) -> Options:
    """Request options: for a second factor (``account_id``, ``pending_handle``) the account's
    credentials; passwordless: none listed (a discoverable credential, the browser lets the
    person choose)."""
    purpose = "second_factor" if pending_handle else "passwordless"
    handle, challenge = issue_challenge(
        ctx,
        session,
        purpose=purpose,
        csrf_cookie=csrf_cookie,
        account_id=account_id,
        pending_handle=pending_handle,
    )
    allow = (
        [(p.credential_id, list(p.transports)) for p in repository.passkeys_of(session, account_id)]
        if account_id is not None
        else []
    )
    options = relying_party.request_options(
        rp_of(ctx.settings),
        challenge=challenge,
        allow=allow,
        timeout_ms=ctx.settings.passkey_challenge_ttl * 1000,
    )
    return Options(handle, options)


def check_assertion(
    ctx: LoginContext,
    session: Session,
    *,
    challenge_handle: str,
    csrf_cookie: str | None,
    response: str,
    pending_handle: str | None,
    who: Client,
) -> Asserted | Refusal:
    """The module docstring's order; every refusal is a ``login_failed`` event (method passkey)."""
    purpose = "second_factor" if pending_handle else "passwordless"
    spent = spend_challenge(ctx, session, challenge_handle, purpose=purpose, csrf_cookie=csrf_cookie)
    if isinstance(spent, Refusal):
        return _failed(session, who, spent.reason, None)
    if pending_handle and spent.pending_handle != pending_handle:
        return _failed(session, who, "challenge_used", spent.account_id)
    try:
        assertion = relying_party.parse_assertion(response)
    except relying_party.RejectedError as exc:
        return _failed(session, who, exc.reason, spent.account_id)
    row = repository.by_credential_id(session, assertion.credential_id)
    if row is None:
        return _failed(session, who, "unknown_credential", spent.account_id)
    if spent.account_id is not None and row.account_id != spent.account_id:
        # another person's passkey offered for this login's second factor
        return _failed(session, who, "foreign_credential", spent.account_id, passkey_id=row.id)
    if spent.account_id is None:
        holder = repository.passkey_account(session, row.account_id)
        if holder is None or assertion.user_handle != holder.user_handle:
            return _failed(session, who, "foreign_credential", row.account_id, passkey_id=row.id)
        if not holder.passwordless:
            return _failed(session, who, "passwordless_off", row.account_id, passkey_id=row.id)
    try:
        verified = relying_party.verify_assertion(
            rp_of(ctx.settings),
            assertion,
            challenge=base64url_to_bytes(spent.challenge),
            public_key=row.public_key,
        )
    except relying_party.RejectedError as exc:
        return _failed(session, who, exc.reason, row.account_id, passkey_id=row.id)
    stored = row.sign_count
    regressed = (stored or verified.sign_count) and verified.sign_count <= stored
    if regressed or not repository.update_counter(
        session, row.id, seen=stored, new=verified.sign_count, backed_up=verified.backed_up, now=ctx.clock()
    ):
        return _cloned(ctx, session, row, who, stored, verified.sign_count)
    kind = "swk" if row.backup_eligible else "hwk"
    method = f"passkey_{kind}" if purpose == "second_factor" else f"passwordless_{kind}"
    return Asserted(row.account_id, row.id, method)


def _failed(session: Session, who: Client, reason: str, account_id: int | None, **extra: Any) -> Refusal:
    _log(session, "login_failed", account_id, who, "failure", method="passkey", reason=reason, **extra)
    return Refusal(reason)


def _cloned(
    ctx: LoginContext, session: Session, row: Passkey, who: Client, stored: int, seen: int
) -> Refusal:
    """WebAuthn §6.1.1: a counter that did not grow means two copies of the key exist."""
    _log(
        session,
        "passkey_clone_suspected",
        row.account_id,
        who,
        "failure",
        passkey_id=row.id,
        stored_count=stored,
        seen_count=seen,
    )
    refusal = _failed(session, who, "cloned", row.account_id, passkey_id=row.id)
    account = accounts_service.get_account(session, row.account_id)
    if account is not None:
        delivery.alert_after_commit(
            ctx.notices,
            session,
            account,
            kind="passkey_cloned",
            ip=who.ip,
            at=ctx.clock(),
            idempotency_key=f"passkey-cloned:{row.id}:{seen}",
        )
    return refusal
