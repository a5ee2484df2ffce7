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

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import contacts, levels, registration
from idp.accounts import service as accounts_service
from idp.accounts.contacts import AccountsContext
from idp.accounts.errors import ContactTakenError
from idp.accounts.models import Account
from idp.accounts.validation import validate_registration
from idp.audit import service as audit
from idp.brokering import admin, client, repository
from idp.brokering.client import BankDirectory, BankRefusedError, BankUnavailableError, IdTokenError
from idp.brokering.identity import BankIdentity, read_identity
from idp.brokering.models import BankLink, BankLogin
from idp.login import flow
from idp.login.flow import Client, LoginContext
from idp.notifications.errors import NotifierUnavailableError
from idp.second_factor.assurance import ACR_MFA
from idp.second_factor.errors import SecondFactorError
from idp.sessions.models import UserSession
from idp.settings import BankProvider, IdpSettings
from shared.db import read_only

CALLBACK_PATH = "/login/bank/callback"
#: the personal-data cipher's field name for a login's sealed identity
_SEALED_FIELD = "bank_identity"


@dataclass(frozen=True)
class BankContext:
    """What the bank login needs, built once in main.py."""

    login: LoginContext
    accounts: AccountsContext
    directory: BankDirectory


@dataclass(frozen=True)
class Redirect:
    url: str
    bank: BankProvider


@dataclass(frozen=True)
class Refusal:
    """Why the bank login stopped: a key of the page's messages (``bank_err_<reason>``)."""

    reason: str


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    interaction: str | None
    next_path: str | None


@dataclass(frozen=True)
class ConfirmPhone:
    """The bank's verified phone is an account's confirmed phone: its password must be given."""

    state: str


@dataclass(frozen=True)
class Register:
    """Nobody matches: the registration form, prefilled."""

    state: str


@dataclass(frozen=True)
class WrongPassword:
    """The account's password was wrong (or the account is locked until ``locked_until``)."""

    locked: bool = False
    locked_until: dt.datetime | None = None


@dataclass(frozen=True)
class FormErrors:
    errors: dict[str, str]
    status: int


@dataclass(frozen=True)
class Pending:
    """A login waiting at one of our forms after the bank answered."""

    login: BankLogin
    bank: BankProvider
    identity: BankIdentity
    account: Account | None


CallbackOutcome = SignedIn | ConfirmPhone | Register | Refusal


def banks(bctx: BankContext, session: Session) -> list[BankProvider]:
    """The banks offered: IDP_BANK_PROVIDERS, then those added through ``/admin/banks``."""
    return [*bctx.login.settings.bank_providers, *admin.stored_banks(session, bctx.login.field_cipher)]


def offered(settings: IdpSettings, session: Session) -> bool:
    """Whether the login page offers «Войти через банк» at all."""
    return bool(settings.bank_providers) or admin.any_stored(session)


def find_bank(bctx: BankContext, session: Session, bank_id: str | None) -> BankProvider | None:
    return next((b for b in banks(bctx, session) if b.id == bank_id), None)


def bank_name(bank: BankProvider, locale: str) -> str:
    return bank.name_en if locale == "en" else bank.name_ru


def browser_key(bctx: BankContext, csrf_cookie: str | None) -> str:
    key = bctx.login.settings.cookie_key.get_secret_value().encode()
    return hmac.new(key, b"bank-login:" + (csrf_cookie or "").encode(), hashlib.sha256).hexdigest()


def _callback_uri(bctx: BankContext) -> str:
    return bctx.login.settings.issuer.rstrip("/") + CALLBACK_PATH


def _refused(
    session: Session, who: Client, reason: str, bank: BankProvider | None, account: Account | None = None
) -> Refusal:
    audit.record_event(
        session,
        event_type="login_failed",
        result="failure",
        actor=f"account:{account.id}" if account is not None else "anonymous",
        account_id=account.id if account is not None else None,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"method": "bank", "bank": bank.id if bank else None, "reason": reason},
    )
    return Refusal(reason)


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
        return _refused(session, who, "bank_unavailable", bank)
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
        redirect_uri=_callback_uri(bctx),
        state=login.state,
        nonce=login.nonce,
        code_verifier=login.code_verifier,
    )
    return Redirect(url, bank)


