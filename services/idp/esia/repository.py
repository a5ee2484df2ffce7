"""SQL of the ESIA face: client settings and certificates, diagnoses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from idp.esia.models import EsiaClient, EsiaClientCertificate, EsiaDiagnosis


def esia_client(session: Session, client_id: str) -> EsiaClient | None:
    return session.scalar(select(EsiaClient).where(EsiaClient.client_id == client_id))


def esia_clients(session: Session) -> Sequence[EsiaClient]:
    return session.scalars(select(EsiaClient).order_by(EsiaClient.client_id)).all()


def certificates_of(session: Session, client_id: str) -> Sequence[EsiaClientCertificate]:
    return session.scalars(
        select(EsiaClientCertificate)
        .where(EsiaClientCertificate.client_id == client_id)
        .order_by(EsiaClientCertificate.id)
    ).all()


def diagnosis(session: Session, handle: str) -> EsiaDiagnosis | None:
    return session.scalar(select(EsiaDiagnosis).where(EsiaDiagnosis.handle == handle))


def diagnoses_of(session: Session, client_id: str, limit: int) -> Sequence[EsiaDiagnosis]:
    return session.scalars(
        select(EsiaDiagnosis)
        .where(EsiaDiagnosis.client_id == client_id)
        .order_by(EsiaDiagnosis.created_at.desc(), EsiaDiagnosis.id.desc())
        .limit(limit)
    ).all()


def purge_diagnoses(session: Session, before: dt.datetime) -> None:
    session.execute(delete(EsiaDiagnosis).where(EsiaDiagnosis.created_at < before))


def add(session: Session, row: EsiaClient | EsiaClientCertificate | EsiaDiagnosis) -> None:
    session.add(row)
    session.flush()


def remove(session: Session, row: EsiaClient | EsiaClientCertificate) -> None:
    session.delete(row)
    session.flush()


def certificate_of(session: Session, client_id: str, sha256: str) -> EsiaClientCertificate | None:
    return session.scalar(
        select(EsiaClientCertificate).where(
            EsiaClientCertificate.client_id == client_id, EsiaClientCertificate.sha256 == sha256
        )
    )
