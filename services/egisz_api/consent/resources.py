"""The FHIR ``Consent`` of a personal-data decision (EGISZ.md §2.3), built and read back.

Given: ``status`` active, ``scope`` patient-privacy, ``category`` LOINC 59284-0 (Patient consent),
``policy.uri`` naming the text version, ``policyRule`` OPTIN, ``provision`` permit from the moment it
was given. Withdrawn: the next version of the same resource with ``status`` inactive and the
period's ``end``; the history keeps both.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from egisz_api.consent.documents import policy_uri, version_of
from egisz_api.consent.schemas import ConsentState

SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
SCOPE_CODE = "patient-privacy"
LOINC = "http://loinc.org"
CATEGORY_CODE = "59284-0"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def given(patient_id: str, text_version: str, now: dt.datetime, resource_id: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": SCOPE_CODE}]},
        "category": [
            {
                "coding": [{"system": LOINC, "code": CATEGORY_CODE, "display": "Patient Consent"}],
                "text": "Согласие на обработку персональных данных",
            }
        ],
        "patient": {"reference": f"Patient/{patient_id}"},
        "dateTime": instant(now),
        "performer": [{"reference": f"Patient/{patient_id}"}],
        "policy": [{"uri": policy_uri(text_version)}],
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": {"start": instant(now)}},
    }
    if resource_id is not None:
        data["id"] = resource_id
    return data


def withdrawn(content: bytes, now: dt.datetime) -> dict[str, Any]:
    """The next version of a stored Consent: inactive, its period ended now."""
    data: dict[str, Any] = json.loads(content)
    data["status"] = "inactive"
    provision = data.setdefault("provision", {})
    period = provision.setdefault("period", {})
    period["end"] = instant(now)
    return data


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def state_of(content: bytes) -> ConsentState:
    data = json.loads(content)
    policies = data.get("policy") or []
    versions = [v for v in (version_of(p.get("uri")) for p in policies if isinstance(p, dict)) if v]
    period = (data.get("provision") or {}).get("period") or {}
    return ConsentState(
        consent_id=data.get("id"),
        version_id=int((data.get("meta") or {}).get("versionId", 0)) or None,
        status=data.get("status"),
        text_version=versions[0] if versions else None,
        given_at=_moment(period.get("start")) or _moment(data.get("dateTime")),
        withdrawn_at=_moment(period.get("end")) if data.get("status") != "active" else None,
    )
