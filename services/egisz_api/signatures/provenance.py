"""The Provenance a medical write records (EGISZ.md §2.5), and what a supplied one must carry.

Shape: ``target`` → the written version (``Type/id/_history/n``); ``recorded``; ``activity``
(v3-DataOperation CREATE/UPDATE/NULLIFY); ``agent`` → the practitioner as author, on behalf of the
organisation; ``signature`` → type «Author's Signature» ``1.2.840.10065.1.12.1.1``, ``when``,
``who``, ``sigFormat`` and ``data`` (for a supplied CMS), with two extensions: the certificate's
SHA-256 thumbprint and the kind (``sig``/``qes``). R4's Provenance has no patient element; the
extension :data:`PATIENT_EXTENSION` names the target's patient so the Provenance sits in the patient's
compartment and ``?patient=`` works.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from egisz_api.records.dates import instant_text
from egisz_api.records.schemas import StoredResource
from egisz_api.signatures.schemas import SignatureInfo

AUTHOR_SIGNATURE = "1.2.840.10065.1.12.1.1"
SIGNATURE_TYPE_SYSTEM = "urn:iso-astm:E1762-95:2013"
CMS_FORMAT = "application/pkcs7-signature"
PATIENT_EXTENSION = "urn:egisz:fhir:provenance-patient"
THUMBPRINT_EXTENSION = "urn:egisz:fhir:signature-certificate-sha256"
KIND_EXTENSION = "urn:egisz:fhir:signature-kind"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


def canonical(resources: Sequence[dict[str, Any]]) -> bytes:
    """The bytes a practitioner signs: the resource as sent without ``meta`` (server-managed), as
    JSON with sorted keys, no whitespace, UTF-8 (one resource; a JSON array of them, in entry
    order, when one Provenance covers several)."""
    stripped = [{k: v for k, v in r.items() if k != "meta"} for r in resources]
    value: Any = stripped[0] if len(stripped) == 1 else stripped
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _reference(text: str | None, fallback: str, display: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"reference": text} if text else {}
    if display:
        found["display"] = display
    return found or {"display": fallback}


def build(
    info: SignatureInfo, targets: Sequence[StoredResource], *, activity: str, now: Any
) -> dict[str, Any]:
    patient = next((t.patient_id for t in targets if t.patient_id), None)
    who = _reference(info.who, "unknown practitioner", info.who_display)
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "author"}]},
        "who": who,
    }
    if info.organization:
        agent["onBehalfOf"] = {"reference": info.organization}
    signature: dict[str, Any] = {
        "type": [
            {"system": SIGNATURE_TYPE_SYSTEM, "code": AUTHOR_SIGNATURE, "display": "Author's Signature"}
        ],
        "when": instant_text(info.when),
        "who": who,
        "extension": [{"url": KIND_EXTENSION, "valueCode": info.kind}],
    }
    if info.thumbprint:
        signature["extension"].append({"url": THUMBPRINT_EXTENSION, "valueString": info.thumbprint})
    if info.data:
        signature["sigFormat"] = info.sig_format or CMS_FORMAT
        signature["data"] = info.data
    resource: dict[str, Any] = {
        "resourceType": "Provenance",
        "target": [
            {"reference": f"{t.resource_type}/{t.resource_id}/_history/{t.version_id}"} for t in targets
        ],
        "recorded": instant_text(now),
        "activity": {"coding": [{"system": DATA_OPERATION, "code": activity}]},
        "agent": [agent],
        "signature": [signature],
    }
    if patient:
        resource["extension"] = [
            {"url": PATIENT_EXTENSION, "valueReference": {"reference": f"Patient/{patient}"}}
        ]
    return resource
