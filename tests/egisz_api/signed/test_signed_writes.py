"""Issue 14 item 2: medical writes need a signature (EGISZ.md §5 (A), (C); RFC 9470 §3), each
records a Provenance (§2.5, row 27), If-Match guards updates, DELETE marks entered-in-error, and
workers write only for their organisation's patients."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx

from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, create, outcome, valid
from tests.egisz_api.signed.conftest import Pki, provenance

JSON = {"Content-Type": FHIR_JSON}
SYSTEM = {"scope": "system/*.cruds", "roles": ["mis"]}
DOCTOR = {
    "scope": "user/*.cruds",
    "roles": ["practitioner"],
    "org": res.ORGANIZATION,
    "fhirUser": "Practitioner/doc-1",
}
PASSWORD = {"acr": "urn:idp:acr:pwd", "amr": ["pwd"]}
SIGNATURE = {"acr": "urn:idp:acr:sig", "amr": ["swk"], "auth_time": 1_780_000_000}
QUALIFIED = {"acr": "urn:idp:acr:qes", "amr": ["hwk"]}
#: RFC 8705 §3.1 ``x5t#S256`` (base64url, no padding) of the digest 0xab × 32; the Provenance names it in hex
X5T_AB = base64.urlsafe_b64encode(bytes.fromhex("ab" * 32)).rstrip(b"=").decode()


async def _patient(client: httpx.AsyncClient, issuer: Issuer, org: str = res.ORGANIZATION) -> str:
    body = res.patient("112-233-445 95", "Иванов")
    body["managingOrganization"] = {"reference": f"Organization/{org}"}
    return await create(client, issuer.headers(**SYSTEM), body)


async def _observations(client: httpx.AsyncClient, issuer: Issuer, pid: str, query: str = "") -> list[Any]:
    found = await client.get(f"/fhir/Observation?patient={pid}{query}", headers=issuer.headers(**SYSTEM))
    assert found.status_code == 200, found.text
    return [e["resource"] for e in valid(found.content).get("entry", [])]


async def _provenances(client: httpx.AsyncClient, issuer: Issuer, query: str) -> list[dict[str, Any]]:
    found = await client.get(f"/fhir/Provenance?{query}", headers=issuer.headers(**SYSTEM))
    assert found.status_code == 200, found.text
    return [e["resource"] for e in valid(found.content).get("entry", [])]


# --- RFC 9470 §3: step-up for a person's token --------------------------------------------------


async def test_a_password_login_cannot_write_medical_data(client: httpx.AsyncClient, issuer: Issuer) -> None:
    pid = await _patient(client, issuer)
    response = await client.post(
        "/fhir/Observation",
        json=res.observation(pid),
        headers={**issuer.headers(**DOCTOR, **PASSWORD), **JSON},
    )
    body = outcome(response, 401)
    assert body["issue"][0]["details"]["coding"][0]["code"] == "insufficient_user_authentication"
    assert response.headers["www-authenticate"] == (
        'Bearer realm="egisz", error="insufficient_user_authentication", '
        'error_description="Writing Observation (medical data) needs a login by electronic signature '
        '(acr urn:idp:acr:sig or urn:idp:acr:qes); sign in again with a signature and retry.", '
        'acr_values="urn:idp:acr:sig urn:idp:acr:qes"'
    )
    assert await _observations(client, issuer, pid) == []


async def test_a_password_login_still_writes_what_is_not_medical_data(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    pid = await _patient(client, issuer)
    registrar = issuer.headers(scope="user/*.cruds", roles=["registrar"], org=res.ORGANIZATION, **PASSWORD)
    response = await client.post(
        "/fhir/Appointment", json=res.appointment(pid), headers={**registrar, **JSON}
    )
    assert response.status_code == 201, response.text


async def test_a_signature_login_writes_and_records_a_provenance(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    pid = await _patient(client, issuer)
    response = await client.post(
        "/fhir/Observation",
        json=res.observation(pid),
        headers={**issuer.headers(**DOCTOR, **SIGNATURE, cnf={"x5t#S256": X5T_AB}), **JSON},
    )
    assert response.status_code == 201, response.text
    oid = response.json()["id"]
    (found,) = await _provenances(client, issuer, f"target=Observation/{oid}")
    assert found["target"] == [{"reference": f"Observation/{oid}/_history/1"}]
    assert found["agent"][0]["who"] == {"reference": "Practitioner/doc-1"}
    assert found["agent"][0]["onBehalfOf"] == {"reference": "Organization/mo-1"}
    assert found["activity"]["coding"][0]["code"] == "CREATE"
    (signature,) = found["signature"]
    assert signature["type"][0]["code"] == "1.2.840.10065.1.12.1.1"
    assert signature["who"] == {"reference": "Practitioner/doc-1"}
    assert signature["when"].startswith("2026-05-28")  # the login's auth_time
    extensions = {e["url"].rsplit(":", 1)[-1]: e for e in signature["extension"]}
    assert extensions["signature-kind"]["valueCode"] == "sig"
    assert extensions["signature-certificate-sha256"]["valueString"] == "ab" * 32
    assert [p["id"] for p in await _provenances(client, issuer, f"patient={pid}")] == [found["id"]]


async def test_a_worker_writes_only_for_patients_of_their_organisation(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    other = await _patient(client, issuer, org="mo-2")
    # the organisation is checked before the signature (EGISZ.md §5 (A)): a 403 even when signed
    for login in (PASSWORD, QUALIFIED):
        response = await client.post(
            "/fhir/Observation",
            json=res.observation(other),
            headers={**issuer.headers(**DOCTOR, **login), **JSON},
        )
        assert outcome(response, 403)["issue"][0]["details"]["coding"][0]["code"] == "organization_mismatch"
    no_org = {k: v for k, v in DOCTOR.items() if k != "org"}
    own = await _patient(client, issuer)
    response = await client.post(
        "/fhir/Observation",
        json=res.observation(own),
        headers={**issuer.headers(**no_org, **QUALIFIED), **JSON},
    )
    outcome(response, 403)
    assert await _observations(client, issuer, other) == []


async def test_a_patient_attached_by_ogrn_takes_the_idps_org_ogrn(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    """The seed and the cabinet attach a patient to an organisation by OGRN; the idp's worker
    token names it as ``org_ogrn`` beside the organisation oid ``org``."""
    body = res.patient("112-233-445 95", "Иванов")
    body["managingOrganization"] = {
        "identifier": {"system": "urn:oid:1.2.643.5.1.13.2.1.1.1", "value": "1027700999017"}
    }
    pid = await create(client, issuer.headers(**SYSTEM), body)
    worker = {**DOCTOR, "org": "5001234", **QUALIFIED}
    same = {**issuer.headers(**worker, org_ogrn="1027700999017"), **JSON}
    assert (
        await client.post("/fhir/Observation", json=res.observation(pid), headers=same)
    ).status_code == 201
    other = {**issuer.headers(**worker, org_ogrn="1027800999027"), **JSON}
    refused = await client.post("/fhir/Observation", json=res.observation(pid), headers=other)
    assert outcome(refused, 403)["issue"][0]["details"]["coding"][0]["code"] == "organization_mismatch"


# --- a system's write: a practitioner's signed X-Provenance (EGISZ.md §5 #26) --------------------


async def test_a_system_write_without_a_provenance_is_401(client: httpx.AsyncClient, issuer: Issuer) -> None:
    pid = await _patient(client, issuer)
    response = await client.post(
        "/fhir/Observation", json=res.observation(pid), headers={**issuer.headers(**SYSTEM), **JSON}
    )
    outcome(response, 401)
    assert 'error="insufficient_user_authentication"' in response.headers["www-authenticate"]
    assert 'acr_values="urn:idp:acr:sig urn:idp:acr:qes"' in response.headers["www-authenticate"]
    assert await _observations(client, issuer, pid) == []


async def test_a_system_write_with_a_signed_provenance_is_201(
    client: httpx.AsyncClient, issuer: Issuer, pki: Pki
) -> None:
    pid = await _patient(client, issuer)
    resource = res.observation(pid)
    signed = provenance(pki.sign(pki.doctor, resource))
    response = await client.post(
        "/fhir/Observation",
        json=resource,
        headers={**issuer.headers(**SYSTEM), **JSON, "X-Provenance": signed},
    )
    assert response.status_code == 201, response.text
    oid = response.json()["id"]
    (found,) = await _provenances(client, issuer, f"target=Observation/{oid}")
    (signature,) = found["signature"]
    assert signature["sigFormat"] == "application/pkcs7-signature"
    assert signature["who"] == {"reference": "Practitioner/doc-1"}
    extensions = {e["url"].rsplit(":", 1)[-1]: e for e in signature["extension"]}
    assert extensions["signature-kind"]["valueCode"] == "qes"  # the accredited CA
    assert (
        extensions["signature-certificate-sha256"]["valueString"]
        == hashlib.sha256(pki.doctor_der).hexdigest()
    )


async def test_an_ecdsa_signature_and_an_update_are_accepted(
    client: httpx.AsyncClient, issuer: Issuer, pki: Pki
) -> None:
    pid = await _patient(client, issuer)
    resource = res.observation(pid)
    system = {**issuer.headers(**SYSTEM), **JSON}
    oid = (
        await client.post(
            "/fhir/Observation",
            json=resource,
            headers={**system, "X-Provenance": provenance(pki.sign(pki.ecdsa, resource))},
        )
    ).json()["id"]
    changed = {**resource, "id": oid, "status": "amended"}
    response = await client.put(
        f"/fhir/Observation/{oid}",
        json=changed,
        headers={**system, "If-Match": 'W/"1"', "X-Provenance": provenance(pki.sign(pki.ecdsa, changed))},
    )
    assert response.status_code == 200, response.text
    found = await _provenances(client, issuer, f"target=Observation/{oid}")
    assert sorted(p["target"][0]["reference"].rsplit("/", 1)[-1] for p in found) == ["1", "2"]


async def test_a_tampered_resource_is_refused_and_nothing_written(
    client: httpx.AsyncClient, issuer: Issuer, pki: Pki
) -> None:
    pid = await _patient(client, issuer)
    signed = provenance(pki.sign(pki.doctor, res.observation(pid)))
    tampered = res.observation(pid)
    tampered["valueQuantity"]["value"] = 99  # changed after signing
    response = await client.post(
        "/fhir/Observation",
        json=tampered,
        headers={**issuer.headers(**SYSTEM), **JSON, "X-Provenance": signed},
    )
    assert outcome(response, 422)["issue"][0]["details"]["coding"][0]["code"] == "signature_invalid"
    broken = provenance("MIIB" + "A" * 40)
    response = await client.post(
        "/fhir/Observation",
        json=tampered,
        headers={**issuer.headers(**SYSTEM), **JSON, "X-Provenance": broken},
    )
    assert outcome(response, 422)["issue"][0]["details"]["coding"][0]["code"] == "signature_invalid"
    assert await _observations(client, issuer, pid) == []
    assert await _provenances(client, issuer, f"patient={pid}") == []


async def test_a_revoked_or_untrusted_certificate_is_refused(
    client: httpx.AsyncClient, issuer: Issuer, pki: Pki
) -> None:
    pid = await _patient(client, issuer)
    resource = res.observation(pid)
    for pfx, code in ((pki.revoked, "certificate_revoked"), (pki.stranger, "certificate_untrusted")):
        response = await client.post(
            "/fhir/Observation",
            json=resource,
            headers={**issuer.headers(**SYSTEM), **JSON, "X-Provenance": provenance(pki.sign(pfx, resource))},
        )
        assert outcome(response, 422)["issue"][0]["details"]["coding"][0]["code"] == code
    assert await _observations(client, issuer, pid) == []


async def test_a_provenance_not_signed_by_a_practitioner_is_refused(
    client: httpx.AsyncClient, issuer: Issuer, pki: Pki
) -> None:
    pid = await _patient(client, issuer)
    resource = res.observation(pid)
    signed = provenance(pki.sign(pki.doctor, resource), who="Organization/mo-1")
    response = await client.post(
        "/fhir/Observation",
        json=resource,
        headers={**issuer.headers(**SYSTEM), **JSON, "X-Provenance": signed},
    )
    assert outcome(response, 422)["issue"][0]["details"]["coding"][0]["code"] == "provenance_invalid"
    response = await client.post(
        "/fhir/Observation", json=resource, headers={**issuer.headers(**SYSTEM), **JSON, "X-Provenance": "{"}
    )
    outcome(response, 422)


async def test_provenance_is_not_written_by_clients(
    client: httpx.AsyncClient, issuer: Issuer, pki: Pki
) -> None:
    body = {
        "resourceType": "Provenance",
        "target": [{"reference": "Patient/x"}],
        "recorded": "2026-01-01T00:00:00Z",
    }
    response = await client.post("/fhir/Provenance", json=body, headers={**issuer.headers(**SYSTEM), **JSON})
    assert outcome(response, 405) and response.headers["allow"] == "GET"


# --- If-Match (R4 §3.1.0.5) -----------------------------------------------------------------------


async def test_two_updates_with_the_same_if_match_one_gets_412(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    pid = await _patient(client, issuer)
    doctor = {**issuer.headers(**DOCTOR, **QUALIFIED), **JSON}
    oid = await create(client, doctor, res.observation(pid))
    statuses = []
    for value in (140, 150):
        body = {
            **res.observation(pid),
            "id": oid,
            "valueQuantity": {**res.observation(pid)["valueQuantity"], "value": value},
        }
        response = await client.put(
            f"/fhir/Observation/{oid}", json=body, headers={**doctor, "If-Match": 'W/"1"'}
        )
        statuses.append(response.status_code)
        if response.status_code == 412:
            assert "current version is 2" in outcome(response, 412)["issue"][0]["diagnostics"]
    assert statuses == [200, 412]
    (current,) = await _observations(client, issuer, pid)
    assert current["valueQuantity"]["value"] == 140 and current["meta"]["versionId"] == "2"
    found = await _provenances(client, issuer, f"target=Observation/{oid}")
    assert sorted(p["activity"]["coding"][0]["code"] for p in found) == ["CREATE", "UPDATE"]


# --- DELETE marks entered-in-error (EGISZ.md §5 (C)) ----------------------------------------------


async def test_delete_marks_entered_in_error_and_keeps_the_record(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    pid = await _patient(client, issuer)
    oid = await create(client, {**issuer.headers(**DOCTOR, **QUALIFIED), **JSON}, res.observation(pid))
    # a practitioner may not; an admin with a password login must step up; an admin who signed may
    doctor = await client.delete(f"/fhir/Observation/{oid}", headers=issuer.headers(**DOCTOR, **QUALIFIED))
    outcome(doctor, 403)
    admin = {"scope": "user/*.cruds", "roles": ["admin"], "fhirUser": "Practitioner/admin-1"}
    weak = await client.delete(f"/fhir/Observation/{oid}", headers=issuer.headers(**admin, **PASSWORD))
    outcome(weak, 401)
    deleted = await client.delete(f"/fhir/Observation/{oid}", headers=issuer.headers(**admin, **QUALIFIED))
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["status"] == "entered-in-error" and deleted.headers["etag"] == 'W/"2"'
    read = await client.get(f"/fhir/Observation/{oid}", headers=issuer.headers(**SYSTEM))
    assert read.json()["status"] == "entered-in-error"
    first = await client.get(f"/fhir/Observation/{oid}/_history/1", headers=issuer.headers(**SYSTEM))
    assert first.json()["status"] == "final"
    assert await _observations(client, issuer, pid) == []
    assert [o["id"] for o in await _observations(client, issuer, pid, "&status=entered-in-error")] == [oid]
    found = await _provenances(client, issuer, f"target=Observation/{oid}")
    assert sorted(p["activity"]["coding"][0]["code"] for p in found) == ["CREATE", "NULLIFY"]
    again = await client.delete(f"/fhir/Observation/{oid}", headers=issuer.headers(**admin, **QUALIFIED))
    assert again.status_code == 200 and again.headers["etag"] == 'W/"2"'


async def test_a_condition_is_marked_by_its_verification_status(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    pid = await _patient(client, issuer)
    cid = await create(client, {**issuer.headers(**DOCTOR, **QUALIFIED), **JSON}, res.condition(pid))
    admin = issuer.headers(scope="user/*.cruds", roles=["admin"], **QUALIFIED)
    deleted = await client.delete(f"/fhir/Condition/{cid}", headers=admin)
    assert deleted.status_code == 200, deleted.text
    marked = valid(deleted.content)
    assert marked["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    assert "clinicalStatus" not in marked
    found = await client.get(f"/fhir/Condition?patient={pid}", headers=issuer.headers(**SYSTEM))
    assert valid(found.content).get("entry", []) == []


async def test_only_clinical_records_take_delete(client: httpx.AsyncClient, issuer: Issuer) -> None:
    pid = await _patient(client, issuer)
    admin = issuer.headers(scope="user/*.cruds", roles=["admin"], **QUALIFIED)
    response = await client.delete(f"/fhir/Patient/{pid}", headers=admin)
    outcome(response, 405)
    assert (await client.get(f"/fhir/Patient/{pid}", headers=issuer.headers(**SYSTEM))).status_code == 200


class _Withdrawn:
    """A consent gate for which every patient has withdrawn consent."""

    def allows(self, session: Any, caller: Any, patient_id: str) -> bool:
        return False


async def test_consent_is_checked_before_the_signature(make_db: Any, issuer: Issuer) -> None:
    """EGISZ.md §5 (A): scope → role → organisation → consent → signature: a password login for a
    patient who withdrew consent hears about the consent (403), not about stepping up (401)."""
    from egisz_api.main import create_app
    from tests.conftest import running
    from tests.egisz_api.fhir.conftest import fhir_settings

    app = create_app(
        fhir_settings(make_db("egisz_api"), issuer, signed_writes_required=True), consent_gate=_Withdrawn()
    )
    async with running(app) as client:
        pid = await _patient(client, issuer)
        response = await client.post(
            "/fhir/Observation",
            json=res.observation(pid),
            headers={**issuer.headers(**DOCTOR, **PASSWORD), **JSON},
        )
        assert outcome(response, 403)["issue"][0]["details"]["coding"][0]["code"] == "consent_revoked"
