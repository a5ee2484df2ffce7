"""CodeSystem ``$lookup``, ValueSet ``$validate-code`` (R4 §4.8 CodeSystem-lookup, §4.9
ValueSet-validate-code), and CodeSystem/ValueSet search and read over the seeded tables."""

from __future__ import annotations

from typing import Any

import httpx

from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, outcome, valid

ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
ICD10_FEDERAL = "urn:oid:1.2.643.5.1.13.13.11.1005"
LOINC = "http://loinc.org"
ICD10_VS = "urn:egisz:vs:icd-10"


def _headers(issuer: Issuer) -> dict[str, str]:
    # a patient's token: terminology is directory data, any authenticated caller reads it
    return issuer.headers(scope="patient/Observation.rs", roles=["patient"])


def _params(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = valid(response.content)
    assert body["resourceType"] == "Parameters"
    found: dict[str, Any] = {}
    for p in body["parameter"]:
        value = p.get("part") or next(v for k, v in p.items() if k.startswith("value"))
        found.setdefault(p["name"], []).append(value)
    return found


def _parameters(**values: Any) -> dict[str, Any]:
    kinds = {"system": "valueUri", "url": "valueUri", "code": "valueCode", "display": "valueString"}
    parameter = []
    for name, value in values.items():
        kind = {"coding": "valueCoding", "codeableConcept": "valueCodeableConcept"}.get(name, kinds.get(name))
        parameter.append({"name": name, kind or "valueString": value})
    return {"resourceType": "Parameters", "parameter": parameter}


async def test_lookup_gives_the_russian_display_and_both_designations(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    found = _params(
        await client.get(
            "/fhir/CodeSystem/$lookup", params={"system": ICD10, "code": "U07.1"}, headers=_headers(issuer)
        )
    )
    assert found["name"] == ["ICD10"]
    assert found["display"] == ["COVID-19, вирус идентифицирован"]
    languages = {
        tuple(sorted((p["name"], next(iter(v for k, v in p.items() if k.startswith("value")))) for p in d))
        for d in found["designation"]
    }
    assert (("language", "en"), ("value", "COVID-19, virus identified")) in languages
    assert (("language", "ru"), ("value", "COVID-19, вирус идентифицирован")) in languages
    # the federal МКБ-10 OID is an alias of the N3 one (EGISZ.md §1.4); English on request
    english = _params(
        await client.get(
            "/fhir/CodeSystem/$lookup",
            params={"system": ICD10_FEDERAL, "code": "E11.9", "displayLanguage": "en"},
            headers=_headers(issuer),
        )
    )
    assert english["display"] == ["Type 2 diabetes mellitus without complications"]
    # POST with a Parameters body holding a coding; a LOINC COVID-19 test
    posted = _params(
        await client.post(
            "/fhir/CodeSystem/$lookup",
            json=_parameters(coding={"system": LOINC, "code": "94500-6"}),
            headers={**_headers(issuer), "Content-Type": FHIR_JSON},
        )
    )
    assert posted["display"] == ["РНК SARS-CoV-2 (ПЦР), мазок из дыхательных путей"]


async def test_lookup_misses_are_operation_outcomes(client: httpx.AsyncClient, issuer: Issuer) -> None:
    headers = _headers(issuer)
    unknown_code = outcome(
        await client.get(
            "/fhir/CodeSystem/$lookup", params={"system": ICD10, "code": "Q99.99"}, headers=headers
        ),
        404,
    )
    assert unknown_code["issue"][0]["code"] == "not-found"
    assert unknown_code["issue"][0]["details"]["coding"][0]["code"] == "unknown_code"
    unknown_system = outcome(
        await client.get(
            "/fhir/CodeSystem/$lookup", params={"system": "urn:oid:1.2.3.4", "code": "I10"}, headers=headers
        ),
        404,
    )
    assert unknown_system["issue"][0]["details"]["coding"][0]["code"] == "unknown_code_system"
    wrong_version = await client.get(
        "/fhir/CodeSystem/$lookup", params={"system": ICD10, "code": "I10", "version": "9"}, headers=headers
    )
    outcome(wrong_version, 404)
    no_system = outcome(
        await client.get("/fhir/CodeSystem/$lookup", params={"code": "I10"}, headers=headers), 400
    )
    assert no_system["issue"][0]["code"] == "required"
    outcome(await client.get("/fhir/CodeSystem/$lookup", params={"system": ICD10}, headers=headers), 400)
    outcome(
        await client.get(
            "/fhir/CodeSystem/$lookup", params={"system": ICD10, "code": "I10", "bogus": "1"}, headers=headers
        ),
        400,
    )
    not_parameters = await client.post(
        "/fhir/CodeSystem/$lookup",
        json={"resourceType": "Patient"},
        headers={**headers, "Content-Type": FHIR_JSON},
    )
    outcome(not_parameters, 400)
    outcome(
        await client.post(
            "/fhir/CodeSystem/$lookup", content=b"{not json", headers={**headers, "Content-Type": FHIR_JSON}
        ),
        400,
    )
    for body in (
        b'{"resourceType": "Parameters", "parameter": null}',
        b'{"resourceType": "Parameters"}',
        b"[]",
    ):
        found = await client.post(
            "/fhir/CodeSystem/$lookup", content=body, headers={**headers, "Content-Type": FHIR_JSON}
        )
        outcome(found, 400)  # found by schemathesis: a null parameter list was a 500


async def test_validate_code_answers_true_false_and_unknown_system(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    headers = _headers(issuer)

    async def check(path: str = "/fhir/ValueSet/$validate-code", **params: str) -> dict[str, Any]:
        return _params(await client.get(path, params=params, headers=headers))

    yes = await check(url=ICD10_VS, system=ICD10, code="J06.9")
    assert yes["result"] == [True]
    assert yes["display"] == ["Острая инфекция верхних дыхательных путей неуточненная"]
    assert (await check(url=ICD10_VS, system=ICD10_FEDERAL, code="I10"))["result"] == [True]
    assert (await check(url=ICD10_VS, system=ICD10, code="I10", display="Essential (primary) hypertension"))[
        "result"
    ] == [True]
    wrong_display = await check(url=ICD10_VS, system=ICD10, code="I10", display="Грипп")
    assert wrong_display["result"] == [False]
    assert wrong_display["display"] == ["Эссенциальная (первичная) гипертензия"]
    # a code of another value set's system, a code the system does not hold
    other = await check(url="urn:egisz:vs:vaccines", system=ICD10, code="I10")
    assert other["result"] == [False] and "не входит" in other["message"][0]
    assert (await check(url=ICD10_VS, system=ICD10, code="Q99.99"))["result"] == [False]
    unknown_system = await check(url=ICD10_VS, system="http://example.org/codes", code="I10")
    assert unknown_system["result"] == [False]
    assert "unknown code system" in unknown_system["message"][0]
    # the instance form, and the COVID-19 vaccines
    instance = await check(
        "/fhir/ValueSet/covid-vaccines/$validate-code", system="urn:egisz:cs:vaccine", code="sputnik-v"
    )
    assert instance["result"] == [True] and instance["display"] == ["Гам-КОВИД-Вак «Спутник V»"]
    flu = await check(
        "/fhir/ValueSet/covid-vaccines/$validate-code", system="urn:egisz:cs:vaccine", code="sovigripp"
    )
    assert flu["result"] == [False]
    # POST: a codeableConcept passes when one of its codings is in the value set
    posted = _params(
        await client.post(
            "/fhir/ValueSet/$validate-code",
            json=_parameters(
                url="urn:egisz:vs:covid-tests",
                codeableConcept={
                    "coding": [
                        {"system": "urn:oid:1.2.643.5.1.13.13.11.1080", "code": "1"},
                        {"system": LOINC, "code": "94558-4"},
                    ]
                },
            ),
            headers={**headers, "Content-Type": FHIR_JSON},
        )
    )
    assert posted["result"] == [True]
    # errors: an unknown value set is 404, a missing url or code 400
    outcome(
        await client.get(
            "/fhir/ValueSet/$validate-code",
            params={"url": "urn:x", "system": ICD10, "code": "I10"},
            headers=headers,
        ),
        404,
    )
    outcome(
        await client.get(
            "/fhir/ValueSet/nope/$validate-code", params={"system": ICD10, "code": "I10"}, headers=headers
        ),
        404,
    )
    outcome(
        await client.get(
            "/fhir/ValueSet/$validate-code", params={"system": ICD10, "code": "I10"}, headers=headers
        ),
        400,
    )
    outcome(await client.get("/fhir/ValueSet/$validate-code", params={"url": ICD10_VS}, headers=headers), 400)


async def test_code_systems_and_value_sets_are_searched_and_read(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    headers = _headers(issuer)
    everything = valid((await client.get("/fhir/CodeSystem", headers=headers)).content)
    assert everything["type"] == "searchset" and everything["total"] >= 8
    by_url = valid((await client.get("/fhir/CodeSystem", params={"url": ICD10}, headers=headers)).content)
    assert [e["resource"]["id"] for e in by_url["entry"]] == ["icd-10"]
    assert by_url["entry"][0]["fullUrl"].endswith("/fhir/CodeSystem/icd-10")
    by_name = valid((await client.get("/fhir/ValueSet", params={"name": "covid"}, headers=headers)).content)
    assert {e["resource"]["id"] for e in by_name["entry"]} == {
        "covid-tests",
        "covid-test-results",
        "covid-vaccines",
    }
    either = valid(
        (
            await client.get(
                "/fhir/ValueSet", params={"_id": "icd-10,vaccines", "status": "active"}, headers=headers
            )
        ).content
    )
    assert {e["resource"]["id"] for e in either["entry"]} == {"icd-10", "vaccines"}
    none = valid((await client.get("/fhir/ValueSet", params={"status": "retired"}, headers=headers)).content)
    assert none["total"] == 0 and "entry" not in none
    outcome(await client.get("/fhir/CodeSystem", params={"publisher": "x"}, headers=headers), 400)

    icd = await client.get("/fhir/CodeSystem/icd-10", headers=headers)
    code_system = valid(icd.content)
    assert code_system["url"] == ICD10 and code_system["identifier"][0]["value"] == ICD10_FEDERAL
    codes = {c["code"] for c in code_system["concept"]}
    assert {"U07.1", "U07.2", "J06.9", "I10", "E11.9"} <= codes and len(codes) >= 100
    value_set = valid((await client.get("/fhir/ValueSet/covid-tests", headers=headers)).content)
    (include,) = value_set["compose"]["include"]
    assert {c["code"] for c in include["concept"]} >= {"94500-6", "94558-4", "94563-4", "94564-2"}
    outcome(await client.get("/fhir/CodeSystem/nope", headers=headers), 404)
    outcome(await client.get("/fhir/ValueSet/nope", headers=headers), 404)
    # fuzzed input (a NUL byte PostgreSQL refuses in text) is a 4xx, never a 500
    outcome(await client.get("/fhir/CodeSystem/a%00b", headers=headers), 404)
    outcome(await client.get("/fhir/ValueSet/a%00b/$validate-code?system=x&code=y", headers=headers), 404)
    outcome(await client.get("/fhir/CodeSystem", params={"url": "a\x00"}, headers=headers), 400)
    outcome(
        await client.get(
            "/fhir/CodeSystem/$lookup", params={"system": "a\x00", "code": "I10"}, headers=headers
        ),
        400,
    )
    # no write interaction on terminology
    refused = await client.post(
        "/fhir/CodeSystem", json=code_system, headers={**headers, "Content-Type": FHIR_JSON}
    )
    assert outcome(refused, 405)["issue"][0]["code"] == "not-supported"
    assert refused.headers["allow"] == "GET"
    for method, path, allow in (
        ("PUT", "/fhir/CodeSystem/icd-10", "GET"),
        ("DELETE", "/fhir/ValueSet/icd-10", "GET"),
        ("OPTIONS", "/fhir/CodeSystem/$lookup", "GET, POST"),
        ("PATCH", "/fhir/ValueSet/icd-10/$validate-code", "GET, POST"),
    ):
        response = await client.request(method, path, headers=headers)
        outcome(response, 405)
        assert response.headers["allow"] == allow, (method, path)


async def test_every_terminology_endpoint_needs_a_token(client: httpx.AsyncClient, issuer: Issuer) -> None:
    for method, path in (
        ("GET", "/fhir/CodeSystem"),
        ("GET", "/fhir/CodeSystem/icd-10"),
        ("GET", f"/fhir/CodeSystem/$lookup?system={ICD10}&code=I10"),
        ("POST", "/fhir/CodeSystem/$lookup"),
        ("GET", "/fhir/ValueSet"),
        ("GET", "/fhir/ValueSet/icd-10"),
        ("GET", f"/fhir/ValueSet/$validate-code?url={ICD10_VS}&system={ICD10}&code=I10"),
        ("POST", "/fhir/ValueSet/$validate-code"),
        ("GET", f"/fhir/ValueSet/icd-10/$validate-code?system={ICD10}&code=I10"),
    ):
        response = await client.request(
            method, path, json=_parameters(system=ICD10, code="I10") if method == "POST" else None
        )
        outcome(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
        forged = await client.request(method, path, headers={"Authorization": "Bearer not-a-jwt"})
        outcome(forged, 401)
