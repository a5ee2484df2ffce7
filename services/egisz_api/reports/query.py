"""The report parameters of the FHIR operation, the MeasureReport search and the CSV download,
parsed into one :class:`ReportQuery` (each refusal a 400 naming the parameter)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from egisz_api.reports.definitions import MEASURES, MeasureDefinition, find
from egisz_api.reports.errors import ReportRequestError, UnknownMeasureError, UnsupportedReportError

Unit = Literal["day", "week", "month"]
UNITS: tuple[Unit, ...] = ("day", "week", "month")
#: the longest range per unit (a report is at most a few hundred lines per region)
MAX_DAYS: dict[str, int] = {"day": 366, "week": 5 * 366, "month": 10 * 366}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_REGION = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class ReportQuery:
    measure: MeasureDefinition
    start: dt.date
    end: dt.date
    unit: Unit
    #: a two-digit region code, or None for every region the caller may see
    region: str | None


def parse_date(value: str, name: str, *, end: bool = False) -> dt.date:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a partial date means its first or, for an end,
    its last day); a time part is ignored."""
    text = value.split("T", 1)[0]
    if not _DATE.match(text):
        raise ReportRequestError(f"{name}={value!r} is not a date (YYYY-MM-DD).")
    parts = [int(p) for p in text.split("-")]
    try:
        if len(parts) == 3:
            return dt.date(parts[0], parts[1], parts[2])
        if len(parts) == 2:
            first = dt.date(parts[0], parts[1], 1)
            if not end:
                return first
            following = dt.date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)
    except ValueError:
        raise ReportRequestError(f"{name}={value!r} is not a calendar date.") from None


def parse_region(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not _REGION.match(value):
        raise ReportRequestError(f"{name}={value!r} is not a two-digit region code.")
    return value


def parse_unit(value: str | None) -> Unit:
    if value is None or value == "":
        return "month"
    for unit in UNITS:
        if value == unit:
            return unit
    raise ReportRequestError(f"periodUnit={value!r}: one of day, week, month.")


def measure_of(value: str) -> MeasureDefinition:
    definition = find(value)
    if definition is None:
        raise UnknownMeasureError(f"No measure {value!r}; known: {', '.join(MEASURES)}.")
    return definition


def build(
    measure: MeasureDefinition, start: dt.date, end: dt.date, unit: Unit, region: str | None
) -> ReportQuery:
    if end < start:
        raise ReportRequestError("The period ends before it starts.")
    if (end - start).days + 1 > MAX_DAYS[unit]:
        raise ReportRequestError(
            f"A report by {unit} covers at most {MAX_DAYS[unit]} days; ask for a coarser periodUnit."
        )
    return ReportQuery(measure, start, end, unit, region)


def single(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise ReportRequestError(f"{name} is given more than once.")
    return values[0] if values else None


def check_known(pairs: Sequence[tuple[str, str]], known: set[str]) -> None:
    for key, _ in pairs:
        if key not in known:
            raise UnsupportedReportError(f"The parameter {key!r} is not supported here.")


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The current year up to today."""
    return today.replace(month=1, day=1), today
