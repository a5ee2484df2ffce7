"""A report as a FHIR MeasureReport (type ``summary``) and as CSV. Neither carries a Patient
reference or any person's data: strata are regions, periods and test kinds or dose numbers.

A suppressed population carries no ``count`` but the data-absent-reason extension ``masked``
(and ``<5`` in the CSV).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from egisz_api.reports.definitions import POPULATION
from egisz_api.reports.service import Report, ReportRow
from egisz_api.reports.suppression import Cell

DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
SUPPRESSED = "urn:egisz:report:suppressed"
REGION_SYSTEM = "urn:egisz:region"
STRATUM_SYSTEM = "urn:egisz:report-stratum:"
PERIOD_SYSTEM = "urn:egisz:report-period:"
#: the CSV columns (docs/reports.md "CSV")
CSV_COLUMNS = ("measure", "region", "period_start", "period_end", "stratum", "count", "positives")
ALL = "all"


def _population(code: str, cell: Cell) -> dict[str, Any]:
    population: dict[str, Any] = {"code": {"coding": [{"system": POPULATION, "code": code}]}}
    if cell.shown:
        population["count"] = cell.count
    else:
        population["extension"] = [
            {"url": DATA_ABSENT, "valueCode": "masked"},
            {"url": SUPPRESSED, "valueString": "<5"},
        ]
    return population


def _region_value(region: str) -> dict[str, Any]:
    if not region:
        return {"text": "регион не указан"}
    return {"coding": [{"system": REGION_SYSTEM, "code": region}], "text": region}


def _components(report: Report, row: ReportRow, stratum: str | None) -> list[dict[str, Any]]:
    unit = report.query.unit
    components: list[dict[str, Any]] = [
        {"code": {"text": "region"}, "value": _region_value(row.region)},
        {
            "code": {"text": "period"},
            "value": {
                "coding": [{"system": PERIOD_SYSTEM + unit, "code": row.start.isoformat()}],
                "text": f"{row.start.isoformat()}/{row.end.isoformat()}",
            },
        },
    ]
    if stratum is not None:
        components.append(
            {
                "code": {"text": report.query.measure.stratum_label},
                "value": {
                    "coding": [
                        {"system": STRATUM_SYSTEM + report.query.measure.stratum_label, "code": stratum}
                    ]
                },
            }
        )
    return components


def _stratum(report: Report, row: ReportRow, stratum: str | None) -> dict[str, Any]:
    count = row.counts.total if stratum is None else row.counts.cells[stratum]
    populations = [_population("initial-population", count)]
    if row.positives is not None:
        positive = row.positives.total if stratum is None else row.positives.cells[stratum]
        populations.append(_population("numerator", positive))
    return {"component": _components(report, row, stratum), "population": populations}


def measure_report(report: Report, now: dt.datetime) -> dict[str, Any]:
    """The summary MeasureReport (R4) of a report."""
    measure = report.query.measure
    totals = [_stratum(report, row, None) for row in report.rows]
    by_stratum = [_stratum(report, row, s) for row in report.rows for s in report.strata]
    group: dict[str, Any] = {
        "code": {"text": measure.id},
        "stratifier": [
            {"code": [{"text": "region-period"}], **({"stratum": totals} if totals else {})},
            {
                "code": [{"text": f"region-period-{measure.stratum_label}"}],
                **({"stratum": by_stratum} if by_stratum else {}),
            },
        ],
    }
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": measure.url,
        "date": now.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "period": {"start": report.query.start.isoformat(), "end": report.query.end.isoformat()},
        "reporter": {"display": "ЕГИСЗ"},
        "group": [group],
    }


def csv_rows(report: Report) -> list[list[str]]:
    measure = report.query.measure
    rows: list[list[str]] = []
    for row in report.rows:
        for stratum in (*report.strata, ALL):
            count = row.counts.total if stratum == ALL else row.counts.cells[stratum]
            positives = ""
            if row.positives is not None:
                positives = (row.positives.total if stratum == ALL else row.positives.cells[stratum]).text
            rows.append(
                [
                    measure.id,
                    row.region,
                    row.start.isoformat(),
                    row.end.isoformat(),
                    stratum,
                    count.text,
                    positives,
                ]
            )
    return rows


def csv_body(report: Report) -> bytes:
    """RFC 4180 records (CRLF, quotes where needed) separated by semicolons, UTF-8 with a BOM: what
    Excel in a Russian locale opens as columns (docs/reports.md "CSV")."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(report))
    return b"\xef\xbb\xbf" + out.getvalue().encode()
