"""FHIR resources as stored: the current version, every version, and the search index tables.

The resource row keeps the canonical JSON bytes exactly as served (reads never re-serialise), the
patient compartment key and the sort key; the index tables are filled on every write from the
search parameters of :mod:`egisz_api.records.parameters`, so a search is SQL over them and never a
scan of JSON (CONVENTIONS "FHIR").
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egisz_api.database import Base
from shared.db import UTCDateTime


class FhirResource(Base):
    """The current version of one resource."""

    __tablename__ = "fhir_resources"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id"),
        Index("ix_fhir_resources_compartment", "resource_type", "patient_id", "pk"),
        Index("ix_fhir_resources_sort", "resource_type", "sort_date", "pk"),
        Index("ix_fhir_resources_updated", "resource_type", "last_updated", "pk"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(Integer)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the resource's own date (its ``date``-like search parameter's start), else ``last_updated``
    sort_date: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the Patient this resource belongs to (its own id for a Patient), None outside a compartment
    patient_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: no physical deletes (EGISZ.md §5 (C)); a deleted flag hides a resource from reads and searches
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class FhirResourceVersion(Base):
    """Every version ever written (vread and ``_history``), the current one included."""

    __tablename__ = "fhir_resource_versions"
    __table_args__ = (UniqueConstraint("resource_pk", "version_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_pk: Mapped[int] = mapped_column(ForeignKey("fhir_resources.pk", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(Integer)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the interaction that wrote it: ``create`` or ``update``
    method: Mapped[str] = mapped_column(String(16))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class TokenIndex(Base):
    """A token parameter's values: ``system|code`` (system is '' when the value has none)."""

    __tablename__ = "fhir_token_index"
    __table_args__ = (Index("ix_fhir_token_index_lookup", "resource_type", "param", "code", "system"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_pk: Mapped[int] = mapped_column(ForeignKey("fhir_resources.pk", ondelete="CASCADE"), index=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    system: Mapped[str] = mapped_column(String(256))
    code: Mapped[str] = mapped_column(String(256))


class DateIndex(Base):
    """A date parameter's values as the instants ``[low, high)`` the value covers."""

    __tablename__ = "fhir_date_index"
    __table_args__ = (Index("ix_fhir_date_index_lookup", "resource_type", "param", "low", "high"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_pk: Mapped[int] = mapped_column(ForeignKey("fhir_resources.pk", ondelete="CASCADE"), index=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    low: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    high: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ReferenceIndex(Base):
    """A reference parameter's targets as ``Type/id``."""

    __tablename__ = "fhir_reference_index"
    __table_args__ = (
        Index("ix_fhir_reference_index_lookup", "resource_type", "param", "target_id", "target_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_pk: Mapped[int] = mapped_column(ForeignKey("fhir_resources.pk", ondelete="CASCADE"), index=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))


class StringIndex(Base):
    """A string parameter's values, case- and accent-folded (``Ё`` finds ``е``)."""

    __tablename__ = "fhir_string_index"
    __table_args__ = (Index("ix_fhir_string_index_lookup", "resource_type", "param", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_pk: Mapped[int] = mapped_column(ForeignKey("fhir_resources.pk", ondelete="CASCADE"), index=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(256))


class MeasureIndex(Base):
    """What a resource counts for in the authorities' reports (records/measures.py): the columns
    the aggregates group by, and nothing that names a person (R-EGZ-4)."""

    __tablename__ = "fhir_measure_index"
    __table_args__ = (Index("ix_fhir_measure_index_lookup", "measure", "day", "region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_pk: Mapped[int] = mapped_column(
        ForeignKey("fhir_resources.pk", ondelete="CASCADE"), unique=True, index=True
    )
    measure: Mapped[str] = mapped_column(String(32))
    #: the test kind or the dose number
    stratum: Mapped[str] = mapped_column(String(16))
    positive: Mapped[bool] = mapped_column(Boolean)
    #: the two-digit region code of the performing organisation ('' when unknown)
    region: Mapped[str] = mapped_column(String(2))
    day: Mapped[dt.date] = mapped_column(Date)
    #: the Monday of the day's ISO week and the first of its month: periods GROUP BY a column
    week: Mapped[dt.date] = mapped_column(Date)
    month: Mapped[dt.date] = mapped_column(Date)
