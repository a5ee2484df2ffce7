"""SQL over the resource, version and index tables (the only place that builds it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from egisz_api.records.measures import MEASURED_TYPES
from egisz_api.records.models import (
    DateIndex,
    FhirResource,
    FhirResourceVersion,
    MeasureIndex,
    ReferenceIndex,
    StringIndex,
    TokenIndex,
)
from egisz_api.records.parameters import ORGANIZATION_IDENTIFIER, Extracted
from egisz_api.records.schemas import (
    Condition,
    Criteria,
    DateCondition,
    IdCondition,
    LastUpdatedCondition,
    MeasureCount,
    OrganizationRule,
    ReferenceCondition,
    StoredResource,
    StringCondition,
    TokenCondition,
)

_COLUMNS = (
    FhirResource.pk,
    FhirResource.resource_type,
    FhirResource.resource_id,
    FhirResource.version_id,
    FhirResource.last_updated,
    FhirResource.patient_id,
    FhirResource.content,
)


def _stored(row: Any, sort_value: Any = None) -> StoredResource:
    return StoredResource(
        pk=row.pk,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        version_id=row.version_id,
        last_updated=row.last_updated,
        patient_id=row.patient_id,
        content=row.content,
        sort_value=sort_value,
    )


#: the read by id, built once (the hottest statement; see ``_PREPARED``)
_CURRENT = select(*_COLUMNS).where(
    FhirResource.resource_type == bindparam("p_type"),
    FhirResource.resource_id == bindparam("p_id"),
    FhirResource.deleted == false(),
)


def current(session: Session, resource_type: str, resource_id: str) -> StoredResource | None:
    row = session.execute(_CURRENT, {"p_type": resource_type, "p_id": resource_id}).first()
    return _stored(row) if row is not None else None


def version(session: Session, resource_pk: int, version_id: int) -> tuple[bytes, Any] | None:
    row = session.execute(
        select(FhirResourceVersion.content, FhirResourceVersion.last_updated).where(
            FhirResourceVersion.resource_pk == resource_pk, FhirResourceVersion.version_id == version_id
        )
    ).first()
    return (row.content, row.last_updated) if row is not None else None


def versions(
    session: Session, resource_pk: int, *, before: int | None, limit: int
) -> Sequence[FhirResourceVersion]:
    stmt = select(FhirResourceVersion).where(FhirResourceVersion.resource_pk == resource_pk)
    if before is not None:
        stmt = stmt.where(FhirResourceVersion.version_id < before)
    stmt = stmt.order_by(FhirResourceVersion.version_id.desc()).limit(limit)
    return session.scalars(stmt).all()


# Core statements on the tables (not ORM entities): the ORM's bulk-insert layer cost more than the
# insert itself, and a transaction Bundle runs six of these per entry (issue 14's benchmark)
def _table_insert(model: Any) -> Any:
    return insert(cast(Table, model.__table__))


_INSERT_RESOURCE = _table_insert(FhirResource).returning(cast(Table, FhirResource.__table__).c.pk)
_INSERT_VERSION = _table_insert(FhirResourceVersion)
_INSERT_INDEX = {
    model: _table_insert(model)
    for model in (TokenIndex, DateIndex, ReferenceIndex, StringIndex, MeasureIndex)
}


def add_resource(session: Session, values: dict[str, Any]) -> int:
    """Insert a new resource's current row; its primary key. (Core statements, not ORM objects:
    a transaction Bundle writes many, and nothing reads them back as objects.)"""
    pk = session.execute(_INSERT_RESOURCE, values).scalar_one()
    return int(pk)


def add_version(session: Session, values: dict[str, Any]) -> None:
    session.execute(_INSERT_VERSION, values)


def replace_current(session: Session, pk: int, expected_version: int, values: dict[str, Any]) -> bool:
    """Write the next version only if nobody wrote one since ``expected_version`` was read."""
    result = session.execute(
        update(FhirResource)
        .where(FhirResource.pk == pk, FhirResource.version_id == expected_version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def locate(session: Session, resource_type: str, resource_id: str) -> tuple[int, int] | None:
    """(pk, version) of a resource, deleted or not: ids are never reused."""
    row = session.execute(
        select(FhirResource.pk, FhirResource.version_id).where(
            FhirResource.resource_type == resource_type, FhirResource.resource_id == resource_id
        )
    ).first()
    return (row.pk, row.version_id) if row is not None else None


def replace_index(session: Session, pk: int, resource_type: str, extracted: Extracted) -> None:
    """The search index of a resource's new current version (an update: the old rows go)."""
    for table in (TokenIndex, DateIndex, ReferenceIndex, StringIndex):
        session.execute(delete(table).where(table.resource_pk == pk))
    if resource_type in MEASURED_TYPES:
        session.execute(delete(MeasureIndex).where(MeasureIndex.resource_pk == pk))
    add_index(session, pk, resource_type, extracted)


