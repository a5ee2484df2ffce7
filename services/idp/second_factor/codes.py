"""One-time codes sent by SMS or e-mail (R-LOG-2 login, R-ACC-3 contact confirmation, R-LOG-7
recovery, R-ACC-5 key-data changes).

- A code is 6 digits from ``secrets.randbelow``. Stored as HMAC-SHA256 under ``code_key`` over
  ``<account_id>:<purpose>:<code>``: a plain hash of a 6-digit code is reversed by hashing all 10^6
  values, a keyed one is not without the key (settings ``code_hash_key``).
- It lives ``ttl`` seconds (5 minutes, per the seeds). ``max_attempts`` wrong tries (3) kill it: the
  try that uses the last attempt already answers "attempts exceeded", and the right code fails after.
- A new code for a purpose invalidates the previous unconsumed one, so only the newest works.
- Sending is limited: one code per account and purpose per ``cooldown`` (60 s) and at most
  ``max_per_hour`` codes per account per rolling hour, all purposes and channels together (that is
  what an attacker flooding a person's phone, or our SMS bill, would hit).
- Switching channel (SMS → e-mail, as the seeds suggest when a code does not arrive) is a new code
  on the other channel and waits for the same cooldown. It does not skip it because (1) the new code
  invalidates the one still on its way, so switching within seconds makes the SMS that then arrives
  useless; (2) alternating channels would otherwise double the rate at which codes can be sent to a
  victim. A minute is a short wait, and the hourly limit alone would let five codes go in seconds.
- Verification is race-free without locks: consuming and counting a wrong attempt are single
  conditional UPDATEs (see ``repository``). Of parallel submissions of the right code exactly one
  wins; parallel wrong codes count at most ``max_attempts`` attempts.
- Issuing serialises per account (a PostgreSQL advisory lock; SQLite's write lock) so that two
  parallel "send again" clicks cannot both pass the cooldown.

Codes are never logged; ids, purposes and channels are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
from typing import NamedTuple

from sqlalchemy.orm import Session

from idp.second_factor import repository
from idp.second_factor.errors import (
    CodeAttemptsExceededError,
    CodeCooldownError,
    CodeExpiredError,
    InvalidCodeError,
    NoCodeError,
    TooManyCodesError,
)
from idp.second_factor.models import CODE_CHANNELS, CODE_PURPOSES, OneTimeCode

__all__ = [
    "CodeAttemptsExceededError",
    "CodeCooldownError",
    "CodeExpiredError",
    "CodeOutlook",
    "InvalidCodeError",
    "IssuedCode",
    "NoCodeError",
    "TooManyCodesError",
    "code_hash",
    "code_outlook",
    "issue_code",
    "live_code",
    "purge_codes",
    "seconds_until_next_code",
    "verify_code",
]

logger = logging.getLogger("idp.second_factor")

CODE_DIGITS = 6
HOUR = dt.timedelta(hours=1)


class IssuedCode(NamedTuple):
    """The plain code (to send, never to store or log) and its row."""

    code: str
    row: OneTimeCode


def code_hash(code_key: str | bytes, account_id: int, purpose: str, code: str) -> str:
    key = code_key.encode() if isinstance(code_key, str) else code_key
    if not key:
        raise ValueError("code_key is empty")
    return hmac.new(key, f"{account_id}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _check_send_limits(
    session: Session,
    account_id: int,
    latest: OneTimeCode | None,
    now: dt.datetime,
    cooldown: int,
    max_per_hour: int,
) -> None:
    """Raise the limit that makes the person wait longest (both may apply at once). ``latest``:
    the account's newest code for the purpose (``repository.latest_code``), read by the caller."""
    wait_cooldown = 0
    if latest is not None and latest.created_at + dt.timedelta(seconds=cooldown) > now:
        wait_cooldown = min(cooldown, _seconds_until(latest.created_at + dt.timedelta(seconds=cooldown), now))
    wait_hour = 0
    sent = repository.codes_sent_since(session, account_id, now - HOUR)
    if len(sent) >= max_per_hour:
        # a slot frees when enough of the oldest codes have left the rolling hour
        wait_hour = _seconds_until(sent[len(sent) - max_per_hour] + HOUR, now)
    if wait_hour and wait_hour >= wait_cooldown:
        raise TooManyCodesError(wait_hour)
    if wait_cooldown:
        raise CodeCooldownError(wait_cooldown)


def issue_code(
    session: Session,
    *,
    account_id: int,
    purpose: str,
    channel: str,
    now: dt.datetime,
    code_key: str | bytes,
    ttl: int = 300,
    cooldown: int = 60,
    max_per_hour: int = 5,
) -> IssuedCode:
    """A new code for ``purpose`` sent over ``channel``; raises CodeCooldownError / TooManyCodesError."""
    if purpose not in CODE_PURPOSES:
        raise ValueError(f"unknown code purpose {purpose!r}")
    if channel not in CODE_CHANNELS:
        raise ValueError(f"unknown code channel {channel!r}")
    if ttl <= 0 or cooldown < 0 or max_per_hour < 1:
        raise ValueError("ttl and max_per_hour must be positive, cooldown not negative")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    hashed = code_hash(code_key, account_id, purpose, code)
    repository.lock_account(session, account_id)
    latest = repository.latest_code(session, account_id, purpose)
    _check_send_limits(session, account_id, latest, now, cooldown, max_per_hour)
    repository.invalidate_live_codes(session, account_id, purpose, now)
    row = OneTimeCode(
        account_id=account_id,
        purpose=purpose,
        channel=channel,
        code_hash=hashed,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl),
        attempts=0,
    )
    repository.add(session, row)
    logger.info(
        "one-time code issued",
        extra={"code_id": row.id, "account_id": account_id, "purpose": purpose, "channel": channel},
    )
    return IssuedCode(code, row)


