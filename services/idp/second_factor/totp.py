"""Authenticator apps (TOTP, RFC 6238) and the recovery codes that come with them.

- 30-second steps, 6 digits, HMAC-SHA-1 (the parameters every authenticator app understands); one
  step of clock drift either way is accepted (``valid_window=1``).
- Enrolment is two-step: ``begin`` stores a pending secret (sealed with FieldCipher) and returns
  it with an ``otpauth://`` URI and its QR code as inline SVG; ``confirm`` checks a first code from
  the app, enables it and returns ten recovery codes, shown once and stored as argon2 hashes.
- A code's time step is recorded when accepted; that step and older ones are refused afterwards
  (RFC 6238 §5.2: a code is usable once), atomically, so two parallel logins with one code cannot
  both pass.
- Wrong codes are not counted here: the login flow's lockout (R-LOG-6) bounds guessing.
Secrets and codes are never logged.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy.orm import Session

from idp.accounts.passwords import hash_password, verify_password
from idp.accounts.protection import FieldCipher
from idp.second_factor import repository
from idp.second_factor.errors import InvalidTotpCodeError, TotpAlreadyEnabledError, TotpNotEnrolledError
from idp.second_factor.models import TotpCredential

logger = logging.getLogger("idp.second_factor")

TOTP_PERIOD = 30
TOTP_DIGITS = 6
TOTP_WINDOW = 1
SECRET_FIELD = "totp_secret"
RECOVERY_CODE_COUNT = 10
#: lower-case letters and digits without the ones people confuse (0/o, 1/l/i): 31 symbols,
#: so a code of 8 carries about 39.6 bits
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class TotpEnrollment:
    """What the enrolment page shows: the secret (for typing in), its URI and the URI as a QR code."""

    secret: str
    uri: str
    qr_svg: str


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD)


def totp_enabled(session: Session, account_id: int) -> bool:
    credential = repository.totp_of(session, account_id)
    return credential is not None and credential.confirmed_at is not None


def last_used_at(session: Session, account_id: int) -> dt.datetime | None:
    """When the app's last accepted code was made (its 30-second step), for the cabinet's list."""
    credential = repository.totp_of(session, account_id)
    if credential is None or credential.last_used_step is None:
        return None
    return dt.datetime.fromtimestamp(credential.last_used_step * TOTP_PERIOD, dt.UTC)


def confirmed_secret(session: Session, account_id: int, cipher: FieldCipher) -> str | None:
    """The authenticator secret of a confirmed enrollment (the demo seed prints it), else None."""
    credential = repository.totp_of(session, account_id)
    if credential is None or credential.confirmed_at is None:
        return None
    return cipher.open(credential.secret_encrypted, "totp_secret")


def begin_totp_enrollment(
    session: Session,
    account_id: int,
    cipher: FieldCipher,
    issuer_name: str,
    account_label: str,
    now: dt.datetime,
) -> TotpEnrollment:
    """A new pending secret (replacing an unconfirmed one); refused while an app is enabled."""
    repository.lock_account(session, account_id)
    credential = repository.totp_of(session, account_id)
    if credential is not None and credential.confirmed_at is not None:
        raise TotpAlreadyEnabledError()
    secret = pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 §4 recommends
    sealed = cipher.seal(secret, SECRET_FIELD)
    if credential is None:
        repository.add(
            session, TotpCredential(account_id=account_id, secret_encrypted=sealed, created_at=now)
        )
    else:
        credential.secret_encrypted = sealed
        credential.created_at = now
        credential.last_used_step = None
    uri = _totp(secret).provisioning_uri(name=account_label, issuer_name=issuer_name)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4)
    logger.info("totp enrolment started", extra={"account_id": account_id})
    return TotpEnrollment(secret=secret, uri=uri, qr_svg=qr_svg)


def _matching_step(secret: str, code: object, now: dt.datetime) -> int | None:
    """The time step whose code equals ``code`` within the allowed drift, else None."""
    typed = code.strip().replace(" ", "") if isinstance(code, str) else ""
    if len(typed) != TOTP_DIGITS or not (typed.isascii() and typed.isdigit()):
        return None
    totp = _totp(secret)
    current = int(now.timestamp()) // TOTP_PERIOD
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def confirm_totp_enrollment(
    session: Session, account_id: int, code: str, cipher: FieldCipher, now: dt.datetime
) -> list[str]:
    """Enable the pending app with a first code from it; returns the recovery codes (show once)."""
    credential = repository.totp_of(session, account_id)
    if credential is None:
        raise TotpNotEnrolledError()
    if credential.confirmed_at is not None:
        raise TotpAlreadyEnabledError()
    step = _matching_step(cipher.open(credential.secret_encrypted, SECRET_FIELD), code, now)
    if step is None or not repository.use_totp_step(session, credential.id, step, now, confirm=True):
        raise InvalidTotpCodeError()
    logger.info("totp enabled", extra={"account_id": account_id})
    return _new_recovery_codes(session, account_id)


def verify_totp(session: Session, account_id: int, code: str, cipher: FieldCipher, now: dt.datetime) -> bool:
    """True once per time step for a right code of an enabled app; False otherwise (wrong, replayed,
    no app), so a caller can go on to try the input as a recovery code."""
    credential = repository.totp_of(session, account_id)
    if credential is None or credential.confirmed_at is None:
        return False
    step = _matching_step(cipher.open(credential.secret_encrypted, SECRET_FIELD), code, now)
    if step is None:
        return False
    if not repository.use_totp_step(session, credential.id, step, now, confirm=False):
        logger.warning("totp code replayed", extra={"account_id": account_id})
        return False
    return True


def disable_totp(session: Session, account_id: int) -> bool:
    """Remove the app and its recovery codes (the caller has re-checked the person). False: none."""
    removed = repository.delete_totp(session, account_id)
    if removed:
        logger.info("totp disabled", extra={"account_id": account_id})
    return removed


# --- recovery codes ------------------------------------------------------------------------------
def _random_recovery_code() -> str:
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def _new_recovery_codes(session: Session, account_id: int) -> list[str]:
    codes = [_random_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    repository.replace_recovery_codes(session, account_id, [hash_password(c) for c in codes])
    return codes


def regenerate_recovery_codes(session: Session, account_id: int) -> list[str]:
    """Ten fresh codes; the old ones stop working. Only with an enabled app."""
    if not totp_enabled(session, account_id):
        raise TotpNotEnrolledError()
    return _new_recovery_codes(session, account_id)


def _normalise_recovery_code(code: object) -> str | None:
    if not isinstance(code, str) or len(code) > 32:
        return None
    chars = code.strip().lower().replace("-", "").replace(" ", "")
    if len(chars) != 8 or any(c not in RECOVERY_ALPHABET for c in chars):
        return None
    return f"{chars[:4]}-{chars[4:]}"


def verify_recovery_code(session: Session, account_id: int, code: str, now: dt.datetime) -> bool:
    """True if ``code`` is one of the account's unused recovery codes, which is now used up."""
    typed = _normalise_recovery_code(code)
    if typed is None:
        return False
    for row in repository.unused_recovery_codes(session, account_id):
        if verify_password(typed, row.code_hash):
            used = repository.use_recovery_code(session, row.id, now)
            if used:
                logger.info(
                    "recovery code used",
                    extra={"account_id": account_id, "left": recovery_codes_left(session, account_id)},
                )
            return used
    return False


def recovery_codes_left(session: Session, account_id: int) -> int:
    return repository.count_unused_recovery_codes(session, account_id)
