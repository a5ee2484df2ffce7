"""The terminology tables: code systems and their concepts, value sets and their members (the
expansion, computed when the catalog is loaded), and the aliases a system is also known by. Each
CodeSystem and ValueSet keeps its FHIR JSON as served; lookups use the unique indexes."""

from __future__ import annotations

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egisz_api.database import Base


class CodeSystemRow(Base):
    __tablename__ = "terminology_code_systems"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: the canonical system URI (``urn:oid:...``, ``http://loinc.org``)
    url: Mapped[str] = mapped_column(String(256), unique=True)
    version: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))
    #: the CodeSystem resource as served (canonical JSON bytes)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class SystemAliasRow(Base):
    """Another URI of a held system (the federal ICD-10 OID for the N3 one, EGISZ.md §1.4)."""

    __tablename__ = "terminology_system_aliases"

    alias: Mapped[str] = mapped_column(String(256), primary_key=True)
    url: Mapped[str] = mapped_column(String(256))


class ConceptRow(Base):
    __tablename__ = "terminology_concepts"
    __table_args__ = (UniqueConstraint("system", "code"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(String(256))
    code: Mapped[str] = mapped_column(String(64))
    #: the Russian display (the service's default language)
    display: Mapped[str] = mapped_column(String(512))
    display_en: Mapped[str | None] = mapped_column(String(512), nullable=True)


class ValueSetRow(Base):
    __tablename__ = "terminology_value_sets"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(256), unique=True)
    version: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ValueSetMemberRow(Base):
    """One code of a value set's expansion (canonical system URI)."""

    __tablename__ = "terminology_value_set_members"
    __table_args__ = (UniqueConstraint("value_set_url", "system", "code"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_set_url: Mapped[str] = mapped_column(String(256))
    system: Mapped[str] = mapped_column(String(256))
    code: Mapped[str] = mapped_column(String(64))