def _live_login(bctx: BankContext, session: Session, state: str, csrf_cookie: str | None) -> BankLogin | None:
    login = repository.login_by_state(session, state) if state else None
    if login is None or login.expires_at <= bctx.login.clock():
        return None
    if not hmac.compare_digest(login.browser, browser_key(bctx, csrf_cookie)):
        return None  # a state from another browser (login CSRF, a link sent to a victim)
    return login


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
        found = _live_login(bctx, session, params.get("state", ""), csrf_cookie)
        leg = (
            _Leg(found.id, found.bank, found.nonce, found.code_verifier)
            if found is not None and found.stage == "started"
            else None
        )
    if leg is None:
        return _refused(session, who, "state_mismatch", None)
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
        return _refused(session, who, "state_mismatch", bank)
    if refusal is not None or bank is None:
        return _refused(session, who, refusal or "unknown_bank", bank)
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
        redirect_uri=_callback_uri(bctx),
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
    link = repository.link_for(session, bank.id, identity.subject)
    if link is not None:
        account = accounts_service.get_account(session, link.account_id)
        assert account is not None  # the link goes with its account (ON DELETE CASCADE)
        link.last_used_at = bctx.login.clock()
        login.stage = "done"
        return _sign_in(bctx, session, login, bank, identity, account, who, current, device_cookie, on_commit)
    if identity.snils is not None and not identity.snils_verified:
        # the issue's «unverified SNILS»: never a link by it; logged, then the other paths
        _log_unverified(session, who, bank)
    if identity.snils_verified and identity.snils is not None:
        account = accounts_service.find_by_snils(session, cipher, identity.snils)
        if account is not None:
            if repository.link_of_account(session, account.id, bank.id) is not None:
                # the account is linked to another person at this bank: never relinked silently
                return _refused(session, who, "linked_elsewhere", bank, account)
            _link(bctx, session, account, bank, identity, "snils", who)
            login.stage = "done"
            return _sign_in(
                bctx, session, login, bank, identity, account, who, current, device_cookie, on_commit
            )
    login.identity_encrypted = cipher.seal(json.dumps(identity.as_dict()), _SEALED_FIELD)
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


def _log_unverified(session: Session, who: Client, bank: BankProvider) -> None:
    audit.record_event(
        session,
        event_type="bank_identity_unverified",
        result="failure",
        actor="anonymous",
        ip=who.ip,
        user_agent=who.user_agent,
        details={"bank": bank.id, "reason": "snils_unverified"},
    )


def _link(
    bctx: BankContext,
    session: Session,
    account: Account,
    bank: BankProvider,
    identity: BankIdentity,
    linked_by: str,
    who: Client,
) -> None:
    now = bctx.login.clock()
    repository.add_link(
        session,
        BankLink(
            account_id=account.id,
            bank=bank.id,
            subject=identity.subject,
            linked_by=linked_by,
            created_at=now,
            last_used_at=now,
        ),
    )
    audit.record_event(
        session,
        event_type="bank_linked",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"bank": bank.id, "bank_name": bank.name_ru, "linked_by": linked_by},
    )
    _raise_level(bctx, session, account, bank, identity, who)


def _raise_level(
    bctx: BankContext,
    session: Session,
    account: Account,
    bank: BankProvider,
    identity: BankIdentity,
    who: Client,
) -> None:
    """What the bank verified and the account holds itself counts: the SNILS as the registry check
    passed, the phone as confirmed. The level follows (levels.derived_level)."""
    now = bctx.login.clock()
    counted = []
    if identity.snils_verified and identity.snils is not None and account.registry_status != "passed":
        owner = accounts_service.find_by_snils(session, bctx.login.field_cipher, identity.snils)
        if owner is not None and owner.id == account.id:
            account.registry_status = "passed"
            account.registry_reason = None
            account.registry_checked_at = now
            counted.append("registry")
    if identity.phone_verified and identity.phone == account.phone and not account.phone_verified:
        account.phone_verified = True
        counted.append("phone")
    change = levels.refresh_level(account)
    session.flush()
    if change is not None:
        audit.record_event(
            session,
            event_type="level_changed",
            result="success",
            actor=f"account:{account.id}",
            account_id=account.id,
            ip=who.ip,
            user_agent=who.user_agent,
            details={
                "from": change[0],
                "to": change[1],
                "by": f"bank:{bank.id}",
                "bank_name": bank.name_ru,
                "counted": counted,
            },
        )


def _sign_in(
    bctx: BankContext,
    session: Session,
    login: BankLogin,
    bank: BankProvider,
    identity: BankIdentity,
    account: Account,
    who: Client,
    current: UserSession | None,
    device_cookie: str | None,
    on_commit: Any,
) -> SignedIn:
    cookie = flow.complete_login(
        bctx.login,
        session,
        account,
        method="bank_mfa" if identity.acr == ACR_MFA else "bank",
        current=current,
        who=who,
        new_device=not flow.is_trusted(bctx.login, session, account, device_cookie),
        on_commit=on_commit,
        details={"method": "bank", "bank": bank.id, "bank_name": bank.name_ru},
    )
    return SignedIn(cookie, login.interaction_handle, login.next_path)


