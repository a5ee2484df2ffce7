"""Verifying an ESIA relying party's signed ``client_secret`` and its ``timestamp`` (ESIA.md §3.2-§3.3).

- v1 (``/aas/oauth2/ac``, ``te``): a CMS SignedData over ``scope + timestamp + client_id + state``,
  detached or attached, base64url however the client wrote it; its signer certificate must be one
  of the certificates registered for the client.
- v2/v3 (``v2/ac``, ``v3/te``): a raw GOST R 34.10-2012 signature (64 bytes; 128 for a 512-bit key)
  over ``client_id + scope + scope_org + timestamp + state + redirect_uri`` (``+ code`` at the token
  endpoint), verified with the registered certificate whose Streebog-256 hash is the request's
  ``client_certificate_hash``.

Refusals are :class:`ClientSecretRejectedError` carrying the ESIA error code as data (ESIA.md §9); the ESIA
face turns them into its redirects and JSON. No HTTP here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from idp.pki import gost
from idp.pki.algorithms import SignatureError, UnsupportedAlgorithmError, WrongSignatureError
from idp.pki.cms import CmsVerification, decode_base64, verify_cms

WRONG_SECRET = "ESIA-007053"  # OAuthErrorEnum.clientSecretWrong
BAD_TIME = "ESIA-007015"  # «Неверное время запроса»
#: a v1 CMS with one RSA-4096 certificate is under 4 KB; the limit leaves room for a short chain
MAX_SECRET_BYTES = 16 * 1024


class ClientSecretRejectedError(Exception):
    """A ``client_secret`` or ``timestamp`` the ESIA face must refuse with ``esia_code``."""

    esia_code: ClassVar[str] = WRONG_SECRET

    def __init__(self, reason: str, detail: str) -> None:
        #: why, as a stable code (a SignatureError code, or one of this module's): for logs and tests
        self.reason = reason
        self.detail = detail
        super().__init__(f"{self.esia_code}: {detail}")


class WrongClientSecretError(ClientSecretRejectedError):
    esia_code = WRONG_SECRET


class BadTimestampError(ClientSecretRejectedError):
    esia_code = BAD_TIME


def v1_message(*, scope: str, timestamp: str, client_id: str, state: str) -> bytes:
    """ESIA.md §3.2 v1: no separators; ``scope`` exactly as sent, spaces included."""
    return (scope + timestamp + client_id + state).encode()


def v2_message(
    *,
    client_id: str,
    scope: str,
    scope_org: str,
    timestamp: str,
    state: str,
    redirect_uri: str,
    code: str | None = None,
) -> bytes:
    """ESIA.md §3.2 v2/v3: ``scope_org`` empty when unused; ``code`` only at the v3 token endpoint."""
    return (client_id + scope + scope_org + timestamp + state + redirect_uri + (code or "")).encode()


@dataclass(frozen=True)
class VerifiedClientSecret:
    certificate: bytes  # the registered certificate (DER) that verified the secret
    cms: CmsVerification | None  # v1 only: what the CMS said (signing time, algorithms)


def verify_v1(
    secret: str | bytes,
    message: bytes,
    registered: Sequence[bytes],
    *,
    gost_verifier: gost.GostVerifier | None = None,
) -> VerifiedClientSecret:
    """A v1 ``client_secret``: CMS over ``message`` signed with one of ``registered`` (DER)."""
    if not registered:
        raise WrongClientSecretError("no_certificate_registered", "The client has no registered certificate.")
    try:
        result = verify_cms(secret, message, max_bytes=MAX_SECRET_BYTES, gost_verifier=gost_verifier)
    except SignatureError as exc:
        raise WrongClientSecretError(exc.code, exc.detail) from exc
    if result.signer_certificate not in registered:
        raise WrongClientSecretError(
            "certificate_not_registered",
            "The secret is signed with a certificate not registered for the client.",
        )
    return VerifiedClientSecret(result.signer_certificate, result)


def verify_v2(
    secret: str | bytes,
    message: bytes,
    certificate_hash: str,
    registered: Sequence[bytes],
    *,
    gost_verifier: gost.GostVerifier | None = None,
) -> VerifiedClientSecret:
    """A v2/v3 ``client_secret``: raw GOST signature by the registered certificate whose
    Streebog-256 hash is ``certificate_hash`` (either case)."""
    certificate = next(
        (
            der
            for der in registered
            if gost.same_certificate_hash(gost.certificate_hash(der), certificate_hash)
        ),
        None,
    )
    if certificate is None:
        # a SHA-1 or a hash of the PEM text lands here too (ESIA.md §3.1)
        raise WrongClientSecretError(
            "certificate_hash_unknown", "No registered certificate has this client_certificate_hash."
        )
    try:
        signature = decode_base64(secret, max_bytes=MAX_SECRET_BYTES)
        key = gost.public_key_from_certificate(certificate)
        if len(signature) != key.bits // 4:
            raise WrongSignatureError(f"A raw GOST {key.bits}-bit signature is {key.bits // 4} bytes long.")
        gost.verify_gost(key, message, signature, gost_verifier)
    except UnsupportedAlgorithmError as exc:
        raise WrongClientSecretError(
            exc.code, "The registered certificate is not a GOST R 34.10-2012 one."
        ) from exc
    except SignatureError as exc:
        raise WrongClientSecretError(exc.code, exc.detail) from exc
    return VerifiedClientSecret(certificate, None)


# ESIA.md §3.3: ``yyyy.MM.dd HH:mm:ss ±hhmm``; a "+" not URL-escaped arrives as a space
_TIMESTAMP = re.compile(r"(\d{4})\.(\d{2})\.(\d{2}) (\d{2}):(\d{2}):(\d{2}) ?([+ -])(\d{2})(\d{2})")


def parse_timestamp(text: str) -> dt.datetime:
    """``"2025.09.02 13:00:29 +0300"`` → an aware datetime; :class:`BadTimestampError` if malformed."""
    found = _TIMESTAMP.fullmatch(text.strip())
    if found is None:
        raise BadTimestampError(
            "timestamp_malformed", "The timestamp is not in the form yyyy.MM.dd HH:mm:ss ±hhmm."
        )
    year, month, day, hour, minute, second, sign, off_hours, off_minutes = found.groups()
    offset = dt.timedelta(hours=int(off_hours), minutes=int(off_minutes))
    if offset >= dt.timedelta(hours=24):
        raise BadTimestampError("timestamp_malformed", "The timestamp's offset is out of range.")
    try:
        return dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            tzinfo=dt.timezone(-offset if sign == "-" else offset),
        )  # fmt: skip
    except ValueError as exc:
        raise BadTimestampError(
            "timestamp_malformed", "The timestamp names a date or time that does not exist."
        ) from exc


def check_timestamp(text: str, *, now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """The parsed ``timestamp`` if it is within ``window`` of ``now`` either way (the window is not
    documented by ESIA, ESIA.md §15: the caller's setting), else :class:`BadTimestampError`."""
    moment = parse_timestamp(text)
    if abs(moment - now) > window:
        raise BadTimestampError(
            "timestamp_out_of_window", "The request time differs from the server's too much."
        )
    return moment
