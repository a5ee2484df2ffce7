"""Second factor (R-LOG-2, R-ACC-3): one-time codes, TOTP with recovery codes, trusted devices, amr/acr.

The tables are created here on top of the migrated idp database until the migration that adds them
exists. Sessions take SQLite's write lock up front like the app's writing sessions; on PostgreSQL
(``TEST_DATABASE_URL``) the concurrency tests race for real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest
from sqlalchemy import MetaData, Table, insert, select
from sqlalchemy.orm import Session, sessionmaker

from idp.accounts.protection import FieldCipher
from idp.database import Base
from idp.second_factor import codes, devices, totp
from idp.second_factor.assurance import assurance_after
from idp.second_factor.errors import (
    CodeAttemptsExceededError,
    CodeCooldownError,
    CodeExpiredError,
    InvalidCodeError,
    InvalidTotpCodeError,
    NoCodeError,
    TooManyCodesError,
    TotpAlreadyEnabledError,
    TotpNotEnrolledError,
    TrustedDeviceNotFoundError,
)
from idp.second_factor.models import OneTimeCode, RecoveryCode, TotpCredential, TrustedDevice
from shared.db import make_engine, make_sessionmaker

SECOND_FACTOR_TABLES = [OneTimeCode, TotpCredential, RecoveryCode, TrustedDevice]
T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)
KEY = "test-code-hash-key-0123456789abcdef"
#: RFC 6238 Appendix B's SHA-1 secret "12345678901234567890", base32
RFC_6238_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
CIPHER = FieldCipher("test-personal-data-key-0123456789abcdef")
PARALLEL = 10


def at(seconds: float = 0, **delta: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds, **delta)


@pytest.fixture
def factory(make_db: Callable[..., str]) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(make_db("idp"), pool_size=PARALLEL)
    Base.metadata.create_all(
        engine, tables=[Base.metadata.tables[m.__tablename__] for m in SECOND_FACTOR_TABLES]
    )
    yield make_sessionmaker(engine, write_lock=True)
    engine.dispose()


def new_account(factory: sessionmaker[Session]) -> int:
    """An account row, inserted into the table as migrated (the Account model may be ahead of it)."""
    with factory() as session:
        accounts = Table("accounts", MetaData(), autoload_with=session.connection())
        values = {
            "oid": uuid.uuid4().int % 10**12,
            "sub": str(uuid.uuid4()),
            "last_name": "Петрова",
            "first_name": "Анна",
            "password_hash": "not-used-here",
            "email_verified": False,
            "phone_verified": False,
            "level": "registered",
            "registry_status": "pending",
            "failed_logins": 0,
            "created_at": T0,
        }
        stmt = insert(accounts).values({k: v for k, v in values.items() if k in accounts.c})
        account_id = session.execute(stmt.returning(accounts.c.id)).scalar_one()
        session.commit()
        return int(account_id)


@pytest.fixture
def account(factory: sessionmaker[Session]) -> int:
    return new_account(factory)


@pytest.fixture
def other_account(factory: sessionmaker[Session]) -> int:
    return new_account(factory)


def issue(
    factory: sessionmaker[Session], account_id: int, now: dt.datetime, **options: Any
) -> codes.IssuedCode:
    params: dict[str, Any] = {"purpose": "login", "channel": "sms", "code_key": KEY, **options}
    with factory() as session:
        issued = codes.issue_code(session, account_id=account_id, now=now, **params)
        session.commit()
        return issued


def verify(
    factory: sessionmaker[Session], account_id: int, code: str, now: dt.datetime, **options: Any
) -> OneTimeCode:
    params: dict[str, Any] = {"purpose": "login", "code_key": KEY, **options}
    with factory() as session:
        try:
            row = codes.verify_code(session, account_id=account_id, code=code, now=now, **params)
        finally:
            session.commit()  # a counted wrong attempt must stick, as the request session commits it
        return row


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def code_row(factory: sessionmaker[Session], code_id: int) -> OneTimeCode:
    with factory() as session:
        return session.scalars(select(OneTimeCode).where(OneTimeCode.id == code_id)).one()


def in_parallel(work: Callable[[int], Any], n: int = PARALLEL) -> list[Any]:
    """Run ``work(i)`` in n threads released at once; each result is a value or the exception."""
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


# --- issuing ---------------------------------------------------------------------------------------
def test_code_is_six_random_digits_stored_only_as_a_keyed_hash(
    factory: sessionmaker[Session], account: int
) -> None:
    code, row = issue(factory, account, T0)
    assert re.fullmatch(r"[0-9]{6}", code)
    stored = code_row(factory, row.id)
    expected = hmac.new(KEY.encode(), f"{account}:login:{code}".encode(), hashlib.sha256).hexdigest()
    assert stored.code_hash == expected
    assert stored.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert code not in {str(v) for v in vars(stored).values()}
    assert (stored.expires_at, stored.attempts, stored.channel) == (at(300), 0, "sms")
    assert len({issue(factory, new_account(factory), T0).code for _ in range(20)}) > 1


def test_right_code_is_consumed_and_cannot_be_reused(factory: sessionmaker[Session], account: int) -> None:
    code, row = issue(factory, account, T0)
    consumed = verify(factory, account, code, at(10))
    assert (consumed.id, consumed.consumed_at) == (row.id, at(10))
    with pytest.raises(NoCodeError):
        verify(factory, account, code, at(11))


def test_code_typed_with_spaces_is_accepted(factory: sessionmaker[Session], account: int) -> None:
    code, _ = issue(factory, account, T0)
    assert verify(factory, account, f" {code[:3]} {code[3:]} ", at(5)).consumed_at == at(5)


def test_code_expires_after_its_lifetime(factory: sessionmaker[Session], account: int) -> None:
    code, _ = issue(factory, account, T0)
    with pytest.raises(CodeExpiredError):
        verify(factory, account, code, at(300))
    code, _ = issue(factory, account, at(400))
    assert verify(factory, account, code, at(400 + 299)).consumed_at is not None


def test_wrong_attempts_count_down_and_the_third_kills_the_code(
    factory: sessionmaker[Session], account: int
) -> None:
    code, row = issue(factory, account, T0)
    with pytest.raises(InvalidCodeError) as first:
        verify(factory, account, wrong(code), at(1))
    assert first.value.attempts_left == 2
    assert first.value.extra["message"] == "Неверный код. Осталось попыток: 2."
    with pytest.raises(InvalidCodeError) as second:
        verify(factory, account, "abc", at(2))  # junk is a wrong attempt too
    assert second.value.attempts_left == 1
    with pytest.raises(CodeAttemptsExceededError):
        verify(factory, account, wrong(code), at(3))
    with pytest.raises(CodeAttemptsExceededError):  # the fourth try, with the right code
        verify(factory, account, code, at(4))
    assert code_row(factory, row.id).attempts == 3
    assert code_row(factory, row.id).consumed_at is None


def test_max_attempts_is_a_parameter(factory: sessionmaker[Session], account: int) -> None:
    code, _ = issue(factory, account, T0)
    with pytest.raises(CodeAttemptsExceededError):
        verify(factory, account, wrong(code), at(1), max_attempts=1)


def test_no_code_for_this_account_or_purpose(
    factory: sessionmaker[Session], account: int, other_account: int
) -> None:
    with pytest.raises(NoCodeError):
        verify(factory, account, "123456", T0)
    code, _ = issue(factory, account, T0)
    with pytest.raises(NoCodeError):
        verify(factory, other_account, code, at(1))
    with pytest.raises(NoCodeError):
        verify(factory, account, code, at(1), purpose="phone_confirmation")
    assert verify(factory, account, code, at(2)).consumed_at == at(2)


def test_code_from_another_key_does_not_verify(factory: sessionmaker[Session], account: int) -> None:
    code, _ = issue(factory, account, T0)
    with pytest.raises(InvalidCodeError):
        verify(factory, account, code, at(1), code_key="another-key-0123456789abcdefghij")


def test_a_new_code_kills_the_old_one(factory: sessionmaker[Session], account: int) -> None:
    old, old_row = issue(factory, account, T0)
    new, _ = issue(factory, account, at(61))
    if old == new:
        pytest.skip("the two random codes coincided (one chance in a million)")
    assert code_row(factory, old_row.id).invalidated_at == at(61)
    with pytest.raises(InvalidCodeError):
        verify(factory, account, old, at(62))
    assert verify(factory, account, new, at(63)).consumed_at == at(63)


def test_resend_waits_for_the_cooldown(factory: sessionmaker[Session], account: int) -> None:
    issue(factory, account, T0)
    with pytest.raises(CodeCooldownError) as caught:
        issue(factory, account, at(30))
    assert caught.value.retry_after == 30
    assert caught.value.headers["Retry-After"] == "30"
    assert caught.value.status_code == 429
    with pytest.raises(CodeCooldownError) as caught:
        issue(factory, account, at(59.5))
    assert caught.value.retry_after == 1
    assert issue(factory, account, at(60)).row.created_at == at(60)


def test_switching_channel_waits_for_the_same_cooldown(factory: sessionmaker[Session], account: int) -> None:
    issue(factory, account, T0, channel="sms")
    with pytest.raises(CodeCooldownError):
        issue(factory, account, at(10), channel="email")
    code, row = issue(factory, account, at(60), channel="email")
    assert row.channel == "email"
    assert verify(factory, account, code, at(70)).channel == "email"


def test_cooldown_is_per_purpose(factory: sessionmaker[Session], account: int) -> None:
    issue(factory, account, T0, purpose="login")
    assert issue(factory, account, at(1), purpose="phone_confirmation").row.purpose == "phone_confirmation"


def test_hourly_limit_counts_every_purpose_and_frees_a_slot_after_an_hour(
    factory: sessionmaker[Session], account: int
) -> None:
    purposes = ["login", "phone_confirmation", "login", "email_confirmation", "login"]
    for i, purpose in enumerate(purposes):
        issue(factory, account, at(i * 60), purpose=purpose, max_per_hour=5)
    with pytest.raises(TooManyCodesError) as caught:
        issue(factory, account, at(300), purpose="recovery", max_per_hour=5)
    assert caught.value.retry_after == 3600 - 300
    assert caught.value.extra["message"] == "Слишком много кодов за час. Попробуйте через 55 мин."
    with pytest.raises(TooManyCodesError):
        issue(factory, account, at(3599), purpose="recovery", max_per_hour=5)
    assert issue(factory, account, at(3600), purpose="recovery", max_per_hour=5).row.purpose == "recovery"


def test_hourly_limit_is_reported_when_it_is_the_longer_wait(
    factory: sessionmaker[Session], account: int
) -> None:
    issue(factory, account, T0, max_per_hour=1)
    with pytest.raises(TooManyCodesError) as caught:
        issue(factory, account, at(10), max_per_hour=1)
    assert caught.value.retry_after == 3590


def test_unknown_purpose_or_channel_is_a_programming_error(
    factory: sessionmaker[Session], account: int
) -> None:
    with pytest.raises(ValueError, match="purpose"):
        issue(factory, account, T0, purpose="anything")
    with pytest.raises(ValueError, match="channel"):
        issue(factory, account, T0, channel="pigeon")


def test_purge_keeps_the_last_hour(factory: sessionmaker[Session], account: int) -> None:
    issue(factory, account, T0)
    issue(factory, account, at(hours=2))
    with factory() as session:
        assert codes.purge_codes(session, now=at(hours=2), keep=dt.timedelta(0)) == 1
        session.commit()
        assert len(session.scalars(select(OneTimeCode)).all()) == 1


# --- races -----------------------------------------------------------------------------------------
def test_same_right_code_from_ten_threads_wins_exactly_once(
    factory: sessionmaker[Session], account: int
) -> None:
    code, row = issue(factory, account, T0)
    results = in_parallel(lambda _: verify(factory, account, code, at(5)))
    winners = [r for r in results if isinstance(r, OneTimeCode)]
    assert len(winners) == 1, results
    assert all(isinstance(r, NoCodeError) for r in results if r not in winners), results
    assert code_row(factory, row.id).consumed_at == at(5)


def test_parallel_wrong_codes_count_no_more_than_the_limit(
    factory: sessionmaker[Session], account: int
) -> None:
    code, row = issue(factory, account, T0)
    results = in_parallel(lambda _: verify(factory, account, wrong(code), at(5)))
    left = [r.attempts_left for r in results if isinstance(r, InvalidCodeError)]
    assert sorted(n or 0 for n in left) == [1, 2], results
    assert sum(isinstance(r, CodeAttemptsExceededError) for r in results) == PARALLEL - 2, results
    assert code_row(factory, row.id).attempts == 3
    with pytest.raises(CodeAttemptsExceededError):
        verify(factory, account, code, at(6))


def test_parallel_resend_clicks_issue_one_code(factory: sessionmaker[Session], account: int) -> None:
    results = in_parallel(lambda _: issue(factory, account, T0))
    assert sum(isinstance(r, codes.IssuedCode) for r in results) == 1, results
    assert sum(isinstance(r, CodeCooldownError) for r in results) == PARALLEL - 1, results
    with factory() as session:
        assert len(session.scalars(select(OneTimeCode)).all()) == 1


# --- TOTP ------------------------------------------------------------------------------------------
def enroll(factory: sessionmaker[Session], account_id: int, now: dt.datetime = T0) -> tuple[str, list[str]]:
    with factory() as session:
        started = totp.begin_totp_enrollment(
            session, account_id, CIPHER, "Госуслуги тест", "anna@example.com", now
        )
        session.commit()
    with factory() as session:
        recovery = totp.confirm_totp_enrollment(
            session, account_id, pyotp.TOTP(started.secret).at(now), CIPHER, now
        )
        session.commit()
    return started.secret, recovery


def check_totp(factory: sessionmaker[Session], account_id: int, code: str, now: dt.datetime) -> bool:
    with factory() as session:
        ok = totp.verify_totp(session, account_id, code, CIPHER, now)
        session.commit()
        return ok


def test_enrolment_gives_secret_uri_and_qr_and_stores_the_secret_sealed(
    factory: sessionmaker[Session], account: int
) -> None:
    with factory() as session:
        started = totp.begin_totp_enrollment(session, account, CIPHER, "ЕСИА", "anna@example.com", T0)
        session.commit()
    assert re.fullmatch(r"[A-Z2-7]{32}", started.secret)
    assert started.uri.startswith("otpauth://totp/")
    assert f"secret={started.secret}" in started.uri and "issuer=" in started.uri
    assert pyotp.parse_uri(started.uri).secret == started.secret
    assert started.qr_svg.startswith("<svg") and "<path" in started.qr_svg
    with factory() as session:
        row = session.scalars(select(TotpCredential)).one()
        assert started.secret not in row.secret_encrypted
        assert CIPHER.open(row.secret_encrypted, "totp_secret") == started.secret
        assert row.confirmed_at is None
        assert not totp.totp_enabled(session, account)
        assert not totp.verify_totp(session, account, pyotp.TOTP(started.secret).at(T0), CIPHER, T0)


def test_confirmation_needs_a_right_code_and_returns_ten_recovery_codes(
    factory: sessionmaker[Session], account: int
) -> None:
    with factory() as session:
        with pytest.raises(TotpNotEnrolledError):
            totp.confirm_totp_enrollment(session, account, "123456", CIPHER, T0)
        started = totp.begin_totp_enrollment(session, account, CIPHER, "ЕСИА", "anna", T0)
        right = pyotp.TOTP(started.secret).at(T0)
        with pytest.raises(InvalidTotpCodeError):
            totp.confirm_totp_enrollment(session, account, wrong(right), CIPHER, T0)
        recovery = totp.confirm_totp_enrollment(session, account, right, CIPHER, T0)
        session.commit()
        assert totp.totp_enabled(session, account)
        assert len(set(recovery)) == 10
        assert all(re.fullmatch(r"[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}", c) for c in recovery)
        stored = [r.code_hash for r in session.scalars(select(RecoveryCode))]
        assert len(stored) == 10 and not set(stored) & set(recovery)
        with pytest.raises(TotpAlreadyEnabledError):
            totp.begin_totp_enrollment(session, account, CIPHER, "ЕСИА", "anna", at(60))


def test_restarting_enrolment_replaces_the_pending_secret(
    factory: sessionmaker[Session], account: int
) -> None:
    with factory() as session:
        first = totp.begin_totp_enrollment(session, account, CIPHER, "ЕСИА", "anna", T0)
        second = totp.begin_totp_enrollment(session, account, CIPHER, "ЕСИА", "anna", at(5))
        assert first.secret != second.secret
        old_code, new_code = pyotp.TOTP(first.secret).at(T0), pyotp.TOTP(second.secret).at(T0)
        if old_code != new_code:
            with pytest.raises(InvalidTotpCodeError):
                totp.confirm_totp_enrollment(session, account, old_code, CIPHER, at(5))
        assert len(totp.confirm_totp_enrollment(session, account, new_code, CIPHER, at(5))) == 10


def test_totp_code_is_refused_when_replayed(factory: sessionmaker[Session], account: int) -> None:
    secret, _ = enroll(factory, account, T0)
    app = pyotp.TOTP(secret)
    assert not check_totp(factory, account, app.at(T0), at(5)), "the enrolment code was already used"
    assert check_totp(factory, account, app.at(at(30)), at(30))
    assert not check_totp(factory, account, app.at(at(30)), at(31))  # the same code again
    assert check_totp(factory, account, app.at(at(60)), at(60))
    assert not check_totp(factory, account, app.at(at(30)), at(61)), "an older step after a newer one"


def test_totp_accepts_one_step_of_drift_either_way(factory: sessionmaker[Session], account: int) -> None:
    # A fixed secret (RFC 6238's), so the five codes around ``now`` are known to differ and every
    # assertion below runs on every run: with a random secret two steps may share a code by chance.
    with factory() as session:
        session.add(
            TotpCredential(
                account_id=account,
                secret_encrypted=CIPHER.seal(RFC_6238_SECRET, "totp_secret"),
                created_at=T0,
                confirmed_at=T0,
            )
        )
        session.commit()
    app = pyotp.TOTP(RFC_6238_SECRET)
    now = at(600)
    far_behind, behind, current, ahead, far_ahead = (
        app.at(now + dt.timedelta(seconds=step)) for step in (-60, -30, 0, 30, 60)
    )
    assert len({far_behind, behind, current, ahead, far_ahead}) == 5
    assert not check_totp(factory, account, far_behind, now)
    assert not check_totp(factory, account, far_ahead, now)
    assert check_totp(factory, account, behind, now)
    assert check_totp(factory, account, ahead, now)


def test_totp_matches_the_rfc_6238_test_vector(factory: sessionmaker[Session], account: int) -> None:
    # RFC 6238 Appendix B: SHA-1 secret "12345678901234567890", T = 59 s → 94287082 (8 digits)
    with factory() as session:
        session.add(
            TotpCredential(
                account_id=account,
                secret_encrypted=CIPHER.seal(RFC_6238_SECRET, "totp_secret"),
                created_at=T0,
                confirmed_at=T0,
            )
        )
        session.commit()
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert check_totp(factory, account, "287082", epoch + dt.timedelta(seconds=59))


def test_wrong_or_malformed_totp_codes_are_refused(factory: sessionmaker[Session], account: int) -> None:
    secret, _ = enroll(factory, account, T0)
    right = pyotp.TOTP(secret).at(at(90))
    for typed in (wrong(right), right[:5], right + "0", "abcdef", "١٢٣٤٥٦", ""):
        assert not check_totp(factory, account, typed, at(90)), typed
    assert check_totp(factory, account, right, at(90))


def test_same_totp_code_from_ten_threads_wins_once(factory: sessionmaker[Session], account: int) -> None:
    secret, _ = enroll(factory, account, T0)
    code = pyotp.TOTP(secret).at(at(120))
    results = in_parallel(lambda _: check_totp(factory, account, code, at(120)))
    assert results.count(True) == 1, results
    assert results.count(False) == PARALLEL - 1, results


def test_recovery_code_works_once(factory: sessionmaker[Session], account: int, other_account: int) -> None:
    _, recovery = enroll(factory, account)
    with factory() as session:
        assert not totp.verify_recovery_code(session, other_account, recovery[0], T0)
        assert totp.verify_recovery_code(session, account, recovery[0], T0)
        assert not totp.verify_recovery_code(session, account, recovery[0], at(1))
        assert totp.verify_recovery_code(session, account, recovery[1].upper().replace("-", " "), at(2))
        assert not totp.verify_recovery_code(session, account, "zzzz-zzzz", at(3))
        assert not totp.verify_recovery_code(session, account, "123456", at(3))
        assert totp.recovery_codes_left(session, account) == 8
        session.commit()


def test_regenerated_recovery_codes_replace_the_old_ones(
    factory: sessionmaker[Session], account: int
) -> None:
    _, old = enroll(factory, account)
    with factory() as session:
        new = totp.regenerate_recovery_codes(session, account)
        assert not totp.verify_recovery_code(session, account, old[0], T0)
        assert totp.verify_recovery_code(session, account, new[0], T0)


def test_disabling_totp_removes_the_app_and_its_recovery_codes(
    factory: sessionmaker[Session], account: int
) -> None:
    secret, recovery = enroll(factory, account)
    with factory() as session:
        assert totp.disable_totp(session, account)
        session.commit()
        assert not totp.totp_enabled(session, account)
        assert not totp.verify_totp(session, account, pyotp.TOTP(secret).at(at(300)), CIPHER, at(300))
        assert not totp.verify_recovery_code(session, account, recovery[2], at(300))
        assert not totp.disable_totp(session, account)
        with pytest.raises(TotpNotEnrolledError):
            totp.regenerate_recovery_codes(session, account)


# --- trusted devices -------------------------------------------------------------------------------
def test_trusted_device_cookie_is_stored_hashed_and_expires_after_30_days(
    factory: sessionmaker[Session], account: int
) -> None:
    with factory() as session:
        cookie = devices.trust_device(session, account, "Mozilla/5.0 <script>", T0)
        session.commit()
        row = session.scalars(select(TrustedDevice)).one()
        assert (
            row.token_hash == hashlib.sha256(cookie.encode()).hexdigest() and cookie not in vars(row).values()
        )
        assert row.user_agent == "Mozilla/5.0 <script>"
        assert devices.is_trusted_device(session, account, cookie, at(days=29, hours=23))
        assert row.last_used_at == at(days=29, hours=23)
        assert not devices.is_trusted_device(session, account, cookie, at(days=30))
        assert devices.list_trusted_devices(session, account, at(days=30)) == []


def test_trusted_device_days_is_a_parameter(factory: sessionmaker[Session], account: int) -> None:
    with factory() as session:
        cookie = devices.trust_device(session, account, None, T0, days=7)
        assert devices.is_trusted_device(session, account, cookie, at(days=6))
        assert not devices.is_trusted_device(session, account, cookie, at(days=7))


def test_device_cookie_is_bound_to_its_account(
    factory: sessionmaker[Session], account: int, other_account: int
) -> None:
    with factory() as session:
        cookie = devices.trust_device(session, account, "UA", T0)
        assert not devices.is_trusted_device(session, other_account, cookie, at(1))
        for junk in ("", None, cookie + "x", "x" * 10_000):
            assert not devices.is_trusted_device(session, account, junk, at(1))


def test_owner_lists_and_revokes_devices(factory: sessionmaker[Session], account: int) -> None:
    with factory() as session:
        first = devices.trust_device(session, account, "first", T0)
        second = devices.trust_device(session, account, "second", at(60))
        listed = devices.list_trusted_devices(session, account, at(120))
        assert [d.user_agent for d in listed] == ["second", "first"]
        devices.revoke_trusted_device(session, account, listed[1].id, at(180))
        assert not devices.is_trusted_device(session, account, first, at(181))
        assert devices.is_trusted_device(session, account, second, at(181))
        with pytest.raises(TrustedDeviceNotFoundError):
            devices.revoke_trusted_device(session, account, listed[1].id, at(182))  # already revoked
        assert devices.revoke_all_trusted_devices(session, account, at(200)) == 1
        assert not devices.is_trusted_device(session, account, second, at(201))


def test_revoking_another_accounts_device_fails_like_a_missing_one(
    factory: sessionmaker[Session], account: int, other_account: int
) -> None:
    with factory() as session:
        victim_cookie = devices.trust_device(session, account, "victim", T0)
        victim_device = devices.list_trusted_devices(session, account, T0)[0].id
        session.commit()
        with pytest.raises(TrustedDeviceNotFoundError) as idor:
            devices.revoke_trusted_device(session, other_account, victim_device, at(1))
        with pytest.raises(TrustedDeviceNotFoundError) as missing:
            devices.revoke_trusted_device(session, other_account, victim_device + 1000, at(1))
        assert (idor.value.status_code, idor.value.detail, idor.value.extra) == (
            missing.value.status_code,
            missing.value.detail,
            missing.value.extra,
        )
        assert devices.revoke_all_trusted_devices(session, other_account, at(2)) == 0
        session.commit()
        assert devices.is_trusted_device(session, account, victim_cookie, at(3))
        assert devices.list_trusted_devices(session, other_account, at(3)) == []


# --- assurance -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "amr", "acr"),
    [
        ("password", ["pwd"], "urn:idp:acr:pwd"),
        ("sms", ["pwd", "sms", "mfa"], "urn:idp:acr:mfa"),
        ("email", ["pwd", "otp", "mfa"], "urn:idp:acr:mfa"),
        ("totp", ["pwd", "otp", "mfa"], "urn:idp:acr:mfa"),
        ("recovery_code", ["pwd", "mfa", "recovery"], "urn:idp:acr:mfa"),
    ],
)
def test_assurance_after_each_method(method: str, amr: list[str], acr: str) -> None:
    assert assurance_after(method) == (amr, acr)


def test_assurance_of_an_unknown_method_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown"):
        assurance_after("face")
    first, _ = assurance_after("sms")
    first.append("tampered")
    assert assurance_after("sms")[0] == ["pwd", "sms", "mfa"]


# --- secrets stay out of the logs ------------------------------------------------------------------
def test_no_code_secret_or_recovery_code_is_logged(
    factory: sessionmaker[Session], account: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code, _ = issue(factory, account, T0)
    with pytest.raises(InvalidCodeError):
        verify(factory, account, wrong(code), at(1))
    verify(factory, account, code, at(2))
    secret, recovery = enroll(factory, account, at(10))
    totp_code = pyotp.TOTP(secret).at(at(40))
    check_totp(factory, account, totp_code, at(40))
    check_totp(factory, account, totp_code, at(41))
    with factory() as session:
        totp.verify_recovery_code(session, account, recovery[0], at(50))
        cookie = devices.trust_device(session, account, "UA", at(60))
    assert caplog.records, "the events are logged, by id"
    logged = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    for value in (code, wrong(code), secret, totp_code, cookie, *recovery):
        assert value not in logged
