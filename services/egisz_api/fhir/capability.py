"""What this server says about itself: the CapabilityStatement (R4 §3.1.0.10) and the SMART App
Launch v2 configuration (EGISZ.md §2.2). Both are generated from the same tables the server runs
on, so they list exactly what works."""

from __future__ import annotations

from typing import Any

from egisz_api.audit.query import SEARCH_PARAMETERS as AUDIT_EVENT_PARAMETERS
from egisz_api.fhir.query import MAX_COUNT
from egisz_api.records.parameters import DEFINITIONS
from egisz_api.reports.definitions import capability_entries as report_entries
from egisz_api.signatures.rules import is_deletable
from egisz_api.terminology.schemas import OPERATIONS as TERMINOLOGY_OPERATIONS
from egisz_api.terminology.schemas import SEARCH_PARAMETERS as TERMINOLOGY_PARAMETERS
from egisz_api.terminology.schemas import TYPES as TERMINOLOGY_TYPES
from shared.smart_scopes import CONTEXT_SCOPES, RESOURCE_SCOPES

FHIR_VERSION = "4.0.1"
_TYPE_URL = {
    "token": "token",
    "date": "date",
    "reference": "reference",
    "string": "string",
}
INTERACTIONS = ("read", "vread", "history-instance", "search-type", "create", "update")
#: clinical records: DELETE marks them entered-in-error (EGISZ.md §5 (C)); Provenance is written by
#: the server with each signed write and is only read (§5 row 27)
CLINICAL_INTERACTIONS = (*INTERACTIONS, "delete")
READ_ONLY_INTERACTIONS = ("read", "vread", "history-instance", "search-type")
#: AuditEvent comes from the audit trail: read and search only, never a write (EGISZ.md §5 row 30)
AUDIT_EVENT_INTERACTIONS = ("read", "search-type")
#: CodeSystem and ValueSet: the seeded terminology, read and search only (docs/fhir.md "Terminology")
TERMINOLOGY_INTERACTIONS = ("read", "search-type")


def _audit_event() -> dict[str, Any]:
    return {
        "type": "AuditEvent",
        "profile": "http://hl7.org/fhir/StructureDefinition/AuditEvent",
        "documentation": (
            "IHE BALP AuditEvents of every access to a patient's data; a patient sees their own "
            "record's. Reading or searching them is itself audited. No write interaction."
        ),
        "interaction": [{"code": code} for code in AUDIT_EVENT_INTERACTIONS],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": [
            {"name": name, "type": kind, "documentation": text}
            for name, (kind, text) in AUDIT_EVENT_PARAMETERS.items()
        ],
    }


def _terminology(resource_type: str) -> dict[str, Any]:
    return {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "documentation": (
            "Seeded terminology (ICD-10, LOINC, local vaccine and medication lists...); any "
            "authenticated caller. Writes are checked against the value sets (422 code-invalid)."
        ),
        "interaction": [{"code": code} for code in TERMINOLOGY_INTERACTIONS],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": [
            {"name": name, "type": kind, "documentation": text}
            for name, (kind, text) in TERMINOLOGY_PARAMETERS.items()
        ],
        "operation": [
            {"name": name, "definition": definition, "documentation": text}
            for name, definition, text in TERMINOLOGY_OPERATIONS[resource_type]
        ],
    }


#: R4 rest-hook Subscriptions of integrator systems (fhir/service.py, subscriptions/)
SUBSCRIPTION_INTERACTIONS = ("create", "read", "search-type", "delete")


def _subscription() -> dict[str, Any]:
    return {
        "type": "Subscription",
        "profile": "http://hl7.org/fhir/StructureDefinition/Subscription",
        "documentation": (
            "rest-hook only, for system/ clients: criteria {Observation|DiagnosticReport|Immunization}"
            "?patient=<id>[&<search parameters of the type>]; an empty or id-only notification; "
            "a client sees and deletes only its own. No search parameters."
        ),
        "interaction": [{"code": code} for code in SUBSCRIPTION_INTERACTIONS],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": [],
    }


