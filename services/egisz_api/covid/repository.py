"""SQL of the certificates' tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from egisz_api.covid.models import CovidCertificate, CovidCertificateDose


def valid_for_patient(session: Session, patient_id: str) -> CovidCertificate | None:
    return session.scalars(
        select(CovidCertificate)
        .where(CovidCertificate.patient_id == patient_id, CovidCertificate.status == "valid")
        .order_by(CovidCertificate.id.desc())
        .limit(1)
    ).first()


def by_number(session: Session, number: str) -> CovidCertificate | None:
    return session.scalars(select(CovidCertificate).where(CovidCertificate.number == number)).first()


def number_taken(session: Session, number: str) -> bool:
    return session.scalar(select(CovidCertificate.id).where(CovidCertificate.number == number)) is not None


def immunization_ids(session: Session, certificate_id: int) -> list[str]:
    return list(
        session.scalars(
            select(CovidCertificateDose.immunization_id)
            .where(CovidCertificateDose.certificate_id == certificate_id)
            .order_by(CovidCertificateDose.id)
        )
    )


def add(session: Session, certificate: CovidCertificate, immunization_ids: list[str]) -> CovidCertificate:
    session.add(certificate)
    session.flush()
    session.add_all(
        CovidCertificateDose(certificate_id=certificate.id, immunization_id=i) for i in immunization_ids
    )
    session.flush()
    return certificate


def end(session: Session, certificate_id: int, status: str, at: dt.datetime) -> None:
    session.execute(
        update(CovidCertificate)
        .where(CovidCertificate.id == certificate_id, CovidCertificate.status == "valid")
        .values(status=status, ended_at=at)
    )


def revoke_certifying(session: Session, immunization_id: str, at: dt.datetime) -> int:
    """Revoke every valid certificate that certifies this Immunization; how many were."""
    certifying = select(CovidCertificateDose.certificate_id).where(
        CovidCertificateDose.immunization_id == immunization_id
    )
    result = session.execute(
        update(CovidCertificate)
        .where(CovidCertificate.id.in_(certifying), CovidCertificate.status == "valid")
        .values(status="revoked", ended_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