def add_index(session: Session, pk: int, resource_type: str, extracted: Extracted) -> None:
    """The search index of a new resource (nothing to delete)."""
    common = {"resource_pk": pk, "resource_type": resource_type}
    if extracted.tokens:
        session.execute(
            _INSERT_INDEX[TokenIndex],
            [{**common, "param": p, "system": s, "code": c} for p, s, c in extracted.tokens],
        )
    if extracted.dates:
        session.execute(
            _INSERT_INDEX[DateIndex],
            [{**common, "param": p, "low": lo, "high": hi} for p, lo, hi in extracted.dates],
        )
    if extracted.references:
        session.execute(
            _INSERT_INDEX[ReferenceIndex],
            [{**common, "param": p, "target_type": t, "target_id": i} for p, t, i in extracted.references],
        )
    if extracted.strings:
        session.execute(
            _INSERT_INDEX[StringIndex], [{**common, "param": p, "value": v} for p, v in extracted.strings]
        )
    fact = extracted.measure
    if fact is not None:
        session.execute(
            _INSERT_INDEX[MeasureIndex],
            [
                {
                    "resource_pk": pk,
                    "measure": fact.measure,
                    "stratum": fact.stratum,
                    "positive": fact.positive,
                    "region": fact.region,
                    "day": fact.day,
                    "week": fact.week,
                    "month": fact.month,
                }
            ],
        )


def measure_counts(
    session: Session, measure: str, start: dt.date, end: dt.date, period: str, regions: Sequence[str] | None
) -> list[MeasureCount]:
    """Counts and positives per region, period bucket and stratum of one measure, days
    ``start``..``end`` inclusive: one GROUP BY over the measure index (R-EGZ-4)."""
    bucket = {"day": MeasureIndex.day, "week": MeasureIndex.week, "month": MeasureIndex.month}[period]
    conditions = [
        MeasureIndex.measure == measure,
        MeasureIndex.day >= start,
        MeasureIndex.day <= end,
        FhirResource.deleted == false(),
    ]
    if regions is not None:
        conditions.append(MeasureIndex.region.in_(list(regions)))
    statement = (
        select(
            MeasureIndex.region,
            bucket.label("bucket"),
            MeasureIndex.stratum,
            func.count().label("total"),
            func.sum(case((MeasureIndex.positive == true(), 1), else_=0)).label("positives"),
        )
        .join(FhirResource, FhirResource.pk == MeasureIndex.resource_pk)
        .where(*conditions)
        .group_by(MeasureIndex.region, bucket, MeasureIndex.stratum)
        .order_by(MeasureIndex.region, bucket, MeasureIndex.stratum)
    )
    return [
        MeasureCount(row.region, row.bucket, row.stratum, int(row.total), int(row.positives or 0))
        for row in session.execute(statement)
    ]


# --- search ------------------------------------------------------------------------------------


def _token(resource_type: str, cond: TokenCondition) -> ColumnElement[bool]:
    sub = select(TokenIndex.resource_pk).where(
        TokenIndex.resource_type == resource_type, TokenIndex.param == cond.param
    )
    if cond.code is not None:
        sub = sub.where(TokenIndex.code == cond.code)
    if cond.system is not None:
        sub = sub.where(TokenIndex.system == cond.system)
    return FhirResource.pk.in_(sub)


