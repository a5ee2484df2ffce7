"""«Мои данные» changes that wait for a code, one service per form (CONVENTIONS "One service call
per route"): the route parses the form, calls one function here and renders its outcome.

Changing key data (R-ACC-5): the proposal is validated and parked sealed
(``accounts.key_data.propose``), then a code goes to the first confirmed phone or e-mail; an
authenticator app does not confirm key data, the code must reach a contact of the person's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.accounts import key_data
from idp.accounts.contacts import AccountsContext
from idp.accounts.errors import ContactTakenError
from idp.accounts.models import Account
from idp.accounts.validation import FieldError
from idp.login import flow
from idp.login.flow import Client, LoginContext


@dataclass(frozen=True)
class KeyDataCodeRequested:
    """The proposal waits in pending request ``pending``; ``problem``: why no code was sent
    (``flow.send_code_for``), None when it was."""

    pending: str
    problem: str | None


@dataclass(frozen=True)
class KeyDataInvalid:
    """The proposal has field errors; nothing was parked."""

    problems: list[FieldError]


@dataclass(frozen=True)
class KeyDataTaken:
    """These fields (a SNILS, a passport) belong to another account; nothing was parked."""

    fields: list[str]


@dataclass(frozen=True)
class NoCodeChannel:
    """No confirmed phone or e-mail to send the code to (the proposal is parked all the same)."""


KeyDataOutcome = KeyDataCodeRequested | KeyDataInvalid | KeyDataTaken | NoCodeChannel


def request_key_data_change(
    login: LoginContext,
    accounts: AccountsContext,
    session: Session,
    account: Account,
    form: dict[str, str],
    *,
    locale: str,
    who: Client,
) -> KeyDataOutcome:
    """Validate and park the proposal, then send the code that confirms it."""
    try:
        pending, problems = key_data.propose(accounts, session, account, form)
    except ContactTakenError as exc:
        return KeyDataTaken([e["field"] for e in exc.extra["errors"]])
    if problems:
        return KeyDataInvalid(problems)
    options = [o for o in flow.second_factor_options(session, account) if o != "totp"]
    if not options:
        return NoCodeChannel()
    pending.method = options[0]
    problem = flow.send_code_for(login, session, account, pending, options[0], locale=locale, who=who)
    return KeyDataCodeRequested(pending.handle, problem)
