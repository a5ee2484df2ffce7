"""The hot GET read and search (``routes.HotPaths``, dispatched ahead of FastAPI's router) answer
as the routes do and keep the plumbing: request ids, metrics by route template, OperationOutcome
errors; what it does not take still reaches the router."""

from __future__ import annotations

import httpx

from tests.egisz_api.fhir.conftest import Issuer, World, outcome, valid


async def test_hot_read_and_search_keep_the_plumbing(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = {**issuer.headers(scope="system/*.rs"), "X-Request-ID": "hot-path-1"}
    rid = world.ids[world.alice]["Observation"]
    read = await client.get(f"/fhir/Observation/{rid}", headers=headers)
    assert read.status_code == 200 and read.headers["x-request-id"] == "hot-path-1"
    assert read.headers["etag"] == 'W/"1"'
    assert valid(read.content)["id"] == rid
    search = await client.get(f"/fhir/Observation?patient={world.alice}", headers=headers)
    assert search.status_code == 200 and valid(search.content)["total"] == 1
    metrics = (await client.get("/metrics")).text
    assert 'route="/fhir/{resource_type:fhirtype}/{resource_id}"' in metrics
    assert 'route="/fhir/{resource_type:fhirtype}"' in metrics


async def test_hot_paths_answer_errors_as_the_routes_do(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    rid = world.ids[world.alice]["Observation"]
    unauthenticated = await client.get(f"/fhir/Observation/{rid}")
    outcome(unauthenticated, 401)
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")
    outcome(
        await client.get("/fhir/Observation/no-such-id", headers=issuer.headers(scope="system/*.rs")), 404
    )
    outcome(
        await client.get(
            f"/fhir/Observation/{rid}", headers={**issuer.headers(scope="system/*.rs"), "Accept": "text/html"}
        ),
        406,
    )
    outcome(await client.get("/fhir/Observation?bogus=1", headers=issuer.headers(scope="system/*.rs")), 400)
    # not taken by the hot path: an id that is no FHIR id, an unknown type, HEAD; the router answers
    outcome(
        await client.get("/fhir/Observation/not%20an%20id", headers=issuer.headers(scope="system/*.rs")), 404
    )
    outcome(await client.get("/fhir/Nothing/1", headers=issuer.headers(scope="system/*.rs")), 404)