def _date_range(low_col: Any, high_col: Any, prefix: str, low: Any, high: Any) -> ColumnElement[bool]:
    # half-open ranges on both sides (R4 search §3.1.1.4.3 prefixes)
    if prefix == "eq":
        return and_(low_col >= low, high_col <= high)
    if prefix == "lt":
        return low_col < low
    if prefix == "le":
        return low_col < high
    if prefix == "gt":
        return high_col > high
    return high_col > low  # ge


def _condition(resource_type: str, cond: Condition) -> ColumnElement[bool]:
    if isinstance(cond, TokenCondition):
        return _token(resource_type, cond)
    if isinstance(cond, DateCondition):
        return FhirResource.pk.in_(
            select(DateIndex.resource_pk).where(
                DateIndex.resource_type == resource_type,
                DateIndex.param == cond.param,
                _date_range(DateIndex.low, DateIndex.high, cond.prefix, cond.low, cond.high),
            )
        )
    if isinstance(cond, ReferenceCondition):
        ref = select(ReferenceIndex.resource_pk).where(
            ReferenceIndex.resource_type == resource_type,
            ReferenceIndex.param == cond.param,
            ReferenceIndex.target_id == cond.target_id,
        )
        if cond.target_type is not None:
            ref = ref.where(ReferenceIndex.target_type == cond.target_type)
        return FhirResource.pk.in_(ref)
    if isinstance(cond, StringCondition):
        match = (
            StringIndex.value == cond.value
            if cond.exact
            else StringIndex.value.startswith(cond.value, autoescape=True)
        )
        return FhirResource.pk.in_(
            select(StringIndex.resource_pk).where(
                StringIndex.resource_type == resource_type, StringIndex.param == cond.param, match
            )
        )
    if isinstance(cond, IdCondition):
        return FhirResource.resource_id.in_(cond.ids)
    assert isinstance(cond, LastUpdatedCondition)
    # last_updated is an instant: the range [t, t]
    column = FhirResource.last_updated
    if cond.prefix == "eq":
        return and_(column >= cond.low, column < cond.high)
    if cond.prefix in ("lt", "le"):
        return column < (cond.low if cond.prefix == "lt" else cond.high)
    return column >= (cond.high if cond.prefix == "gt" else cond.low)


def restriction_filter(
    resource_type: str, restrictions: list[list[TokenCondition]] | None
) -> ColumnElement[bool]:
    if restrictions is None:
        return true()
    return or_(false(), *(and_(true(), *(_token(resource_type, c) for c in r)) for r in restrictions))


def organization_patients(rule: OrganizationRule) -> Select[Any]:
    """The ids of the Patients attached to the rule's organisation, from the Patient index tables
    (``organization`` references, ``organization-identifier`` tokens): a subquery, never a scan of
    the resources' JSON."""
    by_reference = select(ReferenceIndex.resource_pk).where(
        ReferenceIndex.resource_type == "Patient",
        ReferenceIndex.param == "organization",
        ReferenceIndex.target_id == rule.reference_id,
        ReferenceIndex.target_type == "Organization",
    )
    by_identifier = select(TokenIndex.resource_pk).where(
        TokenIndex.resource_type == "Patient",
        TokenIndex.param == ORGANIZATION_IDENTIFIER,
        TokenIndex.code.in_(rule.identifiers),
    )
    return select(FhirResource.resource_id).where(
        FhirResource.resource_type == "Patient",
        FhirResource.deleted == false(),
        FhirResource.pk.in_(by_reference.union(by_identifier)),
    )


def organization_filter(rule: OrganizationRule | None) -> ColumnElement[bool]:
    """Records of no patient, or of a patient of the rule's organisation (true without a rule)."""
    if rule is None:
        return true()
    return or_(FhirResource.patient_id.is_(None), FhirResource.patient_id.in_(organization_patients(rule)))


