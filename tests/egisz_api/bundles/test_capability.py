"""The CapabilityStatement's system interactions and conditionalCreate are true: the server is asked."""

from __future__ import annotations

import httpx

from egisz_api.records.parameters import DEFINITIONS
from tests.egisz_api.bundles.conftest import IDENT, bundle, lab_result, post
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, valid

SIG = "urn:idp:acr:sig"


async def test_transaction_batch_and_conditional_create_are_listed_and_work(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    statement = valid((await client.get("/fhir/metadata")).content)
    (rest,) = statement["rest"]
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch"}
    conditional = {r["type"] for r in rest["resource"] if r.get("conditionalCreate")}
    # every type a client creates; Provenance is written by the server only (docs/fhir.md «Signed writes»)
    assert set(DEFINITIONS) - {"Provenance"} == conditional
    headers = {
        **issuer.headers(scope="user/*.cruds", roles=["practitioner"], org="mo-1", acr=SIG),
        "Content-Type": FHIR_JSON,
    }
    for kind in ("transaction", "batch"):
        sent = bundle(kind, post(lab_result(world.alice, f"cap-{kind}")))
        response = await client.post("/fhir", json=sent, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["type"] == f"{kind}-response"
    conditional_headers = {**headers, "If-None-Exist": f"identifier={IDENT}|cap-batch"}
    again = await client.post(
        "/fhir/Observation", json=lab_result(world.alice, "cap-batch"), headers=conditional_headers
    )
    assert again.status_code == 200
