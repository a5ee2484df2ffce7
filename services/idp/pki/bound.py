"""Certificates bound to accounts: bind (after validation and the SNILS check), unbind, list with
a status computed at read time, and the expiry notice's selection.

A certificate that names a SNILS must name the account's: binding someone else's certificate would
let its owner sign in as this account. The SNILS is compared in the clear after opening the
account's sealed value, and kept nowhere in this feature's tables.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.accounts import service as accounts
from idp.accounts.errors import AccountNotFoundError
from idp.accounts.protection import FieldCipher
from idp.audit import service as audit
from idp.pki import repository, trust
from idp.pki.certificates import load_certificate, parse_der
from idp.pki.errors import (
    BoundCertificateNotFoundError,
    CertificateAlreadyBoundError,
    CertificateFormatError,
    CertificateNotTrustedError,
    SnilsMismatchError,
)
from idp.pki.models import BoundCertificate

#: The owner is told this many days before a bound certificate expires (issue 11, item 2).
EXPIRY_NOTICE_DAYS = 30
_NON_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class BoundView:
    id: int
    thumbprint: str
    kind: str
    subject: str
    issuer: str
    not_after: dt.datetime
    #: active | expiring | expired | revoked
    status: str
    days_left: int
    #: «действует», «истекает через N дней», «истёк», «отозван»
    status_ru: str
    not_before: dt.datetime | None = None
    common_name: str | None = None


def _days_ru(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} день"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} дня"
    return f"{n} дней"


def certificate_status(not_after: dt.datetime, revoked: bool, now: dt.datetime) -> tuple[str, int, str]:
    """(status, whole days left, Russian label) of a certificate at ``now``."""
    days = max((not_after - now).days, 0)
    if revoked:
        return "revoked", days, "отозван"
    if not_after <= now:
        return "expired", 0, "истёк"
    if not_after - now <= dt.timedelta(days=EXPIRY_NOTICE_DAYS):
        return "expiring", days, f"истекает через {_days_ru(days)}"
    return "active", days, "действует"


def bind_certificate(
    session: Session,
    cipher: FieldCipher,
    account_id: int,
    data: bytes,
    *,
    clock: Callable[[], dt.datetime],
    fetcher: trust.CrlFetcher | None,
    policy: trust.CrlPolicy,
    actor: str,
) -> BoundCertificate:
    """Bind a certificate (PEM, DER or base64) to an account; it must be valid now."""
    account = accounts.get_account(session, account_id)
    if account is None:
        raise AccountNotFoundError(f"No account {account_id}.")
    info = load_certificate(data)
    if info.snils is not None:
        account_snils = cipher.open(account.snils_encrypted, "snils") if account.snils_encrypted else None
        if account_snils is None or _NON_DIGITS.sub("", account_snils) != info.snils:
            raise SnilsMismatchError(
                "The certificate names a SNILS that is not this account's; a certificate can be bound "
                "only to its owner's account."
            )
    if repository.bound_by_thumbprint(session, info.thumbprint) is not None:
        raise CertificateAlreadyBoundError("This certificate is already bound to an account.")
    verdict = trust.validate_certificate(session, info, clock=clock, fetcher=fetcher, policy=policy)
    if not verdict.ok:
        raise CertificateNotTrustedError(verdict.reason, verdict.detail)
    return bind_validated(session, account.id, verdict, now=clock(), actor=actor)


def bind_validated(
    session: Session, account_id: int, verdict: trust.Verdict, *, now: dt.datetime, actor: str
) -> BoundCertificate:
    """Store a certificate that was just validated (``verdict.ok``) for an account whose SNILS the
    caller matched: a first login by a qualified signature binds the certificate it signed with."""
    assert verdict.ok and verdict.kind is not None
    info = verdict.certificate
    row = BoundCertificate(
        account_id=account_id,
        thumbprint=info.thumbprint,
        der=info.der,
        kind=verdict.kind,
        subject_snapshot=info.subject_snapshot(),
        not_after=info.not_after,
        created_at=now,
    )
    repository.add(session, row)
    audit.record_event(
        session,
        event_type="certificate_bound",
        result="success",
        actor=actor,
        account_id=account_id,
        details={"bound_certificate_id": row.id, "thumbprint": info.thumbprint, "kind": verdict.kind},
    )
    return row


def bound_account_id(session: Session, thumbprint: str) -> int | None:
    """The account a certificate (by SHA-256 thumbprint of its DER) is bound to, if any."""
    row = repository.bound_by_thumbprint(session, thumbprint)
    return row.account_id if row is not None else None


def unbind_certificate(session: Session, account_id: int, bound_id: int, *, actor: str) -> None:
    row = repository.bound(session, bound_id)
    if row is None or row.account_id != account_id:  # another account's certificate: as if absent
        raise BoundCertificateNotFoundError(f"No bound certificate {bound_id} on this account.")
    thumbprint = row.thumbprint
    repository.remove(session, row)
    audit.record_event(
        session,
        event_type="certificate_unbound",
        result="success",
        actor=actor,
        account_id=account_id,
        details={"bound_certificate_id": bound_id, "thumbprint": thumbprint},
    )


def list_certificates(session: Session, account_id: int, *, now: dt.datetime) -> list[BoundView]:
    views = []
    for row in repository.bound_of_account(session, account_id):
        revoked = trust.revoked_in_cached_crls(session, row.der)
        status, days, label = certificate_status(row.not_after, revoked, now)
        snap = row.subject_snapshot
        common_name = snap.get("common_name")
        views.append(
            BoundView(
                row.id,
                row.thumbprint,
                row.kind,
                str(snap.get("subject", "")),
                str(snap.get("issuer", "")),
                row.not_after,
                status,
                days,
                label,
                _not_before(row.der),
                str(common_name) if common_name else None,
            )
        )
    return views


def _not_before(der: bytes) -> dt.datetime | None:
    """The start of validity, read from the stored DER (only the end is a column)."""
    try:
        value = parse_der(der)["tbs_certificate"]["validity"]["not_before"].native
    except CertificateFormatError:
        return None
    return value if isinstance(value, dt.datetime) else None


def take_expiring(session: Session, *, now: dt.datetime) -> Sequence[BoundCertificate]:
    """Bound certificates expiring within 30 days whose owner was not told yet; marks them told.
    Call in the transaction that queues the notices, so a rollback un-marks them."""
    rows = repository.expiring_unnotified(session, now, now + dt.timedelta(days=EXPIRY_NOTICE_DAYS))
    for row in rows:
        row.expiry_notified_at = now
    session.flush()
    return rows


def expiring_to_notify(session: Session, *, now: dt.datetime) -> Sequence[BoundCertificate]:
    """Like :func:`take_expiring` without marking: the expiry job sends first, then marks each
    certificate with :func:`mark_expiry_notified`, so a notice that failed is tried again."""
    return repository.expiring_unnotified(session, now, now + dt.timedelta(days=EXPIRY_NOTICE_DAYS))


def mark_expiry_notified(session: Session, bound_id: int, *, now: dt.datetime) -> None:
    row = repository.bound(session, bound_id)
    if row is not None and row.expiry_notified_at is None:
        row.expiry_notified_at = now
        session.flush()