def patient_in_organization(session: Session, patient_id: str, rule: OrganizationRule) -> bool:
    stmt = organization_patients(rule).where(FhirResource.resource_id == patient_id).limit(1)
    return session.execute(stmt).first() is not None


def _filters(criteria: Criteria) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [
        FhirResource.resource_type == criteria.resource_type,
        FhirResource.deleted == false(),
    ]
    if criteria.compartment is not None:
        filters.append(FhirResource.patient_id == criteria.compartment)
    for clause in criteria.clauses:
        filters.append(or_(*(_condition(criteria.resource_type, c) for c in clause)))
    if criteria.restrictions is not None:
        filters.append(restriction_filter(criteria.resource_type, criteria.restrictions))
    for excluded in criteria.excluded:
        filters.append(~_token(criteria.resource_type, excluded))
    if criteria.organization is not None:
        filters.append(organization_filter(criteria.organization))
    return filters


def search(session: Session, criteria: Criteria) -> list[StoredResource]:
    """One page, ordered by the sort key then pk; the cursor continues after a (key, pk) pair."""
    return search_counted(session, criteria, total=False)[0]


def search_counted(
    session: Session, criteria: Criteria, *, total: bool = True
) -> tuple[list[StoredResource], int | None]:
    """One page and, with ``total``, the number of all matches in the same statement (a window
    ``count(*) over ()`` is computed before the LIMIT; an empty page means no match at all when
    there is no cursor): one round trip instead of a second COUNT query."""
    prepared = _prepared(criteria, total)
    if prepared is not None:
        stmt, params = prepared
        rows = session.execute(stmt, params).all()
    else:
        rows = session.execute(_statement(criteria, total).limit(criteria.count)).all()
    found = [_stored(r, r.sort_value if criteria.sort != "pk" else None) for r in rows]
    if not total:
        return found, None
    if rows:
        return found, int(rows[0].total)
    return found, 0 if criteria.after is None else count(session, criteria)


def _statement(criteria: Criteria, total: bool) -> Select[Any]:
    sort_col: Any = {
        "pk": FhirResource.pk,
        "date": FhirResource.sort_date,
        "lastUpdated": FhirResource.last_updated,
    }[criteria.sort]
    filters = _filters(criteria)
    after = criteria.after
    if after is not None:
        if criteria.sort == "pk":
            filters.append(FhirResource.pk < after.pk if criteria.descending else FhirResource.pk > after.pk)
        elif criteria.descending:
            filters.append(
                or_(
                    sort_col < after.sort_value,
                    and_(sort_col == after.sort_value, FhirResource.pk < after.pk),
                )
            )
        else:
            filters.append(
                or_(
                    sort_col > after.sort_value,
                    and_(sort_col == after.sort_value, FhirResource.pk > after.pk),
                )
            )
    order: tuple[Any, ...] = (
        (sort_col.desc(), FhirResource.pk.desc()) if criteria.descending else (sort_col, FhirResource.pk)
    )
    if criteria.sort == "pk":
        order = order[1:]
    columns = [*_COLUMNS, sort_col.label("sort_value")]
    if total:
        columns.append(func.count().over().label("total"))
    return select(*columns).where(*filters).order_by(*order)


#: statements of the hottest search shapes (a type, optionally its patient compartment and one
#: reference such as ``patient=``, sorted, first page), built once with bound parameters: building
#: and cache-keying a SELECT costs SQLAlchemy more than SQLite takes to run it
_PREPARED: dict[tuple[Any, ...], Select[Any]] = {}


