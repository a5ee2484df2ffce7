"""The FHIR fixtures of tests/egisz_api/fhir (a migrated database, the app, a JWKS issuer, a world
of two patients), and Bundle builders."""

from __future__ import annotations

import uuid
from typing import Any

from tests.egisz_api.fhir.conftest import client, fhir_app, issuer, world

__all__ = ["client", "fhir_app", "issuer", "world"]

IDENT = "urn:oid:1.2.643.5.1.13.13.12.2.77.7801.100.1.1.51"


def lab_result(pid: str, number: str | None = None, **kw: Any) -> dict[str, Any]:
    from tests.egisz_api.fhir import resources as res

    obs = res.observation(pid, **kw)
    if number is not None:
        obs["identifier"] = [{"system": IDENT, "value": number}]
    return obs


def post(
    resource: dict[str, Any], full_url: str | None = None, if_none_exist: str | None = None
) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "POST", "url": resource["resourceType"]}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return {"fullUrl": full_url or f"urn:uuid:{uuid.uuid4()}", "resource": resource, "request": request}


def bundle(kind: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def signed_provenance(*targets: str) -> dict[str, Any]:
    """A Provenance entry whose signature the seam (transactions._require_signature) looks for."""
    return post(
        {
            "resourceType": "Provenance",
            "target": [{"reference": t} for t in targets],
            "recorded": "2024-03-05T10:00:00Z",
            "agent": [{"who": {"reference": "Practitioner/1"}}],
            "signature": [
                {
                    "type": [{"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1"}],
                    "when": "2024-03-05T10:00:00Z",
                    "who": {"reference": "Practitioner/1"},
                    "sigFormat": "application/pkcs7-signature",
                    "data": "MIIB",
                }
            ],
        }
    )


def valid_response(body: bytes) -> dict[str, Any]:
    """A transaction-/batch-response, checked against the R4 (R4B) Bundle model (entries without a
    resource, e.g. a failed one with its outcome, are valid there)."""
    import json

    from fhir.resources.R4B import get_fhir_model_class

    data: dict[str, Any] = json.loads(body)
    get_fhir_model_class("Bundle").model_validate(data)
    return data
