"""The authorities' reports over HTTP (EGISZ.md §5 row 31, R-EGZ-4): MeasureReport and CSV,
region restriction, suppression in the answers, and refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import httpx

from tests.egisz_api.fhir.conftest import Issuer, outcome, valid
from tests.egisz_api.reports.conftest import SNILS, federal, regional

MARCH = {"periodStart": "2026-03-01", "periodEnd": "2026-03-31", "periodUnit": "month"}
EVALUATE = "/fhir/Measure/covid-tests/$evaluate-measure"


def cells(report: dict[str, Any], stratifier: int) -> dict[tuple[str, ...], dict[str, Any]]:
    """(region, period start[, stratum]) → {population code: count or «<5»}."""
    found = {}
    for stratum in report["group"][0]["stratifier"][stratifier].get("stratum", []):
        key = tuple(
            c["value"]["coding"][0]["code"] if "coding" in c["value"] else "" for c in stratum["component"]
        )
        values = {}
        for population in stratum["population"]:
            code = population["code"]["coding"][0]["code"]
            if "count" in population:
                values[code] = population["count"]
            else:
                marks = {
                    e["url"]: e.get("valueCode") or e.get("valueString") for e in population["extension"]
                }
                assert marks["http://hl7.org/fhir/StructureDefinition/data-absent-reason"] == "masked"
                values[code] = marks["urn:egisz:report:suppressed"]
        found[key] = values
    return found


def no_person(body: str) -> None:
    assert "Patient/" not in body and "p-1" not in body
    assert SNILS not in body and "11223344595" not in body


async def test_federal_summary_report_is_valid_and_suppressed(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    response = await client.get(EVALUATE, params=MARCH, headers=federal(issuer))
    assert response.status_code == 200, response.text
    report = valid(response.content)
    no_person(response.text)
    assert report["resourceType"] == "MeasureReport" and report["type"] == "summary"
    assert report["measure"] == "urn:egisz:measure:covid-tests"
    totals, strata = cells(report, 0), cells(report, 1)
    # region 77: pcr 7 (3 +), express 2 (2 +): express is small, pcr hidden so 2 cannot be 9 − 7
    assert totals[("77", "2026-03-01")] == {"initial-population": 9, "numerator": "<5"}
    assert strata[("77", "2026-03-01", "pcr")] == {"initial-population": "<5", "numerator": "<5"}
    assert strata[("77", "2026-03-01", "express")] == {"initial-population": "<5", "numerator": "<5"}
    assert strata[("77", "2026-03-01", "antibody")] == {"initial-population": 0, "numerator": 0}
    # region 50: pcr 5 (0 +), express 6 (6 +): nothing small, all shown
    assert totals[("50", "2026-03-01")] == {"initial-population": 11, "numerator": 6}
    assert strata[("50", "2026-03-01", "pcr")] == {"initial-population": 5, "numerator": 0}
    assert strata[("50", "2026-03-01", "express")] == {"initial-population": 6, "numerator": 6}
    # the one test without a ФРМО OID: its own line, «<5»
    assert totals[("", "2026-03-01")] == {"initial-population": "<5", "numerator": "<5"}


async def test_vaccinations_by_dose(client: httpx.AsyncClient, issuer: Issuer) -> None:
    response = await client.get(
        "/fhir/Measure/covid-vaccinations/$evaluate-measure", params=MARCH, headers=federal(issuer)
    )
    report = valid(response.content)
    strata = cells(report, 1)
    assert strata[("77", "2026-03-01", "1")] == {"initial-population": "<5"}  # complementary for dose 2
    assert strata[("77", "2026-03-01", "2")] == {"initial-population": "<5"}
    assert cells(report, 0)[("77", "2026-03-01")] == {"initial-population": 6}
    assert strata[("50", "2026-03-01", "1")] == {"initial-population": 7}
    assert strata[("50", "2026-03-01", "2")] == {"initial-population": 5}


async def test_periods_by_week_and_day(client: httpx.AsyncClient, issuer: Issuer) -> None:
    weekly = valid(
        (await client.get(EVALUATE, params={**MARCH, "periodUnit": "week"}, headers=federal(issuer))).content
    )
    starts = {key[1] for key in cells(weekly, 0)}
    # ISO weeks start on Monday; the week of Sunday 1 March is clipped to the period's start
    assert starts == {"2026-03-02", "2026-03-09", "2026-03-16"}
    assert all(dt.date.fromisoformat(s).weekday() == 0 for s in starts)
    daily = await client.get(EVALUATE, params={**MARCH, "periodUnit": "day"}, headers=federal(issuer))
    assert daily.status_code == 200
    valid(daily.content)


async def test_regional_authority_sees_its_region_only(client: httpx.AsyncClient, issuer: Issuer) -> None:
    response = await client.get(EVALUATE, params=MARCH, headers=regional(issuer, "77"))
    assert response.status_code == 200
    assert {key[0] for key in cells(valid(response.content), 0)} == {"77"}
    # the region of its organisation's ФРМО OID, when the token has no region claim
    by_org = issuer.headers(
        scope="user/MeasureReport.rs", roles=["authority_regional"], org="1.2.643.5.1.13.13.12.2.50.1"
    )
    response = await client.get(EVALUATE, params=MARCH, headers=by_org)
    assert {key[0] for key in cells(valid(response.content), 0)} == {"50"}


async def test_regional_authority_asking_for_another_region_is_refused(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    response = await client.get(EVALUATE, params={**MARCH, "subject": "50"}, headers=regional(issuer, "77"))
    data = outcome(response, 403)
    assert data["issue"][0]["details"]["coding"][0]["code"] == "access_denied"
    csv_answer = await client.get("/api/v1/reports/covid-tests.csv?region=50", headers=regional(issuer, "77"))
    assert csv_answer.status_code == 403
    assert csv_answer.headers["content-type"].startswith("application/problem+json")
    search = await client.get("/fhir/MeasureReport?subject=50", headers=regional(issuer, "77"))
    outcome(search, 403)
    # a regional token that names no region sees nothing
    nowhere = issuer.headers(scope="user/MeasureReport.rs", roles=["authority_regional"])
    outcome(await client.get(EVALUATE, params=MARCH, headers=nowhere), 403)


async def test_federal_authority_may_pick_a_region(client: httpx.AsyncClient, issuer: Issuer) -> None:
    response = await client.get(EVALUATE, params={**MARCH, "subject": "50"}, headers=federal(issuer))
    assert {key[0] for key in cells(valid(response.content), 0)} == {"50"}


async def test_who_may_read_reports(client: httpx.AsyncClient, issuer: Issuer) -> None:
    doctor = issuer.headers(scope="user/MeasureReport.rs user/*.rs", roles=["practitioner"])
    assert outcome(await client.get(EVALUATE, params=MARCH, headers=doctor), 403)
    no_scope = issuer.headers(scope="user/Observation.rs", roles=["authority_federal"])
    data = outcome(await client.get(EVALUATE, params=MARCH, headers=no_scope), 403)
    assert data["issue"][0]["details"]["coding"][0]["code"] == "insufficient_scope"
    outcome(await client.get(EVALUATE, params=MARCH), 401)
    admin = issuer.headers(scope="system/MeasureReport.rs", roles=["admin"])
    assert (await client.get(EVALUATE, params=MARCH, headers=admin)).status_code == 200


async def test_measure_report_search(client: httpx.AsyncClient, issuer: Issuer) -> None:
    response = await client.get(
        "/fhir/MeasureReport?period=ge2026-03-01&period=le2026-03-31&status=complete", headers=federal(issuer)
    )
    bundle = valid(response.content)
    assert bundle["type"] == "searchset" and bundle["total"] == 2
    assert {e["resource"]["measure"] for e in bundle["entry"]} == {
        "urn:egisz:measure:covid-tests",
        "urn:egisz:measure:covid-vaccinations",
    }
    no_person(response.text)
    one = valid(
        (
            await client.get(
                "/fhir/MeasureReport?measure=covid-tests&period=2026-03", headers=federal(issuer)
            )
        ).content
    )
    assert one["total"] == 1
    pending = valid((await client.get("/fhir/MeasureReport?status=pending", headers=federal(issuer))).content)
    assert pending["total"] == 0


async def test_measures_read_and_search(client: httpx.AsyncClient, issuer: Issuer) -> None:
    bundle = valid((await client.get("/fhir/Measure", headers=federal(issuer))).content)
    assert {e["resource"]["id"] for e in bundle["entry"]} == {"covid-tests", "covid-vaccinations"}
    measure = valid((await client.get("/fhir/Measure/covid-tests", headers=federal(issuer))).content)
    assert measure["url"] == "urn:egisz:measure:covid-tests"
    outcome(await client.get("/fhir/Measure/nothing", headers=federal(issuer)), 404)


async def test_bad_input(client: httpx.AsyncClient, issuer: Issuer) -> None:
    for params in (
        {"periodStart": "2026-13-01"},
        {"periodStart": "yesterday"},
        {"periodStart": "2026-03-31", "periodEnd": "2026-03-01"},
        {"periodUnit": "year"},
        {"periodStart": "2020-01-01", "periodEnd": "2026-01-01", "periodUnit": "day"},
        {"subject": "Patient/p-1"},
        {"reportType": "individual"},
        {"patient": "p-1"},
    ):
        response = await client.get(EVALUATE, params=params, headers=federal(issuer))
        outcome(response, 400)
    problem = await client.get("/api/v1/reports/covid-tests.csv?from=2026-02-30", headers=federal(issuer))
    assert problem.status_code == 400
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["code"] == "invalid_report_request"
    missing = await client.get("/api/v1/reports/nothing.csv", headers=federal(issuer))
    assert missing.status_code == 404


async def test_csv(client: httpx.AsyncClient, issuer: Issuer) -> None:
    response = await client.get(
        "/api/v1/reports/covid-tests.csv?from=2026-03-01&to=2026-03-31&period=month", headers=federal(issuer)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content[3:].decode()
    assert text.endswith("\r\n") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == ["measure", "region", "period_start", "period_end", "stratum", "count", "positives"]
    by_key = {(r[1], r[4]): r[5:] for r in rows[1:]}
    assert by_key[("77", "express")] == ["<5", "<5"]
    assert by_key[("77", "pcr")] == ["<5", "<5"]
    assert by_key[("77", "antibody")] == ["0", "0"]
    assert by_key[("77", "all")] == ["9", "<5"]
    assert by_key[("50", "all")] == ["11", "6"]
    assert rows[1][2:4] == ["2026-03-01", "2026-03-31"]
    no_person(text)
    regional_csv = await client.get(
        "/api/v1/reports/covid-vaccinations.csv?from=2026-03&to=2026-03", headers=regional(issuer, "50")
    )
    vaccination_rows = list(
        csv.reader(io.StringIO(regional_csv.content[3:].decode(), newline=""), delimiter=";")
    )
    assert {r[1] for r in vaccination_rows[1:]} == {"50"}
    assert {r[4]: r[5] for r in vaccination_rows[1:]} == {"1": "7", "2": "5", "3": "0", "all": "12"}


async def test_a_result_marked_entered_in_error_stops_counting(
    client: httpx.AsyncClient, issuer: Issuer, reports_app: Any
) -> None:
    from egisz_api.records import service as records
    from tests.egisz_api.reports.conftest import NOW, PCR, test_observation

    with reports_app.state.session_factory() as session:
        created = records.create(
            session, "Observation", test_observation("p-1", PCR, True, "2026-05-05", "50"), clock=lambda: NOW
        )
        session.commit()
    may = {"periodStart": "2026-05-01", "periodEnd": "2026-05-31"}
    before = cells(valid((await client.get(EVALUATE, params=may, headers=federal(issuer))).content), 0)
    assert before == {("50", "2026-05-01"): {"initial-population": "<5", "numerator": "<5"}}
    with reports_app.state.session_factory() as session:
        body = {**test_observation("p-1", PCR, True, "2026-05-05", "50"), "id": created.resource_id}
        records.update(
            session,
            "Observation",
            created.resource_id,
            {**body, "status": "entered-in-error"},
            clock=lambda: NOW,
            if_match=None,
        )
        session.commit()
    after = cells(valid((await client.get(EVALUATE, params=may, headers=federal(issuer))).content), 0)
    assert after == {}