def _prepared(criteria: Criteria, total: bool) -> tuple[Select[Any], dict[str, Any]] | None:
    if (
        criteria.restrictions is not None
        or criteria.after is not None
        or len(criteria.clauses) > 1
        or criteria.organization is not None
    ):
        return None
    # one excluded token without a system (entered-in-error records) is a bound parameter too
    if len(criteria.excluded) > 1 or any(e.system is not None for e in criteria.excluded):
        return None
    excluded = criteria.excluded[0] if criteria.excluded else None
    reference: ReferenceCondition | None = None
    if criteria.clauses:
        (clause,) = criteria.clauses
        if len(clause) != 1 or not isinstance(clause[0], ReferenceCondition):
            return None
        reference = clause[0]
    has_compartment = criteria.compartment is not None
    key = (
        criteria.sort,
        criteria.descending,
        has_compartment,
        reference.param if reference else None,
        reference is not None and reference.target_type is not None,
        total,
        excluded is not None,
    )
    params: dict[str, Any] = {"p_type": criteria.resource_type, "p_limit": criteria.count}
    if excluded is not None:
        params["p_excluded_param"], params["p_excluded_code"] = excluded.param, excluded.code
    if has_compartment:
        params["p_compartment"] = criteria.compartment
    if reference is not None:
        params["p_target_id"] = reference.target_id
        if reference.target_type is not None:
            params["p_target_type"] = reference.target_type
    stmt = _PREPARED.get(key)
    if stmt is None:
        template = Criteria(
            resource_type=cast(str, bindparam("p_type")),
            compartment=cast(str, bindparam("p_compartment")) if has_compartment else None,
            sort=criteria.sort,
            descending=criteria.descending,
        )
        if reference is not None:
            target_type = cast(str, bindparam("p_target_type")) if reference.target_type is not None else None
            template.clauses = [
                [ReferenceCondition(reference.param, target_type, cast(str, bindparam("p_target_id")))]
            ]
        if excluded is not None:
            template.excluded = [
                TokenCondition(
                    cast(str, bindparam("p_excluded_param")), None, cast(str, bindparam("p_excluded_code"))
                )
            ]
        stmt = _PREPARED[key] = _statement(template, total).limit(bindparam("p_limit"))
    return stmt, params


def count(session: Session, criteria: Criteria) -> int:
    return int(session.scalar(select(func.count()).select_from(FhirResource).where(*_filters(criteria))) or 0)


def reference_targets(session: Session, pks: Iterable[int], param: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(ReferenceIndex.target_type, ReferenceIndex.target_id)
        .where(ReferenceIndex.resource_pk.in_(list(pks)), ReferenceIndex.param == param)
        .order_by(ReferenceIndex.id)
    ).all()
    return [(r.target_type, r.target_id) for r in rows]


def by_ids(
    session: Session,
    resource_type: str,
    ids: Sequence[str],
    *,
    compartment: str | None,
    restrictions: list[list[TokenCondition]] | None,
    organization: OrganizationRule | None = None,
) -> list[StoredResource]:
    if not ids:
        return []
    stmt = select(*_COLUMNS).where(
        FhirResource.resource_type == resource_type,
        FhirResource.resource_id.in_(list(ids)),
        FhirResource.deleted == false(),
        restriction_filter(resource_type, restrictions),
        organization_filter(organization),
    )
    if compartment is not None:
        stmt = stmt.where(FhirResource.patient_id == compartment)
    return [_stored(r) for r in session.execute(stmt.order_by(FhirResource.pk)).all()]


def satisfies(
    session: Session, pk: int, resource_type: str, restrictions: list[list[TokenCondition]]
) -> bool:
    stmt = select(FhirResource.pk).where(
        FhirResource.pk == pk, restriction_filter(resource_type, restrictions)
    )
    return session.execute(stmt).first() is not None


def patients_with_identifier(session: Session, system: str, value: str) -> list[str]:
    rows = session.execute(
        select(FhirResource.resource_id)
        .where(
            FhirResource.resource_type == "Patient",
            FhirResource.deleted == false(),
            FhirResource.pk.in_(
                select(TokenIndex.resource_pk).where(
                    TokenIndex.resource_type == "Patient",
                    TokenIndex.param == "identifier",
                    TokenIndex.code == value,
                    TokenIndex.system == system,
                )
            ),
        )
        .order_by(FhirResource.pk)
    ).all()
    return [r.resource_id for r in rows]


