"""Issued vaccination certificates and the Immunizations each one certifies.

No personal data is kept here: the masked initials, birth date and doses are read from the record
whenever a certificate is shown or signed, so the table holds only ids, the number and the status.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from egisz_api.database import Base
from shared.db import UTCDateTime


class CovidCertificate(Base):
    __tablename__ = "covid_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 16 digits, 9xxx xxxx xxxx xxxx
    number: Mapped[str] = mapped_column(String(16), unique=True)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    #: ``valid`` | ``revoked`` (a certified Immunization entered-in-error) | ``replaced`` (a newer
    #: certificate lists more doses)
    status: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CovidCertificateDose(Base):
    __tablename__ = "covid_certificate_doses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("covid_certificates.id", ondelete="CASCADE"), index=True
    )
    immunization_id: Mapped[str] = mapped_column(String(64), index=True)
