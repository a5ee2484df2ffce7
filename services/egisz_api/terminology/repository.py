"""SQL over the terminology tables (every lookup by a unique index)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from egisz_api.terminology.models import (
    CodeSystemRow,
    ConceptRow,
    SystemAliasRow,
    ValueSetMemberRow,
    ValueSetRow,
)


def aliases(session: Session) -> list[tuple[str, str]]:
    return [(r.alias, r.url) for r in session.scalars(select(SystemAliasRow))]


def code_system_by_url(session: Session, url: str) -> CodeSystemRow | None:
    return session.scalars(select(CodeSystemRow).where(CodeSystemRow.url == url)).first()


def code_system_by_id(session: Session, resource_id: str) -> CodeSystemRow | None:
    return session.scalars(select(CodeSystemRow).where(CodeSystemRow.resource_id == resource_id)).first()


def concept(session: Session, system: str, code: str) -> ConceptRow | None:
    return session.scalars(
        select(ConceptRow).where(ConceptRow.system == system, ConceptRow.code == code)
    ).first()


def value_set_by_url(session: Session, url: str) -> ValueSetRow | None:
    return session.scalars(select(ValueSetRow).where(ValueSetRow.url == url)).first()


def value_set_by_id(session: Session, resource_id: str) -> ValueSetRow | None:
    return session.scalars(select(ValueSetRow).where(ValueSetRow.resource_id == resource_id)).first()


def is_member(session: Session, value_set_url: str, system: str, code: str) -> bool:
    found = session.scalars(
        select(ValueSetMemberRow.pk).where(
            ValueSetMemberRow.value_set_url == value_set_url,
            ValueSetMemberRow.system == system,
            ValueSetMemberRow.code == code,
        )
    ).first()
    return found is not None


def members(session: Session, value_set_url: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(ValueSetMemberRow.system, ValueSetMemberRow.code).where(
            ValueSetMemberRow.value_set_url == value_set_url
        )
    )
    return [(system, code) for system, code in rows]


def member_concepts(session: Session, value_set_url: str) -> list[tuple[str, str, str, str | None]]:
    """The value set's members with their displays (system, code, Russian, English), by code."""
    rows = session.execute(
        select(ValueSetMemberRow.system, ValueSetMemberRow.code, ConceptRow.display, ConceptRow.display_en)
        .join(
            ConceptRow,
            (ConceptRow.system == ValueSetMemberRow.system) & (ConceptRow.code == ValueSetMemberRow.code),
        )
        .where(ValueSetMemberRow.value_set_url == value_set_url)
        .order_by(ValueSetMemberRow.code)
    )
    return [(system, code, display, display_en) for system, code, display, display_en in rows]


def _search(
    model: type[CodeSystemRow] | type[ValueSetRow],
    session: Session,
    *,
    ids: Sequence[Sequence[str]],
    urls: Sequence[Sequence[str]],
    names: Sequence[Sequence[str]],
    statuses: Sequence[Sequence[str]],
) -> list[bytes]:
    """Each argument is an AND of OR groups (a repeated parameter, a comma)."""
    statement = select(model.content).order_by(model.resource_id)
    for group in ids:
        statement = statement.where(model.resource_id.in_(group))
    for group in urls:
        statement = statement.where(model.url.in_(group))
    for group in statuses:
        statement = statement.where(model.status.in_(group))
    for group in names:
        statement = statement.where(or_(*(model.name.ilike(_prefix(n), escape="\\") for n in group)))
    return list(session.scalars(statement))


def search_code_systems(session: Session, **groups: Sequence[Sequence[str]]) -> list[bytes]:
    return _search(CodeSystemRow, session, **groups)


def search_value_sets(session: Session, **groups: Sequence[Sequence[str]]) -> list[bytes]:
    return _search(ValueSetRow, session, **groups)


def _prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