def compartment_page(
    session: Session,
    patient_id: str,
    allowed: dict[str, list[list[TokenCondition]] | None],
    *,
    after_pk: int | None,
    limit: int,
) -> list[StoredResource]:
    """``Patient/$everything``: the Patient and its compartment, in pk order, only the types (and
    the granular restrictions) the caller may read."""
    per_type = [
        and_(FhirResource.resource_type == t, restriction_filter(t, r)) for t, r in sorted(allowed.items())
    ]
    stmt = select(*_COLUMNS).where(
        FhirResource.patient_id == patient_id, FhirResource.deleted == false(), or_(false(), *per_type)
    )
    if after_pk is not None:
        stmt = stmt.where(FhirResource.pk > after_pk)
    return [_stored(r) for r in session.execute(stmt.order_by(FhirResource.pk).limit(limit)).all()]


def timeline(
    session: Session,
    patient_id: str,
    types: Sequence[str],
    *,
    hide_reported_results: bool,
    after: tuple[Any, int] | None,
    limit: int,
) -> list[StoredResource]:
    """A patient's resources of ``types`` across types, newest first by their own date (keyset
    paging on ``(sort_date, pk)``); with ``hide_reported_results`` an Observation that a
    DiagnosticReport of the same patient lists as a result is left out (the report shows it)."""
    filters: list[ColumnElement[bool]] = [
        FhirResource.patient_id == patient_id,
        FhirResource.deleted == false(),
        FhirResource.resource_type.in_(list(types)),
    ]
    if hide_reported_results and "Observation" in types:
        reports = select(FhirResource.pk).where(
            FhirResource.resource_type == "DiagnosticReport",
            FhirResource.patient_id == patient_id,
            FhirResource.deleted == false(),
        )
        reported = select(ReferenceIndex.target_id).where(
            ReferenceIndex.resource_type == "DiagnosticReport",
            ReferenceIndex.param == "result",
            ReferenceIndex.target_type == "Observation",
            ReferenceIndex.resource_pk.in_(reports),
        )
        filters.append(
            or_(FhirResource.resource_type != "Observation", FhirResource.resource_id.not_in(reported))
        )
    if after is not None:
        sort_value, pk = after
        filters.append(
            or_(
                FhirResource.sort_date < sort_value,
                and_(FhirResource.sort_date == sort_value, FhirResource.pk < pk),
            )
        )
    stmt = (
        select(*_COLUMNS, FhirResource.sort_date.label("sort_value"))
        .where(*filters)
        .order_by(FhirResource.sort_date.desc(), FhirResource.pk.desc())
        .limit(limit)
    )
    return [_stored(r, r.sort_value) for r in session.execute(stmt).all()]


#: built once, so each call reuses the compiled statement (the consent gate runs it per request)
_LATEST_WITH_TOKEN = (
    select(FhirResource.content)
    .where(
        FhirResource.resource_type == bindparam("resource_type"),
        FhirResource.patient_id == bindparam("patient_id"),
        FhirResource.deleted == false(),
        FhirResource.pk.in_(
            select(TokenIndex.resource_pk).where(
                TokenIndex.resource_type == bindparam("resource_type"),
                TokenIndex.param == bindparam("param"),
                TokenIndex.system == bindparam("system"),
                TokenIndex.code == bindparam("code"),
            )
        ),
    )
    .order_by(FhirResource.last_updated.desc(), FhirResource.pk.desc())
    .limit(1)
)


def latest_with_token(
    session: Session, resource_type: str, patient_id: str, param: str, system: str, code: str
) -> bytes | None:
    values = {
        "resource_type": resource_type,
        "patient_id": patient_id,
        "param": param,
        "system": system,
        "code": code,
    }
    content: bytes | None = session.execute(_LATEST_WITH_TOKEN, values).scalar()
    return content


def lock_key(session: Session, key: int) -> None:
    """A transaction-scoped exclusive lock on ``key`` (PostgreSQL advisory lock). SQLite has one
    writer at a time: a write-lock session already holds it, so nothing is needed there."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(key)))
