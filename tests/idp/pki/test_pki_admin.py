"""The trust store's admin API, attacked: no token, a wrong token, a non-admin token, an id past
BIGINT, a private key in the body, garbage; and the happy path audited with the admin client id."""

from __future__ import annotations

import pytest

from idp.audit.models import SecurityEvent
from idp.clients.service import ClientSpec
from tests.idp.conftest import Provider
from tests.idp.pki.conftest import Pki


@pytest.fixture
async def admin_headers(provider: Provider) -> dict[str, str]:
    admin = provider.register(ClientSpec(client_id="admin", name="Admin", scopes=["admin"]))
    response = await provider.http.post(
        "/token", data={"grant_type": "client_credentials", "scope": "admin"}, auth=admin.basic()
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_add_list_upload_crl_remove(
    provider: Provider, admin_headers: dict[str, str], pki: Pki
) -> None:
    body = pki.accredited.cert_pem.read_bytes()
    added = await provider.http.post("/admin/pki/cas?accredited=true", content=body, headers=admin_headers)
    assert added.status_code == 201, added.text
    ca = added.json()
    assert ca["accredited"] is True
    again = await provider.http.post("/admin/pki/cas", content=body, headers=admin_headers)
    assert again.status_code == 409 and again.json()["code"] == "trusted_ca_exists"
    listed = await provider.http.get("/admin/pki/cas", headers=admin_headers)
    assert [c["id"] for c in listed.json()] == [ca["id"]]
    crl = await provider.http.post(
        "/admin/pki/crls", content=pki.accredited.crl_path.read_bytes(), headers=admin_headers
    )
    assert crl.status_code == 201, crl.text
    removed = await provider.http.delete(f"/admin/pki/cas/{ca['id']}", headers=admin_headers)
    assert removed.status_code == 204
    gone = await provider.http.delete(f"/admin/pki/cas/{ca['id']}", headers=admin_headers)
    assert gone.status_code == 404 and gone.json()["code"] == "trusted_ca_not_found"
    with provider.app.state.session_factory() as session:
        actions = [
            (e.details.get("action"), e.details.get("admin_client_id"))
            for e in session.query(SecurityEvent).filter(SecurityEvent.event_type == "admin_action")
        ]
    assert ("trusted_ca_added", "admin") in actions and ("trusted_ca_removed", "admin") in actions
    assert ("crl_uploaded", "admin") in actions


async def test_no_token_and_wrong_tokens_are_refused(provider: Provider, pki: Pki) -> None:
    body = pki.accredited.cert_pem.read_bytes()
    assert (await provider.http.post("/admin/pki/cas", content=body)).status_code == 401
    bogus = {"Authorization": "Bearer not-a-token"}
    assert (await provider.http.post("/admin/pki/cas", content=body, headers=bogus)).status_code == 401
    svc = provider.register(ClientSpec(client_id="svc", name="svc", scopes=["egisz:read"]))
    token = (
        await provider.http.post("/token", data={"grant_type": "client_credentials"}, auth=svc.basic())
    ).json()["access_token"]
    weak = {"Authorization": f"Bearer {token}"}
    assert (await provider.http.post("/admin/pki/cas", content=body, headers=weak)).status_code in (401, 403)
    assert (await provider.http.get("/admin/pki/cas", headers=weak)).status_code in (401, 403)


@pytest.mark.parametrize("ca_id", ["9223372036854775808", "0", "-1", "abc"])
async def test_bad_ids_are_422_not_500(provider: Provider, admin_headers: dict[str, str], ca_id: str) -> None:
    response = await provider.http.delete(f"/admin/pki/cas/{ca_id}", headers=admin_headers)
    assert response.status_code == 422


async def test_bodies_that_are_not_ca_certificates(
    provider: Provider, admin_headers: dict[str, str], pki: Pki
) -> None:
    key_pem = pki.accredited.cert_pem.read_bytes() + pki.accredited.key_pem.read_bytes()
    cases = {
        "private_key_refused": key_pem,
        "certificate_invalid": b"\x30\x03garbage",
        "not_a_ca_certificate": pki.pem("good"),
    }
    for code, body in cases.items():
        response = await provider.http.post("/admin/pki/cas", content=body, headers=admin_headers)
        assert (response.status_code, response.json()["code"]) == (422, code), response.text
    crl = await provider.http.post(
        "/admin/pki/crls", content=pki.stranger.crl_path.read_bytes(), headers=admin_headers
    )
    assert crl.json()["code"] == "crl_issuer_unknown"
    junk = await provider.http.post("/admin/pki/crls", content=b"junk", headers=admin_headers)
    assert (junk.status_code, junk.json()["code"]) == (422, "crl_invalid")
