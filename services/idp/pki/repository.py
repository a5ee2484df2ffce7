"""SQL of the pki feature: trusted CAs, cached CRLs and OCSP answers, bound certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from idp.pki.models import BoundCertificate, CachedCrl, CachedOcspResponse, LoginChallenge, TrustedCa


def trusted_cas(session: Session) -> Sequence[TrustedCa]:
    return session.scalars(select(TrustedCa).order_by(TrustedCa.id)).all()


def trusted_ca(session: Session, ca_id: int) -> TrustedCa | None:
    return session.get(TrustedCa, ca_id)


def trusted_ca_by_thumbprint(session: Session, thumbprint: str) -> TrustedCa | None:
    return session.scalar(select(TrustedCa).where(TrustedCa.thumbprint == thumbprint))


def trusted_cas_by_subject(session: Session, subject_key: str) -> Sequence[TrustedCa]:
    return session.scalars(select(TrustedCa).where(TrustedCa.subject_key == subject_key)).all()


def add(
    session: Session, row: TrustedCa | CachedCrl | CachedOcspResponse | BoundCertificate | LoginChallenge
) -> None:
    session.add(row)
    session.flush()


def remove(session: Session, row: TrustedCa | BoundCertificate) -> None:
    session.delete(row)
    session.flush()


def delete_crls_of(session: Session, issuer_key: str) -> None:
    session.execute(delete(CachedCrl).where(CachedCrl.issuer_key == issuer_key))


def crl(session: Session, issuer_key: str, source: str) -> CachedCrl | None:
    return session.scalar(
        select(CachedCrl).where(CachedCrl.issuer_key == issuer_key, CachedCrl.source == source)
    )


def crls_of(session: Session, issuer_key: str) -> Sequence[CachedCrl]:
    return session.scalars(select(CachedCrl).where(CachedCrl.issuer_key == issuer_key)).all()


def ocsp_response(session: Session, issuer_key: str, serial: str) -> CachedOcspResponse | None:
    return session.scalar(
        select(CachedOcspResponse).where(
            CachedOcspResponse.issuer_key == issuer_key, CachedOcspResponse.serial == serial
        )
    )


def bound(session: Session, bound_id: int) -> BoundCertificate | None:
    return session.get(BoundCertificate, bound_id)


def bound_by_thumbprint(session: Session, thumbprint: str) -> BoundCertificate | None:
    return session.scalar(select(BoundCertificate).where(BoundCertificate.thumbprint == thumbprint))


def bound_of_account(session: Session, account_id: int) -> Sequence[BoundCertificate]:
    return session.scalars(
        select(BoundCertificate)
        .where(BoundCertificate.account_id == account_id)
        .order_by(BoundCertificate.id)
    ).all()


def expiring_unnotified(session: Session, now: dt.datetime, until: dt.datetime) -> Sequence[BoundCertificate]:
    return session.scalars(
        select(BoundCertificate)
        .where(
            BoundCertificate.not_after > now,
            BoundCertificate.not_after <= until,
            BoundCertificate.expiry_notified_at.is_(None),
        )
        .order_by(BoundCertificate.not_after)
    ).all()


# -- login challenges ----------------------------------------------------------------------------
def purge_challenges(session: Session, before: dt.datetime) -> None:
    session.execute(delete(LoginChallenge).where(LoginChallenge.expires_at < before))


def spend_challenge(session: Session, handle: str, now: dt.datetime) -> bool:
    """Marks the challenge used; False when it is unknown or was used already. One conditional
    UPDATE: of two requests racing with the same challenge, exactly one gets True."""
    result = session.execute(
        update(LoginChallenge)
        .where(LoginChallenge.handle == handle, LoginChallenge.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def challenge(session: Session, handle: str) -> LoginChallenge | None:
    return session.scalar(select(LoginChallenge).where(LoginChallenge.handle == handle))
