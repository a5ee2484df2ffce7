"""Which writes need a signature, and what a token's login proved (pure rules, no data access).

EGISZ.md §5 rows 9-23 mark the medical-data writes **qes**; the idp's assurance table
(``idp/second_factor/assurance.py``) gives a signature login ``acr`` = ``urn:idp:acr:sig`` (УНЭП,
``amr`` ``swk``) or ``urn:idp:acr:qes`` (КЭП, ``amr`` ``hwk``). The idp always puts ``acr`` into a
person's access token (RFC 9068 §2.2.1), so ``acr`` decides; only a token without ``acr`` is judged by
``amr`` (``swk``/``hwk``, or ``ds`` as EGISZ.md §5 "Auth levels" names a signature).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from egisz_api.records.schemas import TokenCondition
from egisz_api.signatures.schemas import Kind

ACR_SIG = "urn:idp:acr:sig"
ACR_QES = "urn:idp:acr:qes"
#: the medical data EGISZ.md §5 marks **qes** for create/update (rows 9, 11, 13, 15, 17, 19, 23, 24)
MEDICAL_TYPES = frozenset(
    {
        "Encounter",
        "Condition",
        "Observation",
        "DiagnosticReport",
        "ServiceRequest",
        "MedicationRequest",
        "Immunization",
        "DocumentReference",
    }
)
#: written by the server only (with each signed write); clients read and search them
SERVER_WRITTEN_TYPES = frozenset({"Provenance"})
_ACR_KINDS: dict[str, Kind] = {ACR_SIG: "sig", ACR_QES: "qes"}
_AMR_KINDS: dict[str, Kind] = {"swk": "sig", "hwk": "qes", "ds": "qes"}


def is_person_token(claims: Mapping[str, Any]) -> bool:
    """A token issued for a person's login carries ``acr``/``amr`` (RFC 9068 §2.2.1); a
    ``client_credentials`` token (an integrator system) carries neither."""
    return "acr" in claims or "amr" in claims


def login_kind(claims: Mapping[str, Any]) -> Kind | None:
    """``sig``/``qes`` when the token's login was by signature, else None."""
    acr = claims.get("acr")
    if isinstance(acr, str) and acr:
        return _ACR_KINDS.get(acr)
    amr = claims.get("amr")
    values = [amr] if isinstance(amr, str) else amr if isinstance(amr, list) else []
    kinds = {_AMR_KINDS[v] for v in values if isinstance(v, str) and v in _AMR_KINDS}
    return "qes" if "qes" in kinds else "sig" if kinds else None


# --- entered-in-error (EGISZ.md §5 (C): no physical deletes of clinical records) ------------------
ENTERED_IN_ERROR = "entered-in-error"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
#: the search parameter carrying a type's entered-in-error state (Condition: verificationStatus)
_STATUS_PARAMETER = {"Condition": "verification-status"}


def is_deletable(resource_type: str) -> bool:
    """``DELETE`` applies to the clinical records only, and marks them (never removes them)."""
    return resource_type in MEDICAL_TYPES


def status_parameter(resource_type: str) -> str:
    return _STATUS_PARAMETER.get(resource_type, "status")


def hidden_unless_asked(resource_type: str, asked: set[str]) -> TokenCondition | None:
    """The token a search of clinical records excludes (entered-in-error), unless it asks for the
    status itself (``?status=entered-in-error`` finds them)."""
    if resource_type not in MEDICAL_TYPES or status_parameter(resource_type) in asked:
        return None
    return TokenCondition(status_parameter(resource_type), None, ENTERED_IN_ERROR)


def is_entered_in_error(resource_type: str, resource: dict[str, Any]) -> bool:
    if resource_type == "Condition":
        status = resource.get("verificationStatus")
        codings = status.get("coding") if isinstance(status, dict) else None
        return any(isinstance(c, dict) and c.get("code") == ENTERED_IN_ERROR for c in codings or [])
    return resource.get("status") == ENTERED_IN_ERROR


def mark_entered_in_error(resource_type: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The next version of a clinical record marked entered-in-error (a Condition by its
    verificationStatus, whose clinicalStatus must then be absent: R4 invariant con-5)."""
    marked = dict(resource)
    if resource_type == "Condition":
        marked.pop("clinicalStatus", None)
        marked["verificationStatus"] = {
            "coding": [{"system": CONDITION_VERIFICATION, "code": ENTERED_IN_ERROR}]
        }
    else:
        marked["status"] = ENTERED_IN_ERROR
    return marked