def _refuse_dead(row: OneTimeCode, now: dt.datetime, max_attempts: int) -> None:
    if row.consumed_at is not None or row.invalidated_at is not None:
        raise NoCodeError()
    if row.expires_at <= now:
        raise CodeExpiredError()
    if row.attempts >= max_attempts:
        raise CodeAttemptsExceededError()


def _normalise(code: object) -> str:
    """What the person typed, without the spaces or dash a phone keyboard or a paste may add."""
    if not isinstance(code, str):
        return ""
    return code.strip()[:32].replace(" ", "").replace("-", "")


def verify_code(
    session: Session,
    *,
    account_id: int,
    purpose: str,
    code: str,
    now: dt.datetime,
    code_key: str | bytes,
    max_attempts: int = 3,
) -> OneTimeCode:
    """The consumed code row; raises NoCodeError, CodeExpiredError, CodeAttemptsExceededError or
    InvalidCodeError (with ``attempts_left``)."""
    row = repository.latest_code(session, account_id, purpose)
    if row is None:
        raise NoCodeError()
    _refuse_dead(row, now, max_attempts)
    submitted = code_hash(code_key, account_id, purpose, _normalise(code))
    if hmac.compare_digest(row.code_hash, submitted):
        consumed = repository.consume_code(session, row.id, submitted, now, max_attempts)
        if consumed is not None:
            logger.info("one-time code accepted", extra={"code_id": row.id, "account_id": account_id})
            return consumed
    else:
        attempts = repository.count_wrong_attempt(session, row.id, now, max_attempts)
        if attempts is not None:
            logger.info("wrong one-time code", extra={"code_id": row.id, "attempts": attempts})
            if attempts >= max_attempts:
                raise CodeAttemptsExceededError()
            raise InvalidCodeError(attempts_left=max_attempts - attempts)
    # Another request used, exhausted or replaced the code between our read and our write.
    _refuse_dead(repository.reload_code(session, row.id), now, max_attempts)
    raise NoCodeError()


def _live(row: OneTimeCode | None, now: dt.datetime, max_attempts: int) -> OneTimeCode | None:
    if row is None or row.consumed_at is not None or row.invalidated_at is not None:
        return None
    if row.expires_at <= now or row.attempts >= max_attempts:
        return None
    return row


def _wait(
    session: Session,
    account_id: int,
    latest: OneTimeCode | None,
    now: dt.datetime,
    cooldown: int,
    max_per_hour: int,
) -> int:
    try:
        _check_send_limits(session, account_id, latest, now, cooldown, max_per_hour)
    except (CodeCooldownError, TooManyCodesError) as exc:
        return exc.retry_after
    return 0


def live_code(
    session: Session, *, account_id: int, purpose: str, now: dt.datetime, max_attempts: int = 3
) -> OneTimeCode | None:
    """The code the person can still type for ``purpose`` (newest, unused, not replaced or
    withdrawn, unexpired, attempts left), or None: what a code page may say was sent."""
    return _live(repository.latest_code(session, account_id, purpose), now, max_attempts)


def seconds_until_next_code(
    session: Session,
    *,
    account_id: int,
    purpose: str,
    now: dt.datetime,
    cooldown: int = 60,
    max_per_hour: int = 5,
) -> int:
    """How long until ``issue_code`` would send a new code (0: now), by the same limits."""
    latest = repository.latest_code(session, account_id, purpose)
    return _wait(session, account_id, latest, now, cooldown, max_per_hour)


class CodeOutlook(NamedTuple):
    """What a code page says: the code that works now (``live_code``) and the seconds until
    another can be sent (``seconds_until_next_code``)."""

    live: OneTimeCode | None
    wait: int


def code_outlook(
    session: Session,
    *,
    account_id: int,
    purpose: str,
    now: dt.datetime,
    max_attempts: int = 3,
    cooldown: int = 60,
    max_per_hour: int = 5,
) -> CodeOutlook:
    """``live_code`` and ``seconds_until_next_code`` together, from one read of the newest code."""
    latest = repository.latest_code(session, account_id, purpose)
    return CodeOutlook(
        _live(latest, now, max_attempts), _wait(session, account_id, latest, now, cooldown, max_per_hour)
    )


def purge_codes(session: Session, *, now: dt.datetime, keep: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete codes that expired more than ``keep`` ago (at least an hour: the hourly limit counts them)."""
    return repository.purge_codes(session, now - max(keep, HOUR))
