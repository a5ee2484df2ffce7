"""Who may read the authorities' reports, and the reports themselves (EGISZ.md §5 row 31).

Order of the checks, as §5 (A): scope (``user/`` or ``system/MeasureReport.rs``) → role
(``authority_regional``, ``authority_federal``, ``admin``) → region (a regional authority sees its
own region only; asking for another is 403). Then one GROUP BY over the measure index and the
suppression of small cells. Nothing here reads a resource or names a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.records import service as records
from egisz_api.records.measures import REGION, region_of_oid
from egisz_api.reports.definitions import (
    MEASURE_SEARCH,
    MEASURES,
    OPERATION_PARAMETERS,
    REPORT_SEARCH,
    MeasureDefinition,
)
from egisz_api.reports.errors import ReportAccessDeniedError, UnsupportedReportError
from egisz_api.reports.query import (
    ReportQuery,
    build,
    check_known,
    default_range,
    measure_of,
    parse_date,
    parse_region,
    parse_unit,
    single,
)
from egisz_api.reports.suppression import Line, suppress, suppress_positives
from shared.smart_scopes import parse_scopes
from shared.tokens import InsufficientScopeError

REALM = "egisz"
REPORT_ROLES = frozenset({"authority_regional", "authority_federal", "admin"})
#: roles that see every region
NATIONWIDE = frozenset({"authority_federal", "admin"})


@dataclass(frozen=True)
class Authority:
    roles: frozenset[str]
    #: the only region this caller may see; None: every region
    region: str | None


@dataclass(frozen=True)
class ReportRow:
    region: str
    start: dt.date
    end: dt.date
    counts: Line
    positives: Line | None


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    strata: tuple[str, ...]
    rows: list[ReportRow]
    #: the region the caller is bound to (None: nationwide)
    bound_region: str | None


def _roles(claims: Mapping[str, Any]) -> frozenset[str]:
    value = claims.get("roles")
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(str(v) for v in value)
    return frozenset()


def _own_region(claims: Mapping[str, Any]) -> str | None:
    """A regional authority's region: the ``region`` claim, else the region inside the ФРМО OID
    of its ``org`` claim (EGISZ.md §5 "Claims")."""
    region = claims.get("region")
    if isinstance(region, str) and REGION.match(region):
        return region
    org = claims.get("org")
    return region_of_oid(org) if isinstance(org, str) else None


def check_scope(claims: Mapping[str, Any], permission: str) -> None:
    scopes = parse_scopes(claims.get("scope"))
    if not any(s.context in ("user", "system") and s.covers("MeasureReport", permission) for s in scopes):
        raise InsufficientScopeError(
            "The token has no user/ or system/ MeasureReport scope.",
            realm=REALM,
            scope=f"user/MeasureReport.{permission}",
        )


def authority_of(claims: Mapping[str, Any], permission: str = "s") -> Authority:
    """The caller as a reader of aggregates, or 403."""
    check_scope(claims, permission)
    roles = _roles(claims)
    if not roles & REPORT_ROLES:
        raise ReportAccessDeniedError(
            "Reports are for health authorities (authority_regional, authority_federal) and admins.",
            realm=REALM,
        )
    if roles & NATIONWIDE:
        return Authority(roles, None)
    region = _own_region(claims)
    if region is None:
        raise ReportAccessDeniedError(
            "A regional authority's token names no region (a region claim or a ФРМО OID in org).",
            realm=REALM,
        )
    return Authority(roles, region)


def regions_for(authority: Authority, asked: str | None) -> list[str] | None:
    """The regions a report covers; a regional authority asking for another region → 403."""
    if authority.region is None:
        return [asked] if asked is not None else None
    if asked is not None and asked != authority.region:
        raise ReportAccessDeniedError(
            f"A regional authority sees its own region ({authority.region}) only.", realm=REALM
        )
    return [authority.region]


def _bucket_end(start: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return start
    if unit == "week":
        return start + dt.timedelta(days=6)
    following = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _strata(definition: MeasureDefinition, seen: set[str]) -> tuple[str, ...]:
    extra = sorted(seen - set(definition.strata), key=lambda s: (not s.isdigit(), s.zfill(4)))
    return (*definition.strata, *extra)


def evaluate(session: Session, authority: Authority, query: ReportQuery) -> Report:
    """The report: counts per region, period and stratum, small cells suppressed."""
    regions = regions_for(authority, query.region)
    counts = records.measure_counts(session, query.measure.id, query.start, query.end, query.unit, regions)
    strata = _strata(query.measure, {c.stratum for c in counts})
    grouped: dict[tuple[str, dt.date], dict[str, tuple[int, int]]] = {}
    for count in counts:
        grouped.setdefault((count.region, count.period), {})[count.stratum] = (count.total, count.positives)
    rows = []
    for (region, bucket), cells in sorted(grouped.items()):
        line = suppress({s: cells.get(s, (0, 0))[0] for s in strata})
        positives = (
            suppress_positives({s: cells.get(s, (0, 0))[1] for s in strata}, line)
            if query.measure.positives
            else None
        )
        rows.append(
            ReportRow(
                region,
                max(bucket, query.start),
                min(_bucket_end(bucket, query.unit), query.end),
                line,
                positives,
            )
        )
    return Report(query, strata, rows, authority.region)


# --- the interactions (one per route) -----------------------------------------------------------

_OPERATION_PARAMETERS = {*OPERATION_PARAMETERS, "_format"}
_SEARCH_PARAMETERS = {*REPORT_SEARCH, "_format"}


def evaluate_measure(
    session: Session,
    claims: Mapping[str, Any],
    measure_id: str,
    pairs: Sequence[tuple[str, str]],
    today: dt.date,
) -> Report:
    """``Measure/{id}/$evaluate-measure`` (R4 clinical reasoning): a summary report."""
    authority = authority_of(claims, "r")
    check_known(pairs, _OPERATION_PARAMETERS)
    definition = measure_of(measure_id)
    report_type = single(pairs, "reportType")
    if report_type not in (None, "summary"):
        raise UnsupportedReportError("Only reportType=summary is served: aggregates, no individual reports.")
    default_start, default_end = default_range(today)
    start_text, end_text = single(pairs, "periodStart"), single(pairs, "periodEnd")
    start = parse_date(start_text, "periodStart") if start_text else default_start
    end = parse_date(end_text, "periodEnd", end=True) if end_text else default_end
    region = parse_region(single(pairs, "subject"), "subject")
    query = build(definition, start, end, parse_unit(single(pairs, "periodUnit")), region)
    return evaluate(session, authority, query)


def _period(values: list[str], today: dt.date) -> tuple[dt.date, dt.date]:
    start, end = default_range(today)
    for value in values:
        prefix, text = (
            (value[:2], value[2:]) if value[:2] in ("ge", "gt", "le", "lt", "eq") else ("eq", value)
        )
        if prefix in ("ge", "gt"):
            start = parse_date(text, "period")
        elif prefix in ("le", "lt"):
            end = parse_date(text, "period", end=True)
        else:
            start, end = parse_date(text, "period"), parse_date(text, "period", end=True)
    return start, end


def search_reports(
    session: Session, claims: Mapping[str, Any], pairs: Sequence[tuple[str, str]], today: dt.date
) -> list[Report]:
    """``MeasureReport?measure&period&subject&status``: summary reports computed on request (none
    is stored), one per measure asked for (every measure when none is named)."""
    authority = authority_of(claims, "s")
    check_known(pairs, _SEARCH_PARAMETERS)
    measure_values = [v for k, v in pairs if k == "measure"]
    names = [m for value in measure_values for m in value.split(",")] or list(MEASURES)
    definitions = [measure_of(name) for name in names]
    status = single(pairs, "status")
    start, end = _period([v for k, v in pairs if k == "period"], today)
    region = parse_region(single(pairs, "subject"), "subject")
    unit = parse_unit(single(pairs, "periodUnit"))
    queries = [build(d, start, end, unit, region) for d in definitions]
    regions_for(authority, region)
    if status not in (None, "complete"):
        return []
    return [evaluate(session, authority, q) for q in queries]


def csv_report(
    session: Session,
    claims: Mapping[str, Any],
    measure_id: str,
    start_text: str | None,
    end_text: str | None,
    region_text: str | None,
    unit_text: str | None,
    today: dt.date,
) -> Report:
    """``/api/v1/reports/{measure}.csv?from&to&region&period``."""
    authority = authority_of(claims, "r")
    definition = measure_of(measure_id)
    default_start, default_end = default_range(today)
    start = parse_date(start_text, "from") if start_text else default_start
    end = parse_date(end_text, "to", end=True) if end_text else default_end
    query = build(definition, start, end, parse_unit(unit_text), parse_region(region_text, "region"))
    return evaluate(session, authority, query)


def measure_definitions(
    claims: Mapping[str, Any], pairs: Sequence[tuple[str, str]]
) -> list[MeasureDefinition]:
    """``Measure?_id&url``: the seeded measures."""
    authority_of(claims, "s")
    check_known(pairs, {*MEASURE_SEARCH, "_format"})
    found = list(MEASURES.values())
    for key, value in pairs:
        if key == "_id":
            found = [d for d in found if d.id in value.split(",")]
        elif key == "url":
            found = [d for d in found if d.url == value.split("|")[0]]
    return found


def measure_definition(claims: Mapping[str, Any], measure_id: str) -> MeasureDefinition:
    authority_of(claims, "r")
    return measure_of(measure_id)


def page_report(
    session: Session,
    roles: Sequence[str],
    region: str | None,
    measure_id: str,
    start_text: str | None,
    end_text: str | None,
    region_text: str | None,
    unit_text: str | None,
    today: dt.date,
) -> Report:
    """The cabinet page's report for a person whose session carries an authority role (the idp's
    roles; a regional authority's region): the same rules as the API, as a ``user/`` reader."""
    claims = {"roles": list(roles), "region": region, "scope": "user/MeasureReport.rs"}
    return csv_report(session, claims, measure_id, start_text, end_text, region_text, unit_text, today)


def page_authority(roles: Sequence[str], region: str | None) -> Authority:
    """403 unless the cabinet person is an authority (or admin)."""
    return authority_of({"roles": list(roles), "region": region, "scope": "user/MeasureReport.rs"})
