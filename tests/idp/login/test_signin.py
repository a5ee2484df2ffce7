"""The login forms' services called directly (no HTTP): each returns one outcome and writes the
security log itself, so a route has nothing left to log (CONVENTIONS "One service call per route").
Real migrated database; the notifier is an address where nothing listens."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.accounts.service import create_account
from idp.audit.models import SecurityEvent
from idp.login import flow, signin
from idp.login.throttle import LoginThrottle
from tests.conftest import idp_settings, running
from tests.idp.conftest import CITIZEN, PASSWORD

WHO = flow.Client("198.51.100.7", "pytest-signin")


@dataclasses.dataclass
class Login:
    app: Any
    account_id: int

    @property
    def ctx(self) -> flow.LoginContext:
        ctx: flow.LoginContext = self.app.state.login_context
        return ctx

    def session(self) -> Session:
        session: Session = self.app.state.write_session_factory()
        return session

    def submit(
        self, login: str, password: str, *, throttle: LoginThrottle | None = None
    ) -> signin.PasswordOutcome:
        with self.session() as session:
            outcome = signin.submit_password(
                self.ctx,
                session,
                throttle or LoginThrottle("100/minute"),
                login=login,
                password=password,
                who=WHO,
                parked=None,
                next_path="/account/security",
                device_cookie=None,
                locale="ru",
                current=None,
                on_commit=lambda *_: None,
            )
            session.commit()
        return outcome

    def events(self) -> list[SecurityEvent]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(SecurityEvent).where(SecurityEvent.ip == WHO.ip).order_by(SecurityEvent.id)
                )
            )

    def update_account(self, **values: Any) -> None:
        with self.session() as session:
            account = session.get(Account, self.account_id)
            assert account is not None
            for name, value in values.items():
                setattr(account, name, value)
            session.commit()


@pytest.fixture
async def login(make_db: Callable[..., str]) -> AsyncIterator[Login]:
    from idp.main import create_app

    # port 9 (discard): nothing answers, so a code can never be delivered
    app = create_app(idp_settings(make_db("idp"), notifier_url="http://127.0.0.1:9"))
    async with running(app):
        with app.state.write_session_factory() as session:
            account_id = create_account(session, app.state.field_cipher, CITIZEN).id
            session.commit()
        yield Login(app, account_id)


def test_a_wrong_password_is_wrong_credentials_and_the_service_logs_it(login: Login) -> None:
    outcome = login.submit(str(CITIZEN.email), "Not-The-Password-1")

    assert outcome == signin.WrongCredentials()
    [event] = login.events()
    assert (event.event_type, event.result, event.account_id) == ("login_failed", "failure", login.account_id)
    assert event.details == {"reason": "wrong_credentials"}
    assert event.user_agent == WHO.user_agent


def test_an_unknown_login_is_the_same_outcome_logged_as_anonymous(login: Login) -> None:
    outcome = login.submit("nobody@example.test", PASSWORD)

    assert outcome == signin.WrongCredentials()
    [event] = login.events()
    assert (event.event_type, event.actor, event.account_id) == ("login_failed", "anonymous", None)


def test_empty_fields_are_refused_before_any_check_and_log_nothing(login: Login) -> None:
    assert login.submit("   ", PASSWORD) == signin.MissingFields()
    assert login.submit(str(CITIZEN.email), "") == signin.MissingFields()
    assert login.events() == []


def test_over_the_address_limit_is_throttled_before_the_password_is_checked(login: Login) -> None:
    throttle = LoginThrottle("1/minute")
    assert (
        login.submit(str(CITIZEN.email), "Wrong-Password-1", throttle=throttle) == signin.WrongCredentials()
    )

    outcome = login.submit(str(CITIZEN.email), PASSWORD, throttle=throttle)

    assert isinstance(outcome, signin.Throttled)
    assert 1 <= outcome.retry_after <= 60
    assert [e.details["reason"] for e in login.events()] == ["wrong_credentials"]  # no second check


def test_a_locked_account_is_locked_even_with_the_right_password(login: Login) -> None:
    until = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=10)
    login.update_account(locked_until=until)

    outcome = login.submit(str(CITIZEN.email), PASSWORD)

    assert isinstance(outcome, signin.Locked)
    assert outcome.until == until
    [event] = login.events()
    assert (event.event_type, event.details) == ("login_failed", {"reason": "locked"})


def test_the_right_password_without_a_confirmed_contact_signs_in(login: Login) -> None:
    outcome = login.submit(str(CITIZEN.email), PASSWORD)

    assert isinstance(outcome, signin.SignedIn)
    assert outcome.cookie
    assert (outcome.interaction, outcome.next_path, outcome.device_cookie) == (
        None,
        "/account/security",
        None,
    )
    [event] = login.events()
    assert (event.event_type, event.result, event.account_id) == (
        "login_succeeded",
        "success",
        login.account_id,
    )
    assert event.details["amr"] == ["pwd"]


def test_a_confirmed_phone_asks_for_a_code_and_says_when_none_could_be_sent(login: Login) -> None:
    login.update_account(phone_verified=True)

    outcome = login.submit(str(CITIZEN.email), PASSWORD)

    assert isinstance(outcome, signin.NeedsSecondFactor)
    assert outcome.problem == "notifier"  # nothing listens at the notifier's address
    assert "login_succeeded" not in [e.event_type for e in login.events()]
    with login.session() as session:
        pending = flow.find_pending(login.ctx, session, outcome.pending, "login")
        assert pending is not None
        assert (pending.account_id, pending.method, pending.next_path) == (
            login.account_id,
            "sms",
            "/account/security",
        )


def test_a_code_that_was_never_sent_is_a_wrong_code_and_no_session(login: Login) -> None:
    login.update_account(phone_verified=True)
    asked = login.submit(str(CITIZEN.email), PASSWORD)
    assert isinstance(asked, signin.NeedsSecondFactor)

    with login.session() as session:
        pending = flow.find_pending(login.ctx, session, asked.pending, "login")
        assert pending is not None
        outcome = signin.submit_code(
            login.ctx,
            session,
            LoginThrottle("100/minute"),
            pending,
            code="123456",
            trust=True,
            who=WHO,
            current=None,
            on_commit=lambda *_: None,
        )
        session.commit()

    assert isinstance(outcome, signin.WrongCode)
    assert isinstance(outcome.error, flow.CODE_ERRORS)
    assert outcome.account.id == login.account_id
    assert "login_succeeded" not in [e.event_type for e in login.events()]


def test_resending_by_a_way_the_person_does_not_have_is_refused(login: Login) -> None:
    login.update_account(phone_verified=True)
    asked = login.submit(str(CITIZEN.email), PASSWORD)
    assert isinstance(asked, signin.NeedsSecondFactor)

    with login.session() as session:
        pending = flow.find_pending(login.ctx, session, asked.pending, "login")
        assert pending is not None
        outcome = signin.resend_code(login.ctx, session, pending, channel="email", locale="ru", who=WHO)

    assert isinstance(outcome, signin.UnknownChannel)  # the e-mail is not confirmed
    assert pending.method == "sms"


def _recover(login: Login, who_login: str) -> signin.RecoveryOutcome:
    with login.session() as session:
        outcome = signin.submit_recovery(
            login.ctx, session, LoginThrottle("100/minute"), login=who_login, who=WHO, locale="ru"
        )
        session.commit()
    return outcome


def _recovery_code(login: Login, handle: str, new: str, repeat: str) -> signin.RecoveryCodeOutcome:
    with login.session() as session:
        pending = flow.find_pending(login.ctx, session, handle, "recovery")
        assert pending is not None
        outcome = signin.submit_recovery_code(
            login.ctx,
            session,
            LoginThrottle("100/minute"),
            pending,
            code="123456",
            new_password=new,
            repeat_password=repeat,
            who=WHO,
            on_commit=lambda *_: None,
        )
        session.commit()
    return outcome


def test_recovery_for_an_unknown_login_parks_a_request_like_a_real_one(login: Login) -> None:
    unknown = _recover(login, "nobody@example.test")
    real = _recover(login, str(CITIZEN.email))

    assert isinstance(unknown, signin.RecoveryRequested)
    assert isinstance(real, signin.RecoveryRequested)
    # only the real account's request is in the security log (no confirmed contact: a failure)
    [event] = login.events()
    assert (event.event_type, event.result, event.account_id) == (
        "recovery_requested",
        "failure",
        login.account_id,
    )
    assert _recover(login, " ") == signin.MissingFields()


def test_a_recovery_code_for_no_account_is_a_wrong_code_and_changes_nothing(login: Login) -> None:
    asked = _recover(login, "nobody@example.test")
    assert isinstance(asked, signin.RecoveryRequested)

    assert _recovery_code(login, asked.pending, "New-Horse-77", "New-Horse-78") == signin.PasswordsDiffer()
    assert _recovery_code(login, asked.pending, "New-Horse-77", "New-Horse-77") == signin.RecoveryCodeWrong()
    assert isinstance(login.submit(str(CITIZEN.email), PASSWORD), signin.SignedIn)  # password unchanged
