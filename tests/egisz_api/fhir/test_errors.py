"""Every failure is an OperationOutcome with the right status (R4 http.html §3.1.0.6)."""

from __future__ import annotations

import httpx
import pytest

from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, diagnostics, outcome

JSON_HEADERS = {"Content-Type": FHIR_JSON}


async def test_malformed_json_is_400(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/fhir/Observation", content=b'{"resourceType": ', headers={**world.writer, **JSON_HEADERS}
    )
    assert "not valid JSON" in diagnostics(outcome(response, 400))


@pytest.mark.parametrize("body", [b"[]", b'"text"', b'{"status": "final"}', b'{"resourceType": "Patient"}'])
async def test_a_body_that_is_not_an_observation_is_400(
    client: httpx.AsyncClient, world: World, body: bytes
) -> None:
    response = await client.post("/fhir/Observation", content=body, headers={**world.writer, **JSON_HEADERS})
    assert outcome(response, 400)["issue"][0]["code"] == "invalid"


async def test_a_resource_failing_r4_validation_is_422_with_the_message(
    client: httpx.AsyncClient, world: World
) -> None:
    body = res.observation(world.alice)
    del body["code"]
    body["effectiveDateTime"] = "2024-13-45"
    body["unknownElement"] = 1
    response = await client.post("/fhir/Observation", json=body, headers={**world.writer, **JSON_HEADERS})
    data = outcome(response, 422)
    expressions = {e for i in data["issue"] for e in i.get("expression", [])}
    assert {"code", "effectiveDateTime", "unknownElement"} <= expressions
    assert "2024-13-45" not in response.text  # the submitted values are not echoed


async def test_no_token_is_401_with_a_bearer_challenge(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"/fhir/Patient/{world.alice}")
    outcome(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer ")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer "],
)
async def test_a_bad_authorization_header_is_refused(
    client: httpx.AsyncClient, world: World, authorization: str
) -> None:
    response = await client.get(f"/fhir/Patient/{world.alice}", headers={"Authorization": authorization})
    assert response.status_code in (400, 401)
    outcome(response, response.status_code)
    assert "Bearer" in response.headers["www-authenticate"]


