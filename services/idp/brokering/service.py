"""«Войти через банк» (issue 15 item 3, docs/bank-id.md): the idp as a relying party of a bank.

``start``: a login record (state, nonce, PKCE verifier, bound to this browser) and the bank's
authorization URL. ``callback``, in this order, each failure a ``login_failed`` event with
``method: bank`` and one :class:`Refusal`:

1. the state names a login of this browser, not expired, still at the bank — then spent;
2. the bank's ``error=`` (RFC 6749 §4.1.2.1) and, when sent, ``iss`` (RFC 9207) are read;
3. the code is exchanged with the PKCE verifier (RFC 7636); the ID token is verified against the
   bank's JWKS (signature, ``iss``, ``aud``, ``exp``, ``nonce``: OIDC Core §3.1.3.7); userinfo
   claims join them when the bank has the endpoint (same ``sub``);
4. the account: the one already linked to (bank, sub) → straight in; else the account whose SNILS
   is the bank's *verified* SNILS → linked and in; else the account whose confirmed phone is the
   bank's verified phone → :class:`ConfirmPhone` (the person proves the account with its password
   before anything is linked); else :class:`Register` (a form prefilled from the bank's claims).

A bank-verified SNILS or phone that is the account's own counts towards its level (the registry
check passed, the phone confirmed: at least *standard*, seed 001 §2.2.2 «данные банковского
счета, подтвержденные банком»), in the security log with the bank's name. Nothing is linked
until the step that links it succeeds: no half-linked account.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.brokering import client, context, repository
from idp.brokering.client import BankRefusedError, BankUnavailableError, IdTokenError
from idp.brokering.context import (
    SEALED_FIELD,
    BankContext,
    CallbackOutcome,
    ConfirmPhone,
    Redirect,
    Refusal,
    Register,
    browser_key,
    callback_uri,
    find_bank,
    live_login,
    refused,
)
from idp.brokering.identity import BankIdentity, read_identity
from idp.brokering.linking import link, log_unverified, sign_in
from idp.brokering.models import BankLogin
from idp.login.flow import Client
from idp.sessions.models import UserSession
from idp.settings import BankProvider, IdpSettings
from shared.db import read_only


def start(
    bctx: BankContext,
    session: Session,
    *,
    bank_id: str,
    csrf_cookie: str,
    interaction: str | None,
    next_path: str | None,
    who: Client,
) -> Redirect | Refusal:
    """Leave for the bank: the bank's discovery document (bank down → refused), a login record,
    the authorization URL."""
    bank = find_bank(bctx, session, bank_id)
    if bank is None:
        return Refusal("unknown_bank")
    try:
        discovery = bctx.directory.discovery(bank)
    except BankUnavailableError:
        return refused(session, who, "bank_unavailable", bank)
    now = bctx.login.clock()
    repository.purge_expired(session, now)
    login = repository.add_login(
        session,
        BankLogin(
            state=secrets.token_urlsafe(32),
            bank=bank.id,
            browser=browser_key(bctx, csrf_cookie),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            interaction_handle=interaction,
            next_path=next_path,
            stage="started",
            created_at=now,
            expires_at=now + dt.timedelta(seconds=bctx.login.settings.bank_login_ttl),
        ),
    )
    url = client.authorization_url(
        bank,
        discovery,
        redirect_uri=callback_uri(bctx),
        state=login.state,
        nonce=login.nonce,
        code_verifier=login.code_verifier,
    )
    return Redirect(url, bank)


@dataclass(frozen=True)
class _Leg:
    """What the callback needs of a login, read before the bank is called (no transaction open
    while the bank answers: a slow bank must not hold the database's write lock)."""

    id: int
    bank: str
    nonce: str
    code_verifier: str


def callback(
    bctx: BankContext,
    session: Session,
    *,
    params: dict[str, str],
    csrf_cookie: str | None,
    who: Client,
    current: UserSession | None,
    device_cookie: str | None,
    on_commit: Any,
) -> CallbackOutcome:
    """Steps 1-4 of the module docstring."""
    with read_only(session):
        found = live_login(bctx, session, params.get("state", ""), csrf_cookie)
        leg = (
            _Leg(found.id, found.bank, found.nonce, found.code_verifier)
            if found is not None and found.stage == "started"
            else None
        )
    if leg is None:
        return refused(session, who, "state_mismatch", None)
    bank = find_bank(bctx, session, leg.bank)
    refusal: str | None = None
    claims: dict[str, Any] = {}
    if bank is None:
        refusal = "unknown_bank"
    elif error := params.get("error"):
        refusal = "bank_denied" if error in ("access_denied", "login_required") else "bank_error"
    elif "iss" in params and params["iss"] != bank.issuer:
        refusal = "issuer_mismatch"  # RFC 9207 §2.4: a mix-up attack
    elif not params.get("code"):
        refusal = "bank_error"
    else:
        try:
            claims = _verified_claims(bctx, bank, leg, params["code"])
        except BankUnavailableError:
            refusal = "bank_unavailable"
        except BankRefusedError:
            refusal = "bank_error"
        except IdTokenError as exc:
            refusal = "nonce_mismatch" if exc.reason == "nonce" else "id_token_invalid"
    # single use: whatever the bank said, only one request moves this login on
    if not repository.move_stage(session, leg.id, from_stage="started", to_stage="refused"):
        return refused(session, who, "state_mismatch", bank)
    if refusal is not None or bank is None:
        return refused(session, who, refusal or "unknown_bank", bank)
    login = repository.login_by_state(session, params["state"])
    assert login is not None
    identity = read_identity(bank, claims)
    return _after_bank(bctx, session, login, bank, identity, who, current, device_cookie, on_commit)


def _verified_claims(bctx: BankContext, bank: BankProvider, leg: _Leg, code: str) -> dict[str, Any]:
    settings = bctx.login.settings
    discovery = bctx.directory.discovery(bank)
    token = client.exchange_code(
        bank,
        discovery,
        redirect_uri=callback_uri(bctx),
        code=code,
        code_verifier=leg.code_verifier,
        timeout=settings.bank_timeout,
    )
    now = bctx.login.clock().timestamp()

    def verify(keys: Any) -> dict[str, Any]:
        return client.verify_id_token(
            token["id_token"], keys, issuer=bank.issuer, client_id=bank.client_id, nonce=leg.nonce, now=now
        )

    try:
        claims = verify(bctx.directory.jwks(bank, discovery))
    except IdTokenError as exc:
        if exc.reason != "signature":
            raise
        # the bank may have rotated its keys since we cached them: fetch once more
        claims = verify(bctx.directory.jwks(bank, discovery, refresh=True))
    extra = client.userinfo(
        discovery, token.get("access_token"), subject=claims["sub"], timeout=settings.bank_timeout
    )
    return {**extra, **claims}


def _after_bank(
    bctx: BankContext,
    session: Session,
    login: BankLogin,
    bank: BankProvider,
    identity: BankIdentity,
    who: Client,
    current: UserSession | None,
    device_cookie: str | None,
    on_commit: Any,
) -> CallbackOutcome:
    cipher = bctx.login.field_cipher
    existing = repository.link_for(session, bank.id, identity.subject)
    if existing is not None:
        account = accounts_service.get_account(session, existing.account_id)
        assert account is not None  # the link goes with its account (ON DELETE CASCADE)
        existing.last_used_at = bctx.login.clock()
        login.stage = "done"
        return sign_in(bctx, session, login, bank, identity, account, who, current, device_cookie, on_commit)
    if identity.snils is not None and not identity.snils_verified:
        # the issue's «unverified SNILS»: never a link by it; logged, then the other paths
        log_unverified(session, who, bank)
    if identity.snils_verified and identity.snils is not None:
        account = accounts_service.find_by_snils(session, cipher, identity.snils)
        if account is not None:
            if repository.link_of_account(session, account.id, bank.id) is not None:
                # the account is linked to another person at this bank: never relinked silently
                return refused(session, who, "linked_elsewhere", bank, account)
            link(bctx, session, account, bank, identity, "snils", who)
            login.stage = "done"
            return sign_in(
                bctx, session, login, bank, identity, account, who, current, device_cookie, on_commit
            )
    login.identity_encrypted = cipher.seal(json.dumps(identity.as_dict()), SEALED_FIELD)
    if identity.phone_verified and identity.phone is not None:
        account = accounts_service.find_by_login(session, cipher, identity.phone)
        if (
            account is not None
            and account.phone == identity.phone
            and account.phone_verified
            and repository.link_of_account(session, account.id, bank.id) is None
        ):
            login.stage = "phone"
            login.account_id = account.id
            return ConfirmPhone(login.state)
    login.stage = "register"
    return Register(login.state)


def offered(settings: IdpSettings, session: Session) -> bool:
    """Whether the login page offers «Войти через банк» at all (any bank configured)."""
    return context.offered(settings, session)