def capability_statement(base: str, issuer: str, software_version: str, published: str) -> dict[str, Any]:
    resources = []
    for definition in DEFINITIONS.values():
        params = [
            {"name": "_id", "type": "token"},
            {"name": "_lastUpdated", "type": "date"},
            *(
                {"name": p.name, "type": _TYPE_URL[p.kind], "documentation": p.description or p.name}
                for p in definition.parameters.values()
            ),
        ]
        read_only = definition.type == "Provenance"
        interactions = (
            READ_ONLY_INTERACTIONS
            if read_only
            else CLINICAL_INTERACTIONS
            if is_deletable(definition.type)
            else INTERACTIONS
        )
        entry: dict[str, Any] = {
            "type": definition.type,
            "interaction": [{"code": code} for code in interactions],
            "versioning": "versioned-update",
            "readHistory": True,
            "updateCreate": not read_only,
            # If-None-Exist (R4 §3.1.0.8.1), single and in transaction entries (fhir/service.create)
            "conditionalCreate": not read_only,
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
            "searchParam": params,
        }
        if is_deletable(definition.type):
            entry["documentation"] = (
                "Medical data: create/update need a signature-level login (acr urn:idp:acr:sig or "
                "urn:idp:acr:qes) or, from a system, a signed X-Provenance; each write records a "
                "Provenance. DELETE marks the record entered-in-error (admin, signed)."
            )
        if definition.includes:
            entry["searchInclude"] = sorted(definition.includes)
        if definition.type == "Task":
            entry["documentation"] = (
                "Patients' correction and deletion requests (code urn:egisz:task|correction, |deletion): "
                "created by the patient; processed by registrar, practitioner or auditor with update "
                "(requested -> accepted/rejected/completed, statusReason required to reject or complete; "
                "a completed correction names the new version in output; a completed deletion restricts "
                "the record with meta.security v3-Confidentiality R, hidden from everyone but the patient, "
                "or erases Patient contact data; clinical records are never deleted)."
            )
        if definition.type == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                },
                {
                    # EGISZ.md §5 row 25 (the covid feature): a DocumentReference with the
                    # certificate number and the QR payload; the patient's own, or an integrator's
                    "name": "covid-certificate",
                    "definition": "urn:egisz:OperationDefinition:Patient-covid-certificate",
                    "documentation": "GET only. The COVID-19 vaccination certificate as a "
                    "DocumentReference (number, verification URL with the ES256 JWS); 404 without a "
                    "completed COVID-19 vaccination. Patient (own) or integrator (mis).",
                },
            ]
        resources.append(entry)
    resources.append(_audit_event())
    resources.extend(report_entries())  # aggregates for health authorities (reports/)
    resources.extend(_terminology(resource_type) for resource_type in TERMINOLOGY_TYPES)
    resources.append(_subscription())
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": published,
        "kind": "instance",
        "software": {"name": "EGISZ API", "version": software_version},
        "implementation": {"description": "EGISZ FHIR R4 resource server", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Searches page by a cursor (stable while data changes); "
                    f"_count is clamped to {MAX_COUNT}. "
                    "Unknown parameters are refused unless Prefer: handling=lenient."
                ),
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [
                                {"url": "authorize", "valueUri": f"{issuer}/authorize"},
                                {"url": "token", "valueUri": f"{issuer}/token"},
                            ],
                        }
                    ],
                },
                "resource": resources,
                # POST /fhir (fhir/transactions.py): entries POST, PUT and GET; DELETE is refused
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": "All entries or none; urn:uuid references resolved; each "
                        "entry authorized and audited as its single interaction.",
                    },
                    {"code": "batch", "documentation": "Each entry on its own, with its own status."},
                ],
            }
        ],
    }


def smart_configuration(issuer: str, jwks_uri: str) -> dict[str, Any]:
    """SMART App Launch v2 discovery: the idp's endpoints, what this resource server accepts."""
    return {
        "issuer": issuer,
        "jwks_uri": jwks_uri,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "introspection_endpoint": f"{issuer}/introspect",
        "revocation_endpoint": f"{issuer}/revoke",
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": [
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post",
            "none",  # public clients (client-public), with PKCE S256
        ],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        # the same list as the idp's discovery (shared.smart_scopes); narrower forms work too
        "scopes_supported": ["openid", "offline_access", *CONTEXT_SCOPES, *RESOURCE_SCOPES],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        # each is true of the idp + this server (docs/smart.md); no EHR launch, no patient picker
        "capabilities": [
            "authorize-post",
            "launch-standalone",
            "client-public",
            "client-confidential-symmetric",
            "client-confidential-asymmetric",
            "sso-openid-connect",
            "context-standalone-patient",
            "permission-offline",
            "permission-patient",
            "permission-user",
            "permission-v1",
            "permission-v2",
        ],
    }