async def test_a_token_for_another_audience_or_expired_is_401(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    other = {"Authorization": f"Bearer {issuer.token(audience='notifier', scope='system/*.rs')}"}
    response = await client.get(f"/fhir/Patient/{world.alice}", headers=other)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    outcome(response, 401)
    expired = {"Authorization": f"Bearer {issuer.token(scope='system/*.rs', exp=1_000_000)}"}
    outcome(await client.get(f"/fhir/Patient/{world.alice}", headers=expired), 401)


async def test_missing_scope_is_403_insufficient_scope(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    response = await client.get(
        f"/fhir/Patient/{world.alice}", headers=issuer.headers(scope="system/Observation.rs")
    )
    data = outcome(response, 403)
    assert data["issue"][0]["code"] == "forbidden"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert 'scope="user/Patient.r"' in response.headers["www-authenticate"]


async def test_unknown_id_type_and_path_are_404(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = issuer.headers(scope="system/*.rs")
    assert (
        outcome(await client.get("/fhir/Patient/no-such-id", headers=headers), 404)["issue"][0]["code"]
        == "not-found"
    )
    outcome(await client.get("/fhir/Medication/1", headers=headers), 404)
    outcome(await client.get("/fhir/Patient/1/_history/1/extra", headers=headers), 404)


async def test_delete_is_405_with_allow(client: httpx.AsyncClient, world: World) -> None:
    response = await client.delete(f"/fhir/Patient/{world.alice}", headers=world.writer)
    outcome(response, 405)
    assert set(response.headers["allow"].split(", ")) == {"GET", "PUT"}


@pytest.mark.parametrize("accept", ["application/fhir+xml", "text/html"])
async def test_an_accept_the_server_cannot_meet_is_406(
    client: httpx.AsyncClient, world: World, issuer: Issuer, accept: str
) -> None:
    headers = {**issuer.headers(scope="system/*.rs"), "Accept": accept}
    outcome(await client.get(f"/fhir/Patient/{world.alice}", headers=headers), 406)


async def test_format_xml_is_406_and_format_json_is_served(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = issuer.headers(scope="system/*.rs")
    outcome(await client.get(f"/fhir/Patient/{world.alice}?_format=xml", headers=headers), 406)
    assert (await client.get(f"/fhir/Patient/{world.alice}?_format=json", headers=headers)).status_code == 200


async def test_a_wrong_content_type_is_415(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/fhir/Observation",
        content=b"<Observation/>",
        headers={**world.writer, "Content-Type": "application/xml"},
    )
    outcome(response, 415)


async def test_a_too_large_resource_is_413(client: httpx.AsyncClient, world: World) -> None:
    body = res.observation(world.alice)
    body["note"] = [{"text": "x" * 600_000}]
    response = await client.post("/fhir/Observation", json=body, headers={**world.writer, **JSON_HEADERS})
    assert outcome(response, 413)["issue"][0]["code"] == "too-costly"


async def test_a_body_over_the_service_limit_is_413_operation_outcome(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/fhir/Observation", content=b"{" + b" " * 2_000_000 + b"}", headers={**world.writer, **JSON_HEADERS}
    )
    outcome(response, 413)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("foo=bar", "foo"),
        ("code:text=blood", ":text"),
        ("_summary=count", "_summary"),
        ("_include=Observation:subject", "_include"),
        ("_sort=code", "_sort"),
        ("date=ap2024", "'ap'"),
    ],
)
async def test_unsupported_search_parameters_are_400_naming_them(
    client: httpx.AsyncClient, world: World, issuer: Issuer, query: str, named: str
) -> None:
    response = await client.get(f"/fhir/Observation?{query}", headers=issuer.headers(scope="system/*.rs"))
    data = outcome(response, 400)
    assert data["issue"][0]["code"] == "not-supported"
    assert named in diagnostics(data)


async def test_prefer_lenient_skips_unknown_parameters(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = {**issuer.headers(scope="system/*.rs"), "Prefer": "handling=lenient"}
    response = await client.get(f"/fhir/Observation?foo=bar&patient={world.alice}", headers=headers)
    assert response.status_code == 200
    bundle = response.json()
    assert bundle["total"] == 1
    assert "foo" not in bundle["link"][0]["url"]


@pytest.mark.parametrize("value", ["2024-02-30", "yesterday", "2024-1-5", "ge2024-01-01T25:00Z"])
async def test_a_search_date_that_is_not_a_fhir_date_is_400(
    client: httpx.AsyncClient, world: World, issuer: Issuer, value: str
) -> None:
    response = await client.get(
        f"/fhir/Observation?date={value}", headers=issuer.headers(scope="system/*.rs")
    )
    assert "not" in diagnostics(outcome(response, 400))


@pytest.mark.parametrize(
    "query",
    [
        "_count=-1",
        "_count=ten",
        "_cursor=garbage",
        "_cursor=WzEsMl0",
        "_cursor=W251bGwsIDExODA1OTE2MjA3MTc0MTEzMDM0MjRd",  # [null, 2**70]: beyond any integer column
        "patient=" + "x" * 65,
    ],
)
async def test_bad_paging_values_are_400(
    client: httpx.AsyncClient, world: World, issuer: Issuer, query: str
) -> None:
    outcome(await client.get(f"/fhir/Observation?{query}", headers=issuer.headers(scope="system/*.rs")), 400)


async def test_a_remembered_token_is_still_refused_after_its_expiry(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    """The verified-token cache never outlives ``exp``: a token whose exp has passed (within the
    verifier's leeway it still verifies once) is not served from the cache afterwards."""
    import time

    from egisz_api.fhir.routes import VerifiedTokens

    token = issuer.token(scope="system/*.rs", exp=int(time.time()) - 5)  # inside the 30 s leeway
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(f"/fhir/Patient/{world.alice}", headers=headers)).status_code == 200
    cache: VerifiedTokens = client._transport.app.state.verified_tokens  # type: ignore[attr-defined]
    assert cache._entries[token][0] <= time.time()  # remembered as already expired: re-verified next time
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    outcome(
        await client.get(f"/fhir/Patient/{world.alice}", headers={"Authorization": f"Bearer {forged}"}), 401
    )


async def test_a_reference_to_an_overlong_id_is_stored_but_not_indexed(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    """Reference.reference is any string to the R4 model; an id longer than a FHIR id (64) must
    not reach the 64-character index and compartment columns (PostgreSQL would refuse it: a 500)."""
    body = res.observation(world.alice)
    body["subject"] = {"reference": "Patient/" + "x" * 100}
    response = await client.post("/fhir/Observation", json=body, headers={**world.writer, **JSON_HEADERS})
    assert response.status_code == 201, response.text
    patient_bound = issuer.headers(scope="patient/*.rs", patient="x" * 64)
    outcome(await client.get(f"/fhir/Observation/{response.json()['id']}", headers=patient_bound), 404)
