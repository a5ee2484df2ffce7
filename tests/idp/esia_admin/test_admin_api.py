"""The ESIA admin API (``/admin/esia``): clients, certificates and diagnoses, behind an admin token;
every refusal a specific RFC 9457 problem, every change an ``admin_action`` in the security log."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from idp.audit import service as audit
from idp.audit.models import SecurityEvent
from idp.clients.service import ClientSpec
from idp.esia import diagnostics
from idp.esia.errors import EsiaError
from idp.esia.models import EsiaClient, EsiaClientCertificate
from tests.idp.esia_admin.conftest import EGISZ_BODY, EsiaAdmin, Files
from tests.idp.pki.openssl_signing import ec_signer, gost_signer, needs_gost


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body.get("detail"), body  # one sentence saying why
    return body


async def create(esia_admin: EsiaAdmin, **changes: Any) -> httpx.Response:
    body = {**EGISZ_BODY, **changes}
    return await esia_admin.provider.http.post("/admin/esia/clients", json=body, headers=esia_admin.headers)


def admin_actions(esia_admin: EsiaAdmin) -> list[tuple[str, str, dict[str, Any]]]:
    with esia_admin.provider.app.state.session_factory() as session:
        events = session.scalars(
            select(SecurityEvent).where(SecurityEvent.event_type == "admin_action").order_by(SecurityEvent.id)
        )
        return [
            (e.actor, e.result, dict(e.details))
            for e in events
            if str(e.details.get("action", "")).startswith("esia_")
        ]


# --- authentication -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/esia/clients"),
        ("POST", "/admin/esia/clients"),
        ("GET", "/admin/esia/clients/EGISZ"),
        ("PATCH", "/admin/esia/clients/EGISZ"),
        ("DELETE", "/admin/esia/clients/EGISZ"),
        ("GET", "/admin/esia/clients/EGISZ/certificates"),
        ("POST", "/admin/esia/clients/EGISZ/certificates"),
        ("DELETE", "/admin/esia/clients/EGISZ/certificates/" + "a" * 64),
        ("GET", "/admin/esia/clients/EGISZ/diagnoses"),
        ("GET", "/admin/esia/diagnoses/0123456789ab"),
    ],
)
async def test_every_route_needs_an_admin_token(esia_admin: EsiaAdmin, method: str, path: str) -> None:
    http = esia_admin.provider.http
    assert (await http.request(method, path)).status_code == 401
    bogus = {"Authorization": "Bearer not-a-token"}
    assert (await http.request(method, path, headers=bogus)).status_code == 401
    svc = esia_admin.provider.register(ClientSpec(client_id="svc", name="svc", scopes=["egisz:read"]))
    token = (await http.post("/token", data={"grant_type": "client_credentials"}, auth=svc.basic())).json()[
        "access_token"
    ]
    weak = await http.request(method, path, headers={"Authorization": f"Bearer {token}"})
    assert weak.status_code == 403 and weak.json()["code"] == "insufficient_scope"
    user_token = (await esia_admin.provider.tokens())["access_token"]
    person = await http.request(method, path, headers={"Authorization": f"Bearer {user_token}"})
    assert person.status_code == 401


# --- clients -----------------------------------------------------------------------------------------
async def test_client_crud_is_audited_with_the_admin_client(esia_admin: EsiaAdmin) -> None:
    http, headers = esia_admin.provider.http, esia_admin.headers
    created = await create(esia_admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["client_id"] == "EGISZ" and body["issuer"] == "http://esia.gosuslugi.ru/"
    assert body["timestamp_window"] == 300 and body["mode"] == "strict" and body["certificates"] == []
    assert body["grant_types"] == ["authorization_code", "refresh_token", "client_credentials"]
    listed = await http.get("/admin/esia/clients", headers=headers)
    assert [c["client_id"] for c in listed.json()] == ["EGISZ"]  # not the OIDC clients
    patched = await http.patch(
        "/admin/esia/clients/EGISZ",
        json={"mode": "lenient", "timestamp_window": 600, "signing_alg": "GOST3410_2012_256"},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    read = (await http.get("/admin/esia/clients/EGISZ", headers=headers)).json()
    assert (read["mode"], read["timestamp_window"], read["signing_alg"]) == (
        "lenient",
        600,
        "GOST3410_2012_256",
    )
    assert read["name"] == "ЕГИСЗ" and read["scopes"] == EGISZ_BODY["scopes"]  # untouched fields stay
    # the OIDC admin API sees the same client with the ESIA-only method
    oidc = (await http.get("/admin/clients/EGISZ", headers=headers)).json()
    assert (
        oidc["token_endpoint_auth_method"] == "esia_signed_secret"
        and oidc["signing_alg"] == "GOST3410_2012_256"
    )
    assert (await http.delete("/admin/esia/clients/EGISZ", headers=headers)).status_code == 204
    problem(await http.get("/admin/esia/clients/EGISZ", headers=headers), 404, "esia_client_not_found")
    assert (await http.get("/admin/clients/EGISZ", headers=headers)).status_code == 404
    ours = {"admin_client_id": "ops-console", "client_id": "EGISZ"}
    assert admin_actions(esia_admin) == [
        (
            "admin:ops-console",
            "success",
            {"action": "esia_client_registered", **ours, "mode": "strict", "signing_alg": "RS256"},
        ),
        (
            "admin:ops-console",
            "success",
            {"action": "esia_client_updated", **ours, "changed": ["mode", "signing_alg", "timestamp_window"]},
        ),
        ("admin:ops-console", "success", {"action": "esia_client_removed", **ours}),
    ]
    with esia_admin.provider.app.state.session_factory() as session:
        assert audit.verify_chain(session).ok
        assert session.scalars(select(EsiaClient)).all() == []


async def test_an_oidc_client_id_is_not_taken_over(esia_admin: EsiaAdmin) -> None:
    response = await create(esia_admin, client_id="rp-web")  # the provider's OIDC relying party
    problem(response, 409, "client_exists")
    again = await esia_admin.provider.http.patch(
        "/admin/esia/clients/rp-web", json={"mode": "lenient"}, headers=esia_admin.headers
    )
    problem(again, 404, "esia_client_not_found")
    gone = await esia_admin.provider.http.delete("/admin/esia/clients/rp-web", headers=esia_admin.headers)
    problem(gone, 404, "esia_client_not_found")
    assert (
        await esia_admin.provider.http.get("/admin/clients/rp-web", headers=esia_admin.headers)
    ).status_code == 200


async def test_a_duplicate_mnemonic_is_409(esia_admin: EsiaAdmin) -> None:
    assert (await create(esia_admin)).status_code == 201
    problem(await create(esia_admin), 409, "client_exists")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"redirect_uris": ["not a url"]}, "invalid_esia_client"),
        ({"redirect_uris": ["ftp://egisz.example.test/cb"]}, "invalid_esia_client"),
        ({"redirect_uris": ["https://egisz.example.test/cb#frag"]}, "invalid_esia_client"),
        ({"redirect_uris": []}, "invalid_esia_client"),  # the code grant needs one
        ({"scopes": ["open id"]}, "invalid_esia_client"),
        ({"scopes": ['say"hi']}, "invalid_esia_client"),
        ({"issuer": "esia.gosuslugi.ru"}, "invalid_esia_client"),
        ({"client_id": "bad id!"}, "validation_failed"),
        ({"client_id": "EG"}, "validation_failed"),
        ({"signing_alg": "HS256"}, "validation_failed"),
        ({"mode": "sloppy"}, "validation_failed"),
        ({"timestamp_window": 0}, "validation_failed"),
        ({"timestamp_window": 86401}, "validation_failed"),
        ({"grant_types": ["password"]}, "validation_failed"),
        ({"grant_types": []}, "validation_failed"),
        ({"token_endpoint_auth_method": "client_secret_basic"}, "validation_failed"),
        ({"name": ""}, "validation_failed"),
    ],
)
async def test_bad_registrations_are_refused_with_a_problem(
    esia_admin: EsiaAdmin, changes: dict[str, Any], code: str
) -> None:
    problem(await create(esia_admin, **changes), 422, code)
    assert admin_actions(esia_admin) == []


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"mode": None}, "validation_failed"),
        ({"client_id": "OTHER"}, "validation_failed"),
        ({"redirect_uris": []}, "invalid_esia_client"),
        ({"redirect_uris": ["https://x.example.test/#"]}, "invalid_esia_client"),
        ({"issuer": "urn:esia"}, "invalid_esia_client"),
    ],
)
async def test_bad_changes_are_refused_and_change_nothing(
    esia_admin: EsiaAdmin, patch: dict[str, Any], code: str
) -> None:
    assert (await create(esia_admin)).status_code == 201
    http = esia_admin.provider.http
    problem(await http.patch("/admin/esia/clients/EGISZ", json=patch, headers=esia_admin.headers), 422, code)
    read = (await http.get("/admin/esia/clients/EGISZ", headers=esia_admin.headers)).json()
    assert read["redirect_uris"] == EGISZ_BODY["redirect_uris"] and read["mode"] == "strict"


async def test_a_control_character_in_the_path_is_422_not_500(esia_admin: EsiaAdmin) -> None:
    response = await esia_admin.provider.http.get("/admin/esia/clients/EG%00SZ", headers=esia_admin.headers)
    problem(response, 422, "validation_failed")


# --- certificates ------------------------------------------------------------------------------------
async def upload(esia_admin: EsiaAdmin, data: bytes, client_id: str = "EGISZ") -> httpx.Response:
    return await esia_admin.provider.http.post(
        f"/admin/esia/clients/{client_id}/certificates",
        content=data,
        headers={**esia_admin.headers, "Content-Type": "application/octet-stream"},
    )


async def test_a_certificate_is_registered_from_pem_der_or_base64_and_shown_with_its_hashes(
    esia_admin: EsiaAdmin, files: Files
) -> None:
    assert (await create(esia_admin)).status_code == 201
    added = await upload(esia_admin, files.rsa_pem)
    assert added.status_code == 201, added.text
    cert = added.json()
    assert cert["sha256"] == hashlib.sha256(files.rsa_der).hexdigest()
    assert cert["sha1"] == hashlib.sha1(files.rsa_der).hexdigest()
    assert len(cert["gost_hash"]) == 64 and cert["algorithm"] == "rsa"
    assert cert["subject"] == "Common Name: ИС Тест" and cert["not_before"] < cert["not_after"]
    http, headers = esia_admin.provider.http, esia_admin.headers
    listed = (await http.get("/admin/esia/clients/EGISZ/certificates", headers=headers)).json()
    assert [c["sha256"] for c in listed] == [cert["sha256"]]
    # the same certificate as DER and as bare base64 is a duplicate
    problem(await upload(esia_admin, files.rsa_der), 409, "esia_certificate_exists")
    problem(await upload(esia_admin, base64.b64encode(files.rsa_der)), 409, "esia_certificate_exists")
    removed = await http.delete(
        f"/admin/esia/clients/EGISZ/certificates/{cert['sha256'].upper()}", headers=headers
    )
    assert removed.status_code == 204
    again = await http.delete(f"/admin/esia/clients/EGISZ/certificates/{cert['sha256']}", headers=headers)
    problem(again, 404, "esia_certificate_not_found")
    added_b64 = await upload(esia_admin, base64.b64encode(files.rsa_der))
    assert added_b64.status_code == 201 and added_b64.json()["sha256"] == cert["sha256"]
    actions = [(result, details) for actor, result, details in admin_actions(esia_admin)[1:]]
    assert all(actor == "admin:ops-console" for actor, _, _ in admin_actions(esia_admin))
    ours = {"admin_client_id": "ops-console", "client_id": "EGISZ"}
    registered = {"action": "esia_certificate_registered", **ours}
    assert actions == [
        ("success", {**registered, "sha256": cert["sha256"], "algorithm": "rsa"}),
        ("failure", {**registered, "reason": "esia_certificate_exists"}),
        ("failure", {**registered, "reason": "esia_certificate_exists"}),
        ("success", {"action": "esia_certificate_removed", **ours, "sha256": cert["sha256"]}),
        ("success", {**registered, "sha256": cert["sha256"], "algorithm": "rsa"}),
    ]


async def test_removing_a_client_removes_its_certificates(esia_admin: EsiaAdmin, files: Files) -> None:
    assert (await create(esia_admin)).status_code == 201
    assert (await upload(esia_admin, files.rsa_pem)).status_code == 201
    http = esia_admin.provider.http
    assert (await http.delete("/admin/esia/clients/EGISZ", headers=esia_admin.headers)).status_code == 204
    with esia_admin.provider.app.state.session_factory() as session:
        assert session.scalars(select(EsiaClientCertificate)).all() == []
    assert (await create(esia_admin)).status_code == 201  # and the mnemonic is free again
    assert (await upload(esia_admin, files.rsa_pem)).status_code == 201


async def test_ecdsa_certificates_are_accepted(esia_admin: EsiaAdmin) -> None:
    assert (await create(esia_admin)).status_code == 201
    added = await upload(esia_admin, ec_signer().certificate.read_bytes())
    assert added.status_code == 201 and added.json()["algorithm"] == "ecdsa"


@needs_gost
@pytest.mark.parametrize(("bits", "algorithm"), [(256, "gost256"), (512, "gost512")])
async def test_gost_certificates_are_accepted(esia_admin: EsiaAdmin, bits: int, algorithm: str) -> None:
    assert (await create(esia_admin)).status_code == 201
    added = await upload(esia_admin, gost_signer(bits, "A").certificate.read_bytes())
    assert added.status_code == 201, added.text
    assert added.json()["algorithm"] == algorithm


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("private_key", 422, "private_key_refused"),
        ("pem_with_key", 422, "private_key_refused"),
        ("pfx", 422, "private_key_refused"),
        ("oversized", 413, "certificate_too_large"),
        ("expired", 422, "certificate_expired"),
        ("ed25519", 422, "certificate_algorithm_unsupported"),
        ("text", 422, "certificate_invalid"),
        ("truncated", 422, "certificate_invalid"),
        ("csr", 422, "certificate_invalid"),
    ],
)
async def test_bad_certificates_are_refused_logged_and_never_stored(
    esia_admin: EsiaAdmin, files: Files, kind: str, status: int, code: str
) -> None:
    data = {
        "private_key": files.rsa_key_pem,
        "pem_with_key": files.rsa_pem + files.rsa_key_pem,
        "pfx": files.rsa_pfx,
        "oversized": files.rsa_pem + b"\n" * (64 * 1024),
        "expired": files.expired_pem,
        "ed25519": files.ed25519_pem,
        "text": b"hello, this is not a certificate",
        "truncated": files.rsa_der[:200],
        "csr": b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
    }[kind]
    assert (await create(esia_admin)).status_code == 201
    body = problem(await upload(esia_admin, data), status, code)
    assert "BEGIN" not in body["detail"]  # nothing of the file is echoed
    with esia_admin.provider.app.state.session_factory() as session:
        assert session.scalars(select(EsiaClientCertificate)).all() == []
    assert admin_actions(esia_admin)[-1] == (
        "admin:ops-console",
        "failure",
        {
            "action": "esia_certificate_registered",
            "admin_client_id": "ops-console",
            "client_id": "EGISZ",
            "reason": code,
        },
    )


async def test_an_empty_upload_is_422(esia_admin: EsiaAdmin) -> None:
    assert (await create(esia_admin)).status_code == 201
    problem(await upload(esia_admin, b""), 422, "validation_failed")


async def test_a_certificate_for_an_unknown_client_is_404(esia_admin: EsiaAdmin, files: Files) -> None:
    problem(await upload(esia_admin, files.rsa_pem, client_id="NOPE01"), 404, "esia_client_not_found")


async def test_a_malformed_sha256_in_the_path_is_422(esia_admin: EsiaAdmin) -> None:
    assert (await create(esia_admin)).status_code == 201
    response = await esia_admin.provider.http.delete(
        "/admin/esia/clients/EGISZ/certificates/xyz", headers=esia_admin.headers
    )
    problem(response, 422, "validation_failed")


# --- diagnoses ---------------------------------------------------------------------------------------
async def test_diagnoses_are_listed_per_client_and_read_by_handle(esia_admin: EsiaAdmin) -> None:
    assert (await create(esia_admin)).status_code == 201
    with esia_admin.provider.app.state.session_factory() as session:
        error = EsiaError(
            "ESIA-007053",
            diagnosis={
                "expected": "EGISZopenid2026.12.02 10:00:00 +0000abc",
                "found": "openid2026.12.02 10:00:00 +0000EGISZabc",
                "advice": "Sign client_id + scope + timestamp + state + redirect_uri (v2).",
            },
        )
        row = diagnostics.record(session, "EGISZ", "v2/ac", error)
        other = diagnostics.record(session, "OTHER01", "te", EsiaError("ESIA-007014", detail="code"))
        session.commit()
        handle, other_handle = row.handle, other.handle
    http, headers = esia_admin.provider.http, esia_admin.headers
    listed = (await http.get("/admin/esia/clients/EGISZ/diagnoses", headers=headers)).json()
    assert [d["handle"] for d in listed] == [handle]  # not another client's
    one = (await http.get(f"/admin/esia/diagnoses/{handle}", headers=headers)).json()
    assert one["esia_code"] == "ESIA-007053" and one["error"] == "access_denied"
    assert one["description"] == "ESIA-007053: OAuthErrorEnum.clientSecretWrong"
    assert one["explanation"]["expected"].startswith("EGISZopenid") and "advice" in one["explanation"]
    assert (await http.get(f"/admin/esia/diagnoses/{other_handle}", headers=headers)).status_code == 200
    problem(
        await http.get("/admin/esia/diagnoses/0123456789ab", headers=headers), 404, "esia_diagnosis_not_found"
    )
    problem(await http.get("/admin/esia/diagnoses/not-a-handle", headers=headers), 422, "validation_failed")
    problem(
        await http.get("/admin/esia/clients/NOPE01/diagnoses", headers=headers), 404, "esia_client_not_found"
    )
    assert admin_actions(esia_admin)[1:] == []  # reads log nothing


async def test_a_back_channel_logout_uri_is_registered_changed_and_removed(esia_admin: EsiaAdmin) -> None:
    """OIDC Back-Channel Logout 1.0 §2.2 for an ESIA client: the idp POSTs logout tokens there."""
    http, headers = esia_admin.provider.http, esia_admin.headers
    uri = "https://egisz.example.test/esia/backchannel-logout"
    created = await create(esia_admin, backchannel_logout_uri=uri)
    assert created.status_code == 201, created.text
    assert created.json()["backchannel_logout_uri"] == uri
    oidc = (await http.get("/admin/clients/EGISZ", headers=headers)).json()
    assert oidc["backchannel_logout_uri"] == uri  # the one clients row the dispatcher reads
    other = "https://egisz.example.test/other-logout"
    patched = await http.patch(
        "/admin/esia/clients/EGISZ", json={"backchannel_logout_uri": other}, headers=headers
    )
    assert patched.status_code == 200 and patched.json()["backchannel_logout_uri"] == other
    removed = await http.patch(
        "/admin/esia/clients/EGISZ", json={"backchannel_logout_uri": ""}, headers=headers
    )
    assert removed.status_code == 200 and removed.json()["backchannel_logout_uri"] is None


@pytest.mark.parametrize(
    "uri", ["not a url", "ftp://egisz.example.test/logout", "https://egisz.example.test/x#frag"]
)
async def test_a_bad_back_channel_logout_uri_is_refused(esia_admin: EsiaAdmin, uri: str) -> None:
    problem(await create(esia_admin, backchannel_logout_uri=uri), 422, "invalid_esia_client")
