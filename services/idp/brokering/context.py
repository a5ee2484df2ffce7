"""What the bank login's steps share: the context, the outcomes a page renders, the banks on
offer, the login record of this browser, and the refusal (a ``login_failed`` event)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.accounts.contacts import AccountsContext
from idp.accounts.models import Account
from idp.audit import service as audit
from idp.brokering import admin, repository
from idp.brokering.client import BankDirectory
from idp.brokering.identity import BankIdentity
from idp.brokering.models import BankLogin
from idp.login.flow import Client, LoginContext
from idp.settings import BankProvider, IdpSettings

CALLBACK_PATH = "/login/bank/callback"
#: the personal-data cipher's field name for a login's sealed identity
SEALED_FIELD = "bank_identity"


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


def callback_uri(bctx: BankContext) -> str:
    return bctx.login.settings.issuer.rstrip("/") + CALLBACK_PATH


def refused(
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


def live_login(bctx: BankContext, session: Session, state: str, csrf_cookie: str | None) -> BankLogin | None:
    login = repository.login_by_state(session, state) if state else None
    if login is None or login.expires_at <= bctx.login.clock():
        return None
    if not hmac.compare_digest(login.browser, browser_key(bctx, csrf_cookie)):
        return None  # a state from another browser (login CSRF, a link sent to a victim)
    return login