def pending(
    bctx: BankContext, session: Session, state: str, stage: str, csrf_cookie: str | None
) -> Pending | None:
    """A login waiting at the ``stage`` form, of this browser, not expired."""
    login = _live_login(bctx, session, state, csrf_cookie)
    if login is None or login.stage != stage or login.identity_encrypted is None:
        return None
    bank = find_bank(bctx, session, login.bank)
    if bank is None:
        return None
    sealed = bctx.login.field_cipher.open(login.identity_encrypted, _SEALED_FIELD)
    identity = BankIdentity.from_dict(json.loads(sealed))
    account = accounts_service.get_account(session, login.account_id) if login.account_id else None
    return Pending(login, bank, identity, account)


def confirm_phone(
    bctx: BankContext,
    session: Session,
    waiting: Pending,
    *,
    password: str,
    who: Client,
    current: UserSession | None,
    device_cookie: str | None,
    on_commit: Any,
) -> SignedIn | WrongPassword | Refusal:
    """The person proves the account the bank's phone matched: its password (lockout and the
    security log as at the login form), then the link and the session."""
    account = waiting.account
    if account is None:
        return _refused(session, who, "state_mismatch", waiting.bank)
    assert account.phone is not None
    check = flow.check_password(bctx.login, session, bctx.login.field_cipher, account.phone, password, who)
    if check.outcome != "ok" or check.account is None or check.account.id != account.id:
        return WrongPassword(locked=check.outcome == "locked", locked_until=check.locked_until)
    if not repository.move_stage(session, waiting.login.id, from_stage="phone", to_stage="done"):
        return _refused(session, who, "state_mismatch", waiting.bank, account)
    if repository.link_of_account(session, account.id, waiting.bank.id) is not None:
        return _refused(session, who, "linked_elsewhere", waiting.bank, account)
    _link(bctx, session, account, waiting.bank, waiting.identity, "phone", who)
    return _sign_in(
        bctx,
        session,
        waiting.login,
        waiting.bank,
        waiting.identity,
        account,
        who,
        current,
        device_cookie,
        on_commit,
    )


def locked_fields(identity: BankIdentity) -> dict[str, Any]:
    """The registration values the bank vouches for: shown prefilled and read-only, and taken from
    the bank (never from the form) when the account is created."""
    values: dict[str, Any] = {}
    if identity.snils_verified and identity.snils:
        values["snils"] = accounts_service.format_snils(identity.snils)
    if identity.phone_verified and identity.phone:
        values["phone"] = identity.phone
    return values


def prefill(identity: BankIdentity) -> dict[str, Any]:
    """The registration form's first values from the bank's claims."""
    values: dict[str, Any] = {
        "last_name": identity.last_name or "",
        "first_name": identity.first_name or "",
        "middle_name": identity.middle_name or "",
        "snils": accounts_service.format_snils(identity.snils) if identity.snils else "",
        "phone": identity.phone or "",
    }
    if identity.birth_date:
        year, month, day = identity.birth_date.split("-")
        values["birth_date"] = {"day": day, "month": month, "year": year}
    return values


def register(
    bctx: BankContext,
    session: Session,
    waiting: Pending,
    values: dict[str, Any],
    password: str,
    *,
    who: Client,
    locale: str,
    current: UserSession | None,
    on_commit: Any,
) -> SignedIn | FormErrors | Refusal:
    """The prefilled form submitted: the account (the values the bank vouches for taken from the
    bank), linked, its level from what the bank verified, and the session."""
    ctx = bctx.accounts
    data = {**values, **locked_fields(waiting.identity), "password": password}
    clean, problems = validate_registration(
        data, today=ctx.clock().date(), allow_test_domains=ctx.settings.dev_mode
    )
    if problems:
        return FormErrors({e.field: e.message(locale) for e in problems}, 422)
    if not repository.move_stage(session, waiting.login.id, from_stage="register", to_stage="done"):
        return _refused(session, who, "state_mismatch", waiting.bank)
    try:
        account = registration.register(session, ctx.field_cipher, ctx.registry, clean, now=ctx.clock())
    except ContactTakenError as exc:
        repository.move_stage(session, waiting.login.id, from_stage="done", to_stage="register")
        key = "message" if locale == "ru" else "message_en"
        return FormErrors({e["field"]: e[key] for e in exc.extra["errors"]}, 409)
    audit.record_event(
        session,
        event_type="registered",
        result="success",
        actor=f"account:{account.id}",
        account_id=account.id,
        ip=who.ip,
        details={"level": account.level, "registry_status": account.registry_status, "bank": waiting.bank.id},
    )
    _link(bctx, session, account, waiting.bank, waiting.identity, "registration", who)
    if not account.phone_verified:
        # not sent (notifier down, limits): the cabinet offers to send it again
        with contextlib.suppress(NotifierUnavailableError, SecondFactorError):
            contacts.send_phone_code(ctx, session, account, locale=locale, ip=who.ip)
    if account.email and not account.email_verified:
        contacts.send_email_link(ctx, session, account, locale=locale, ip=who.ip)
    return _sign_in(
        bctx, session, waiting.login, waiting.bank, waiting.identity, account, who, current, None, on_commit
    )
